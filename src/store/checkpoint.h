/*
 * The `checkpoint` file (store.md §7): 4 KiB, mapped; offset 0 the store time of
 * the last record known flushed in the commit log (physicMsgTimestamp), offset
 * 8 the store time of the last record whose consume-queue unit is known flushed
 * (logicsMsgTimestamp), offset 16 the end time of the last index file known
 * flushed (indexMsgTimestamp). Abnormal recovery starts from the segment whose
 * first record is older than min(physic, logics) − 3 s.
 */
#ifndef RJ_STORE_CHECKPOINT_H
#define RJ_STORE_CHECKPOINT_H

#include <stdbool.h>
#include <stdint.h>

#define RJ_CHECKPOINT_SIZE 4096

typedef struct {
    int64_t physic_msg_timestamp;
    int64_t logics_msg_timestamp;
    int64_t index_msg_timestamp;
} rj_checkpoint_values_t;

typedef struct {
    int fd;
    uint8_t *base;
    bool existed; /* the file was there at open */
} rj_checkpoint_t;

/* Decodes / encodes the three fields of a 4 KiB checkpoint image (rest untouched). */
void rj_checkpoint_decode(const uint8_t *image, rj_checkpoint_values_t *out);
void rj_checkpoint_encode(const rj_checkpoint_values_t *v, uint8_t *image);

/* Opens or creates `path`; `existed` tells which. Returns 0 or a negative status. */
int rj_checkpoint_open(rj_checkpoint_t *cp, const char *path);

/* Values currently in the file. */
void rj_checkpoint_read(const rj_checkpoint_t *cp, rj_checkpoint_values_t *out);

/* Writes the values and forces the page to disk. Returns 0 or -errno. */
int rj_checkpoint_write(rj_checkpoint_t *cp, const rj_checkpoint_values_t *v);

/* min(physic, logics) − 3 s, at least 0 (RocketMQ's getMinTimestamp). */
int64_t rj_checkpoint_min_timestamp(const rj_checkpoint_values_t *v);

/* min(getMinTimestamp, index) (RocketMQ's getMinTimestampIndex). */
int64_t rj_checkpoint_min_timestamp_index(const rj_checkpoint_values_t *v);

void rj_checkpoint_close(rj_checkpoint_t *cp);

#endif
