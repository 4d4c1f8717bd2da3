/*
 * Delayed tasks on one thread (Java's ScheduledExecutorService of
 * MQClientInstance and the pull service's executePullRequestLater): route
 * polls, heartbeats, offset persistence, delayed pulls. Tasks must be short
 * and must not block: long work is handed to an executor.
 *
 * Tasks live in a binary heap ordered by due time (monotonic ms), ties in
 * submission order; the heap array grows geometrically, so scheduling does not
 * allocate once it has reached its working size.
 */
#ifndef RJ_CLIENT_SCHEDULER_H
#define RJ_CLIENT_SCHEDULER_H

#include "client/task.h"

#include <stdint.h>

typedef struct rj_scheduler rj_scheduler_t;

/* Creates and starts the thread (named `name`). Returns RJ_OK, RJ_ENOMEM or -errno. */
int rj_scheduler_create(const char *name, rj_scheduler_t **out);

/*
 * Runs fn(arg, extra, false) on the scheduler thread after `delay_ms` (<= 0:
 * as soon as possible). Any thread. Returns RJ_OK, RJ_ENOMEM, or RJ_ESHUTDOWN
 * once stopping (then the task is NOT run: the caller still owns `arg`).
 */
int rj_scheduler_schedule(rj_scheduler_t *s, int64_t delay_ms, rj_task_fn fn, void *arg,
                          uint64_t extra);

/* True when called on this scheduler's thread. */
bool rj_scheduler_is_current(const rj_scheduler_t *s);

/*
 * Stops accepting tasks, joins the thread, then runs every pending task with
 * cancelled = true on the calling thread. Idempotent. Not on the scheduler thread.
 */
void rj_scheduler_stop(rj_scheduler_t *s);

/* Stops if needed and frees. NULL is a no-op. */
void rj_scheduler_destroy(rj_scheduler_t *s);

#endif
