/*
 * A fixed pool of threads running tasks from one FIFO queue: the consume
 * thread pool of push consumers and the client instance's service thread
 * (rebalance, heartbeats, route updates: work that may block on sync RPCs).
 *
 * The queue is a ring buffer that grows geometrically, so submitting does
 * not allocate once it has reached its working size.
 *
 * Wake-ups: a submit wakes a sleeping worker only when the queued tasks
 * outnumber the workers that are awake and looking for work (woken and not
 * yet running a task, or just back from one): those take new tasks
 * themselves. A worker that takes a task while more are queued wakes the
 * next sleeper (same rule) before running it, so a burst spreads over the
 * pool one wake-up at a time, started by the workers rather than by the
 * submitting thread (the consumer's I/O thread), and slow tasks still run in
 * parallel. Workers drain the queue before sleeping again.
 *
 * (Waking only when no worker at all is looking saves a further third of the
 * wake-ups, but then one looking worker that loses its CPU holds back every
 * queued task: on a loaded machine that cost milliseconds of p99.9.)
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

/*
 * Queues `n` tasks at once (one lock, at most one wake-up by the caller).
 * All or nothing: on RJ_ENOMEM or RJ_ESHUTDOWN none of them is queued.
 */
int rj_executor_submit_many(rj_executor_t *e, const rj_task_t *tasks, size_t n);

/* Sleeping workers woken so far (statistics and tests). */
uint64_t rj_executor_wakeups(rj_executor_t *e);

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
