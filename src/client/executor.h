/*
 * A fixed pool of threads running tasks from one FIFO queue: the consume
 * thread pool of push consumers and the client instance's service thread
 * (rebalance, heartbeats, route updates: work that may block on sync RPCs).
 *
 * The queue is a ring buffer that grows geometrically, so submitting does
 * not allocate once it has reached its working size.
 */
#ifndef RJ_CLIENT_EXECUTOR_H
#define RJ_CLIENT_EXECUTOR_H

#include "client/task.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rj_executor rj_executor_t;

/* Creates and starts `threads` threads named "<name>-<i>". Returns RJ_OK, RJ_ENOMEM or -errno. */
int rj_executor_create(const char *name, int threads, rj_executor_t **out);

/*
 * Queues fn(arg, extra, false). Any thread. Returns RJ_OK, RJ_ENOMEM, or
 * RJ_ESHUTDOWN once stopping (the task is then NOT run).
 */
int rj_executor_submit(rj_executor_t *e, rj_task_fn fn, void *arg, uint64_t extra);

/* Tasks queued and not started. */
size_t rj_executor_pending(rj_executor_t *e);

/* True when called on one of this executor's threads. */
bool rj_executor_is_current(const rj_executor_t *e);

/*
 * Stops accepting tasks and joins the threads after they finish what they are
 * running. Queued tasks run normally first when `drain`, else they are run with
 * cancelled = true (on the calling thread, after the join). Idempotent. Not on
 * one of the executor's threads.
 */
void rj_executor_stop(rj_executor_t *e, bool drain);

/* Stops (cancelling queued tasks) if needed and frees. NULL is a no-op. */
void rj_executor_destroy(rj_executor_t *e);

#endif
