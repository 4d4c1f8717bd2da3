/*
 * Flow control for sends: instead of failing a producer with SYSTEM_BUSY the
 * moment the store reports OS_PAGECACHE_BUSY (the commit-log append lock has
 * been held too long), the send is held and retried in arrival order by the
 * throttle thread; it fails with RocketMQ's "[TIMEOUT_CLEAN_QUEUE]broker busy"
 * text only after waitTimeMillsInSendQueue. A held send is a deferred
 * request, so a connection with many held sends stops being read by the
 * remoting layer: the producer is paced, not rejected. While anything is
 * held, new sends join the queue behind it, so per-queue order is kept.
 *
 * Thread: hold/active from the I/O threads; the retries, puts and replies on
 * the throttle's own thread (which may block on a SYNC_FLUSH wait).
 */
#ifndef RJ_BROKER_SEND_THROTTLE_H
#define RJ_BROKER_SEND_THROTTLE_H

#include "remoting/connection.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rj_broker rj_broker_t;
typedef struct rj_send_throttle rj_send_throttle_t;

int rj_send_throttle_create(rj_broker_t *b, rj_send_throttle_t **out);
int rj_send_throttle_start(rj_send_throttle_t *t);

/* True while sends are held (new ones must queue behind them). Any thread, one atomic load. */
bool rj_send_throttle_active(const rj_send_throttle_t *t);

/* Number of held sends (runtime info). */
size_t rj_send_throttle_held(const rj_send_throttle_t *t);

/* How long the oldest held send has waited, ms; 0 when nothing is held (runtime info). */
int64_t rj_send_throttle_head_wait_ms(rj_send_throttle_t *t);

/*
 * What to answer with once the put succeeds: the response's queue id and
 * whether the reply must wait for topics.json (an auto-created topic).
 */
typedef struct {
    int32_t resp_queue_id;
    bool topic_created;
} rj_held_reply_t;

/*
 * Holds a single-message put. Copies what `msg` points to; defers `req`
 * (or uses `deferred` when the caller already deferred it). Returns 0 (the
 * throttle answers) or RJ_ENOMEM / RJ_ESTATE (stopping): then nothing was
 * deferred by this call and the caller answers.
 */
int rj_send_throttle_hold(rj_send_throttle_t *t, rj_request_t *req, rj_deferred_t *deferred,
                          const rj_command_t *cmd, const rj_store_msg_t *msg,
                          const rj_held_reply_t *reply);

/* Same for a batch put of `count` inner messages. */
int rj_send_throttle_hold_batch(rj_send_throttle_t *t, rj_request_t *req, rj_deferred_t *deferred,
                                const rj_command_t *cmd, const rj_store_batch_t *batch,
                                size_t count, const rj_held_reply_t *reply);

/* Retries what is held one last time, fails the rest, joins the thread. Idempotent. */
void rj_send_throttle_stop(rj_send_throttle_t *t);

void rj_send_throttle_destroy(rj_send_throttle_t *t);

#endif
