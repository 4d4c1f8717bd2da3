/*
 * Long polling (RocketMQ's PullRequestHoldService): pull requests that found
 * nothing are parked per topic@queueId until a message for that queue is
 * dispatched, or their suspend time runs out, and are then executed again
 * (and always answered) by their owner's `run` callback.
 *
 * THREADS. The parked table and the deadline heap are guarded by one mutex.
 * rj_long_poll_park() inserts on the I/O thread that ran the pull and wakes
 * the long-poll thread only when the request has the earliest deadline;
 * rj_long_poll_notify() runs on the store's dispatch thread after each
 * consume-queue append and hands notes over through a ring, waking the
 * long-poll thread once per burst. The long-poll thread (its own libuv loop)
 * matches notes, runs requests at their deadline and does the periodic
 * re-check. Nothing blocks for long. A notification costs one atomic load
 * when no request waits on that queue's hash slot (the common case at high
 * rates), and never allocates.
 *
 * RACE. A message may be dispatched between the pull's store read and its
 * parking. After inserting, rj_long_poll_park() compares the queue's current
 * max offset with the request's offset and, if something arrived meanwhile,
 * takes the request back and runs it on the calling thread, so no wake-up is
 * lost.
 */
#ifndef RJ_BROKER_LONG_POLL_H
#define RJ_BROKER_LONG_POLL_H

#include "broker/subscription_data.h"
#include "common/bytes.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rj_long_poll rj_long_poll_t;
typedef struct rj_parked_pull rj_parked_pull_t;

/*
 * Re-executes a parked pull and answers it. `p` belongs to the callback from
 * then on (it frees it). Thread: the long-poll thread, or the parking thread
 * (see rj_long_poll_park).
 */
typedef void (*rj_parked_pull_run_cb)(rj_parked_pull_t *p);

struct rj_parked_pull {
    /* Set by the caller before parking. */
    rj_bytes_t topic; /* view into memory the caller keeps with `p` */
    int32_t queue_id;
    int64_t offset;               /* consume-queue offset the pull starts at */
    int64_t deadline_mono_ms;     /* run at this time at the latest */
    const rj_subscription_t *sub; /* tag filter for wake-ups; NULL: any message wakes */
    /*
     * Property filter for wake-ups (SQL92), or NULL. Called on the long-poll
     * thread with the arriving message's properties; a message whose
     * properties were too long to carry along wakes the pull unfiltered
     * (RocketMQ's notifyMessageArriving without properties).
     */
    bool (*match_properties)(const rj_parked_pull_t *p, rj_bytes_t properties);
    rj_parked_pull_run_cb run;
    /* Private to the long-poll service. */
    size_t heap_index;
    uint32_t slot;
    rj_parked_pull_t *next;
};

/* Current max offset of a queue (next offset to be written), from the store. Any thread. */
typedef int64_t (*rj_long_poll_max_offset_cb)(void *arg, rj_bytes_t topic, int32_t queue_id);

typedef struct {
    rj_long_poll_max_offset_cb max_offset;
    void *arg;
    /* Re-check of every parked request against the store (Java: 5000 ms; 1000 short polling). */
    int64_t check_interval_ms;
} rj_long_poll_options_t;

int rj_long_poll_create(const rj_long_poll_options_t *opts, rj_long_poll_t **out);
int rj_long_poll_start(rj_long_poll_t *lp);

/*
 * Parks `p` (the caller deferred its reply). Returns 0 (p now belongs to the
 * service, which will call p->run exactly once: on the long-poll thread, or
 * on the calling thread before this returns when data arrived meanwhile or
 * memory ran out) or RJ_ESTATE when the service is stopping (the caller
 * answers at once). Thread: any, typically an I/O thread.
 */
int rj_long_poll_park(rj_long_poll_t *lp, rj_parked_pull_t *p);

/*
 * A message was dispatched to `topic`/`queue_id` at consume-queue offset
 * `cq_offset` with `tags_code` and `properties` (copied only when a parked
 * pull of that queue filters on properties). Thread: the store's dispatch
 * thread. Never blocks for long, never allocates.
 */
void rj_long_poll_notify(rj_long_poll_t *lp, rj_bytes_t topic, int32_t queue_id, int64_t cq_offset,
                         int64_t tags_code, rj_bytes_t properties);

/* Requests in the parked table (taken in by the long-poll thread; a snapshot). Any thread. */
size_t rj_long_poll_parked(const rj_long_poll_t *lp);

/*
 * Refuses new parks, runs every parked request one last time (their answers
 * go out), and joins the thread. Idempotent. Not on the long-poll thread.
 */
void rj_long_poll_stop(rj_long_poll_t *lp);

void rj_long_poll_destroy(rj_long_poll_t *lp);

/* Hash slot of a queue key (shared by park and notify). */
uint32_t rj_long_poll_slot(rj_bytes_t topic, int32_t queue_id);

#endif
