/* Wall and monotonic clocks over clock_gettime(). */
#include "common/clock.h"

#include <errno.h>
#include <time.h>

int64_t
rj_clock_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t
rj_clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t
rj_clock_mono_ms(void)
{
    return (int64_t)(rj_clock_mono_ns() / 1000000u);
}

void
rj_clock_sleep_ms(int64_t ms)
{
    rj_clock_sleep_us(ms * 1000);
}

void
rj_clock_sleep_us(int64_t us)
{
    struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}
