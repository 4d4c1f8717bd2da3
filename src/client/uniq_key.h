/*
 * UNIQ_KEY generation as Java's MessageClientIDSetter.createUniqID():
 * 16 bytes in uppercase hex = client IPv4 (4) + pid as int16 (2) + a per-process
 * hash int32 (4) + ms since the 1st of the current month 00:00 local time,
 * int32 (4) + a counter int16 (2). The first 20 hex chars are fixed per
 * process; the time base moves when a new month starts.
 */
#ifndef RJ_CLIENT_UNIQ_KEY_H
#define RJ_CLIENT_UNIQ_KEY_H

#include <stdint.h>

#define RJ_UNIQ_KEY_LEN 32

/* Writes a new id (32 chars + NUL) into `out`. Thread-safe, lock-free except at month change. */
void rj_uniq_key_create(char out[RJ_UNIQ_KEY_LEN + 1]);

/* Same with explicit inputs, for tests: `now_ms` wall time, `month_start_ms` its month start. */
void rj_uniq_key_format(char out[RJ_UNIQ_KEY_LEN + 1], const uint8_t ip4[4], uint16_t pid,
                        int32_t hash, int64_t now_ms, int64_t month_start_ms, uint16_t counter);

/* Local-time start of the month containing `ms` and of the next month. */
void rj_uniq_key_month_bounds(int64_t ms, int64_t *start_ms, int64_t *next_start_ms);

#endif
