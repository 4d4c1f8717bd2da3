/*
 * A background thread with its own libuv loop for the broker's housekeeping:
 * periodic tasks (persisting consumer offsets, name-server registration,
 * client-channel expiry) and one-shot work handed over by other threads
 * (persisting a config file after an auto-created topic). Tasks may block on
 * disk or on a synchronous RPC; that is why they live here and not on an I/O
 * thread.
 *
 * Coalescing flags: rj_broker_scheduler_signal(s, bit) from any thread sets a
 * bit and wakes the loop, which calls the handler registered for that bit
 * once, however many times it was signalled meanwhile.
 */
#ifndef RJ_BROKER_BROKER_SCHEDULER_H
#define RJ_BROKER_BROKER_SCHEDULER_H

#include <stdint.h>

#define RJ_SCHEDULER_MAX_FLAGS 16

typedef struct rj_broker_scheduler rj_broker_scheduler_t;

typedef void (*rj_broker_task_fn)(void *arg);

/* `name` names the thread in logs. Returns 0 or RJ_ENOMEM / -errno. */
int rj_broker_scheduler_create(const char *name, rj_broker_scheduler_t **out);

/*
 * Runs `fn` after `first_ms`, then every `period_ms` (0: once). Only before
 * start. Returns 0 or RJ_ENOMEM / RJ_ESTATE.
 */
int rj_broker_scheduler_every(rj_broker_scheduler_t *s, int64_t first_ms, int64_t period_ms,
                              rj_broker_task_fn fn, void *arg);

/* Handler of flag `bit` (0 .. RJ_SCHEDULER_MAX_FLAGS-1). Only before start. */
int rj_broker_scheduler_on_signal(rj_broker_scheduler_t *s, int bit, rj_broker_task_fn fn,
                                  void *arg);

/* Starts the thread. Returns 0 or -errno. */
int rj_broker_scheduler_start(rj_broker_scheduler_t *s);

/* Sets flag `bit` and wakes the loop. Any thread, never blocks; no-op once stopped. */
void rj_broker_scheduler_signal(rj_broker_scheduler_t *s, int bit);

/*
 * Runs `fn(arg)` once on the scheduler thread soon. Any thread. Returns 0, or
 * RJ_ENOMEM / RJ_ESTATE (stopped): then `fn` is never called.
 */
int rj_broker_scheduler_post(rj_broker_scheduler_t *s, rj_broker_task_fn fn, void *arg);

/*
 * Stops: pending signals are handled one last time, posted tasks run, then
 * the thread exits and is joined. Idempotent. Not on the scheduler thread.
 */
void rj_broker_scheduler_stop(rj_broker_scheduler_t *s);

/* Stops if needed and frees. NULL is a no-op. */
void rj_broker_scheduler_destroy(rj_broker_scheduler_t *s);

#endif
