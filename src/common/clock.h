/* Wall and monotonic clocks. */
#ifndef RJ_COMMON_CLOCK_H
#define RJ_COMMON_CLOCK_H

#include <stdint.h>

/* Milliseconds since the Unix epoch (what RocketMQ stores as timestamps). */
int64_t rj_clock_wall_ms(void);

/* Monotonic clock for deadlines and intervals, never jumps with the wall clock. */
int64_t rj_clock_mono_ms(void);
uint64_t rj_clock_mono_ns(void);

/* Sleeps the calling thread (never on an I/O thread). */
void rj_clock_sleep_ms(int64_t ms);

/* Sleeps `us` microseconds (restarted after signals). */
void rj_clock_sleep_us(int64_t us);

#endif
