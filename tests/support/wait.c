/* Polling a condition up to a deadline (see wait.h). */
#include "support/wait.h"

#include "common/clock.h"

bool
rj_wait_until(rj_wait_cond_fn cond, void *arg, int timeout_ms)
{
    int64_t deadline = rj_clock_mono_ms() + timeout_ms;
    int64_t pause_ms = 1;
    for (;;) {
        if (cond(arg)) {
            return true;
        }
        if (rj_clock_mono_ms() >= deadline) {
            return cond(arg);
        }
        rj_clock_sleep_ms(pause_ms);
        if (pause_ms < 20) {
            pause_ms *= 2;
        }
    }
}
