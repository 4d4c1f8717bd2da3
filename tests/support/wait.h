/*
 * Waiting on conditions instead of sleeping: tests poll what they expect
 * (a route gone, a line in a log) up to a deadline.
 */
#ifndef RJ_TEST_WAIT_H
#define RJ_TEST_WAIT_H

#include <stdbool.h>

typedef bool (*rj_wait_cond_fn)(void *arg);

/*
 * Calls `cond(arg)` until it returns true or `timeout_ms` passed (polling
 * every 1 ms at first, backing off to 20 ms). Returns the last result.
 */
bool rj_wait_until(rj_wait_cond_fn cond, void *arg, int timeout_ms);

#endif
