/*
 * Push consumer internals shared by push_consumer.c (options, life cycle,
 * rebalance hooks, pull loop), consume_service.c (concurrent and orderly
 * consumption, retries) and consumer_requests.c (broker-initiated requests).
 *
 * LIFETIME. The consumer is reference counted: the application holds one
 * reference, every process queue holds one (its owner pointer). A long poll
 * still in flight after shutdown therefore completes into valid memory; it
 * sees `running` false and releases its queue. `run_lock` (read) is held
 * while issuing pulls and scheduling, so once shutdown has taken it for
 * writing and cleared `running`, nothing touches the client instance again.
 */
#ifndef RJ_CLIENT_PUSH_CONSUMER_INTERNAL_H
#define RJ_CLIENT_PUSH_CONSUMER_INTERNAL_H

#include "client/client_instance.h"
#include "client/executor.h"
#include "client/offset_store.h"
#include "client/process_queue.h"
#include "client/rebalance.h"
#include "client/subscription.h"
#include "ramjet/consumer.h"
#include "ramjet/producer.h"

#include <pthread.h>
#include <stdatomic.h>

#define RJ_MAX_SUBSCRIPTIONS 64

typedef enum {
    RJ_CONSUMER_CREATED = 0,
    RJ_CONSUMER_RUNNING = 1,
    RJ_CONSUMER_STOPPED = 2,
} rj_consumer_state_t;

struct rj_consume_context {
    rj_message_queue_t mq;
    int ack_index;
    int delay_level;
    int64_t suspend_ms;
    bool orderly;
};

struct rj_push_consumer {
    atomic_int refs;
    char *group;
    char *retry_topic; /* %RETRY%<group> */
    char *namesrv_addrs;
    char *instance_name;
    char *offset_dir;
    rj_message_model_t model;
    rj_consume_from_t consume_from;
    int64_t consume_timestamp_ms;
    rj_allocate_strategy_t strategy;
    int consume_threads;
    int consume_batch_size;
    int pull_batch_size;
    int pull_threshold_count;
    int pull_threshold_size_mib;
    int max_reconsume_times;
    int consume_timeout_min;
    int64_t suspend_ms;
    int64_t poll_namesrv_interval_ms;
    int64_t heartbeat_interval_ms;
    int64_t persist_interval_ms;
    int64_t rebalance_interval_ms;
    rj_consume_cb listener;
    rj_consume_orderly_cb orderly_listener;
    void *listener_arg;

    rj_subscription_t *subs[RJ_MAX_SUBSCRIPTIONS];
    size_t sub_count;

    atomic_int state;
    pthread_mutex_t life_lock;
    pthread_rwlock_t run_lock;
    bool running;
    atomic_bool paused;

    rj_client_instance_t *inst;
    rj_client_member_t member;
    rj_offset_store_t *offsets;
    rj_rebalance_t rb;
    bool rb_ready;
    rj_executor_t *consume_pool;
    rj_producer_t *inner_producer;
    pthread_mutex_t inner_lock;

    /* Statistics for GET_CONSUMER_RUNNING_INFO. */
    atomic_long consumed_ok;
    atomic_long consumed_failed;
    atomic_llong pulled;
    int64_t start_ms;
};

void rj_push_consumer_retain(rj_push_consumer_t *c);
void rj_push_consumer_release(rj_push_consumer_t *c);

/* The subscription of `topic`, or NULL. */
const rj_subscription_t *rj_push_consumer_subscription(const rj_push_consumer_t *c,
                                                       const char *topic);

/* Effective max reconsume times (-1 → 16 concurrent, unlimited orderly). */
int rj_push_consumer_max_reconsume(const rj_push_consumer_t *c);

/* Runs fn later on the scheduler (if running); on failure fn runs cancelled at once. */
void rj_push_consumer_schedule(rj_push_consumer_t *c, int64_t delay_ms, rj_task_fn fn, void *arg,
                               uint64_t extra);

/* ----------------------------------------------------------- consume service */

/*
 * A pull result was queued into `pq`: start consumption (concurrent: one task
 * per consume batch; orderly: a queue task when `dispatch`). Takes the
 * decoder's reference on `b`. Called on the I/O thread.
 */
void rj_consume_submit(rj_push_consumer_t *c, rj_process_queue_t *pq, rj_pull_batch_t *b,
                       bool dispatch);

/* Orderly: (re)starts the consume task of `pq` after `delay_ms`. */
void rj_consume_orderly_later(rj_push_consumer_t *c, rj_process_queue_t *pq, int64_t delay_ms);

/*
 * CONSUMER_SEND_MSG_BACK of `msg` (falling back to re-sending it to the retry
 * topic with the inner producer). Returns RJ_OK or the error. Blocks.
 */
int rj_consume_send_back(rj_push_consumer_t *c, rj_message_t *msg, int delay_level);

/* Calls the listener once for `msgs` outside any queue (CONSUME_MESSAGE_DIRECTLY). */
int rj_consume_directly(rj_push_consumer_t *c, const rj_message_t *msg, bool *ok,
                        int64_t *spent_ms);

/* Locks `pq` at its broker (orderly clustering). Returns true when held. Blocks. */
bool rj_consume_lock_queue(rj_push_consumer_t *c, rj_process_queue_t *pq);

/* Unlocks every queue of the consumer at the brokers (shutdown). Blocks. */
void rj_consume_unlock_all(rj_push_consumer_t *c);

/* Orderly clustering: renews the queue locks every 20 s (first after 1 s). */
void rj_consume_start_relock(rj_push_consumer_t *c);

/* Concurrent listeners: sends back messages held past the consume timeout, every timeout. */
void rj_consume_start_expiry(rj_push_consumer_t *c);

/* One round of that (exposed for tests). Blocks (send-back RPCs). */
void rj_consume_clean_expired(rj_push_consumer_t *c);

/* ------------------------------------------------------------------ requests */

int rj_push_consumer_handle_request(rj_push_consumer_t *c, rj_request_t *req,
                                    const rj_command_t *cmd);

#endif
