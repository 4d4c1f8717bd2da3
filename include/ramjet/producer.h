/*
 * Producer: sends messages to the brokers of a topic.
 *
 * Life cycle: rj_producer_create() -> rj_producer_set_*() -> rj_producer_start()
 * -> sends -> rj_producer_shutdown() -> rj_producer_destroy(). Options can be
 * set only before start (RJ_ESTATE afterwards).
 *
 * Threads: every send function may be called from any thread, concurrently,
 * except from inside a library callback of the same producer for the blocking
 * (sync) variants. Sync sends block the calling thread up to the send timeout
 * per attempt.
 *
 * Callbacks:
 *   - rj_send_cb of async sends runs on the producer's I/O thread (the
 *     connection's event loop). It must be short and must not block: no sync
 *     send, no sleeping. Calling rj_producer_send_async() from it is fine for
 *     a topic this producer has already sent to (a first send needs a route
 *     lookup, which would block; from the I/O thread it fails with RJ_ENOROUTE).
 *     Every accepted async send gets exactly one callback, also when the
 *     producer shuts down with the send pending (status RJ_ESHUTDOWN).
 *   - rj_queue_select_cb runs on the sending thread, during the send call.
 *   - Transaction callbacks: the local-transaction callback runs on the thread
 *     of rj_producer_send_in_transaction(); the check callback on the
 *     producer's check thread.
 *
 * Errors: RJ_EINVAL for bad arguments (NULL, empty or illegal topic, empty or
 * too large body, ...); RJ_ESTATE when not started / already shut down;
 * RJ_ENOROUTE when no name server knows the topic; RJ_ETIMEDOUT when the send
 * timeout passed; RJ_EREMOTE when a broker rejected the message (the response
 * code and remark are in rj_last_error() and, for async sends, in the result);
 * RJ_ECONNREFUSED / RJ_ECLOSED for network failures that outlasted the retries.
 */
#ifndef RAMJET_PRODUCER_H
#define RAMJET_PRODUCER_H

#include "ramjet/message.h"
#include "ramjet/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rj_producer rj_producer_t;
typedef struct rj_send_result rj_send_result_t;

/* Outcome of a stored message (RocketMQ SendStatus). */
typedef enum {
    RJ_SEND_OK = 0,                  /* stored */
    RJ_SEND_FLUSH_DISK_TIMEOUT = 1,  /* stored, but the sync flush timed out */
    RJ_SEND_FLUSH_SLAVE_TIMEOUT = 2, /* stored, but the slave did not confirm in time */
    RJ_SEND_SLAVE_NOT_AVAILABLE = 3, /* stored on the master, no slave to replicate to */
} rj_send_status_t;

/* Local transaction state (RocketMQ LocalTransactionState). */
typedef enum {
    RJ_TRANSACTION_COMMIT = 0,   /* make the half message visible */
    RJ_TRANSACTION_ROLLBACK = 1, /* discard it */
    RJ_TRANSACTION_UNKNOWN = 2,  /* not decided: the broker will ask again later */
} rj_transaction_state_t;

/*
 * Async send completion. `status` is RJ_OK when the message was stored (see
 * rj_send_result_status() for the flavour), else the failure. `result` is never
 * NULL; it is valid only during the call. Runs on the I/O thread (see above).
 */
typedef void (*rj_send_cb)(int status, const rj_send_result_t *result, void *arg);

/*
 * Queue selector for ordered messages: returns an index in [0, queue_count)
 * into the topic's writable queues (sorted by broker name, then queue id;
 * `queues` lists them). An out-of-range return fails the send with RJ_EINVAL.
 */
typedef int (*rj_queue_select_cb)(const rj_message_queue_t *queues, size_t queue_count,
                                  const rj_message_t *msg, void *arg);

/*
 * Local transaction of a transactional send, run after the half message was
 * stored. `transaction_id` identifies it in later checks. Returns the state.
 */
typedef rj_transaction_state_t (*rj_local_transaction_cb)(const rj_message_t *msg,
                                                          const char *transaction_id,
                                                          void *exec_arg, void *arg);

/*
 * Broker check of a transaction whose outcome it has not learnt (UNKNOWN
 * result, or a lost END_TRANSACTION). `msg` is the half message as stored
 * (rj_message_transaction_id() gives the id). Returns the state.
 */
typedef rj_transaction_state_t (*rj_check_transaction_cb)(const rj_message_t *msg, void *arg);

/* -------------------------------------------------------------- life cycle */

/* New producer of `group` (copied; legal characters [%|a-zA-Z0-9_-], <= 255 bytes). */
RJ_API int rj_producer_create(const char *group, rj_producer_t **out);

/*
 * Stops (if running) and frees the producer. Pending async sends complete
 * with RJ_ESHUTDOWN before it returns. NULL is a no-op.
 */
RJ_API void rj_producer_destroy(rj_producer_t *p);

/*
 * Connects the client instance (routes, heartbeats) and makes sends possible.
 * A name server that cannot be reached is not an error here: sends report
 * RJ_ENOROUTE until one answers, and the library keeps retrying.
 */
RJ_API int rj_producer_start(rj_producer_t *p);

/*
 * Waits for pending async sends (each ends within its send timeout and
 * retries), unregisters from the brokers and stops. Later sends return
 * RJ_ESTATE. Idempotent. Not from a library callback (it waits for them).
 */
RJ_API int rj_producer_shutdown(rj_producer_t *p);

/* ----------------------------------------------------------------- options */

/* Name servers, "host:port;host:port" (required before start). */
RJ_API int rj_producer_set_namesrv_addr(rj_producer_t *p, const char *addrs);

/*
 * Instance name; producers and consumers with the same instance name share one
 * client instance (connections, heartbeats). Default: "<pid>#<nanotime>",
 * i.e. a client instance of its own.
 */
RJ_API int rj_producer_set_instance_name(rj_producer_t *p, const char *name);

/* Per-attempt timeout of a send, default 3000 ms. */
RJ_API int rj_producer_set_send_timeout(rj_producer_t *p, int64_t timeout_ms);

/* Extra attempts of sync sends on another broker after a failure (default 2). */
RJ_API int rj_producer_set_retry_times(rj_producer_t *p, int times);

/* Extra attempts of async sends after a network failure (default 2). */
RJ_API int rj_producer_set_async_retry_times(rj_producer_t *p, int times);

/* Retry on another broker when the status is not RJ_SEND_OK (default false). */
RJ_API int rj_producer_set_retry_another_broker_when_not_store_ok(rj_producer_t *p, bool enable);

/* Bodies of at least this size are zlib-compressed (default 4096 bytes). */
RJ_API int rj_producer_set_compress_threshold(rj_producer_t *p, size_t bytes);

/* zlib level 0..9 for body compression (default 5, as Java). */
RJ_API int rj_producer_set_compress_level(rj_producer_t *p, int level);

/* Largest body accepted by the producer (default 4 MiB). */
RJ_API int rj_producer_set_max_message_size(rj_producer_t *p, size_t bytes);

/*
 * Latency-based fault avoidance (Java sendLatencyFaultEnable, default false):
 * brokers that answered slowly or failed are avoided for a while.
 */
RJ_API int rj_producer_set_latency_fault_enable(rj_producer_t *p, bool enable);

/*
 * Upper bound on async sends waiting for their answer (0 = unlimited, the
 * default). When reached, rj_producer_send_async() waits for a free slot for
 * up to the send timeout and then fails with RJ_EBUSY.
 */
RJ_API int rj_producer_set_max_inflight_async(rj_producer_t *p, size_t count);

/*
 * Upper bound on one-way sends not yet written to the socket (default 65535,
 * as Java's clientOnewaySemaphoreValue; 0 = unlimited). When reached,
 * rj_producer_send_oneway() waits for a free slot for up to the send timeout
 * and then fails with RJ_EBUSY.
 */
RJ_API int rj_producer_set_max_inflight_oneway(rj_producer_t *p, size_t count);

/* Queue count of a topic the broker creates on first send (default 4). */
RJ_API int rj_producer_set_default_topic_queue_nums(rj_producer_t *p, int count);

/* Route refresh (default 30000 ms) and heartbeat (default 30000 ms) periods. */
RJ_API int rj_producer_set_poll_namesrv_interval(rj_producer_t *p, int64_t interval_ms);
RJ_API int rj_producer_set_heartbeat_interval(rj_producer_t *p, int64_t interval_ms);

/*
 * Makes this a transactional producer: `execute` runs each local transaction,
 * `check` answers broker checks (both required). `arg` is passed to both.
 */
RJ_API int rj_producer_set_transaction_listener(rj_producer_t *p, rj_local_transaction_cb execute,
                                                rj_check_transaction_cb check, void *arg);

/* ------------------------------------------------------------------ sending */

/*
 * Sync send: picks a queue (round robin, avoiding the broker that just failed,
 * or slow brokers with latency fault avoidance on), retries on another broker
 * for the codes RocketMQ retries and on network errors. On RJ_OK the result
 * goes to *result if `result` is not NULL (free it with rj_send_result_destroy).
 */
RJ_API int rj_producer_send(rj_producer_t *p, const rj_message_t *msg, rj_send_result_t **result);

/*
 * Sync send like rj_producer_send(), filling a result the caller owns and
 * reuses (from rj_send_result_create(), or one a sync send returned), so a
 * send allocates nothing for its result. The result's previous contents are
 * replaced: on RJ_OK the stored message (rj_send_result_status() tells
 * RJ_SEND_OK from the flush/slave timeouts); on failure only
 * rj_send_result_response_code() and rj_send_result_error() are set. The
 * result must not be shared by concurrent sends.
 */
RJ_API int rj_producer_send_into(rj_producer_t *p, const rj_message_t *msg,
                                 rj_send_result_t *result);

/*
 * Async send: returns at once; `cb` gets the outcome later (see above). If
 * this function returns an error, `cb` is never called.
 */
RJ_API int rj_producer_send_async(rj_producer_t *p, const rj_message_t *msg, rj_send_cb cb,
                                  void *arg);

/* One-way send: no answer is awaited, so no outcome is known. */
RJ_API int rj_producer_send_oneway(rj_producer_t *p, const rj_message_t *msg);

/* Sync send to the queue chosen by `selector` (ordered messages). No retries, as Java. */
RJ_API int rj_producer_send_select(rj_producer_t *p, const rj_message_t *msg,
                                   rj_queue_select_cb selector, void *selector_arg,
                                   rj_send_result_t **result);

/* Async send to the queue chosen by `selector`. */
RJ_API int rj_producer_send_select_async(rj_producer_t *p, const rj_message_t *msg,
                                         rj_queue_select_cb selector, void *selector_arg,
                                         rj_send_cb cb, void *arg);

/* Sync send to one given queue (its topic must equal the message's). */
RJ_API int rj_producer_send_to_queue(rj_producer_t *p, const rj_message_t *msg,
                                     const rj_message_queue_t *mq, rj_send_result_t **result);

/* Async send to one given queue. */
RJ_API int rj_producer_send_to_queue_async(rj_producer_t *p, const rj_message_t *msg,
                                           const rj_message_queue_t *mq, rj_send_cb cb, void *arg);

/*
 * Batch send: `count` messages of one topic stored together in one queue
 * (no delay, no transaction; the encoded batch must fit the max message size).
 * The result's msg id is the comma-joined list of the messages' ids.
 */
RJ_API int rj_producer_send_batch(rj_producer_t *p, const rj_message_t *const *msgs, size_t count,
                                  rj_send_result_t **result);

/* Async batch send. */
RJ_API int rj_producer_send_batch_async(rj_producer_t *p, const rj_message_t *const *msgs,
                                        size_t count, rj_send_cb cb, void *arg);

/*
 * Transactional send: stores `msg` as a half message, runs the local
 * transaction callback (with `exec_arg`) if that succeeded, and tells the
 * broker its outcome. The local state is in rj_send_result_transaction_state().
 * Requires rj_producer_set_transaction_listener().
 */
RJ_API int rj_producer_send_in_transaction(rj_producer_t *p, const rj_message_t *msg,
                                           void *exec_arg, rj_send_result_t **result);

/*
 * The writable queues of `topic` (fetching its route if needed), in selector
 * order. The array and its strings stay valid until rj_message_queues_free().
 */
RJ_API int rj_producer_fetch_publish_queues(rj_producer_t *p, const char *topic,
                                            rj_message_queue_t **queues, size_t *count);

/* Frees an array returned by a *_fetch_*_queues() function. NULL is a no-op. */
RJ_API void rj_message_queues_free(rj_message_queue_t *queues);

/* ------------------------------------------------------------- send result */

/*
 * An empty result for rj_producer_send_into(), reusable across sends (free it
 * with rj_send_result_destroy). Returns RJ_OK, RJ_EINVAL or RJ_ENOMEM.
 */
RJ_API int rj_send_result_create(rj_send_result_t **out);

/* Frees a result returned by a sync send or rj_send_result_create(). NULL is a no-op. */
RJ_API void rj_send_result_destroy(rj_send_result_t *r);

RJ_API rj_send_status_t rj_send_result_status(const rj_send_result_t *r);

/* Client message id (UNIQ_KEY; for a batch the comma-joined list). */
RJ_API const char *rj_send_result_msg_id(const rj_send_result_t *r);

/* Offset message id(s) returned by the broker. */
RJ_API const char *rj_send_result_offset_msg_id(const rj_send_result_t *r);

/* The queue the message went to, and its queue offset (first one for a batch). */
RJ_API const char *rj_send_result_topic(const rj_send_result_t *r);
RJ_API const char *rj_send_result_broker_name(const rj_send_result_t *r);
RJ_API int32_t rj_send_result_queue_id(const rj_send_result_t *r);
RJ_API int64_t rj_send_result_queue_offset(const rj_send_result_t *r);

/* Transaction id of a transactional send (NULL otherwise). */
RJ_API const char *rj_send_result_transaction_id(const rj_send_result_t *r);

/* Local transaction outcome of a transactional send. */
RJ_API rj_transaction_state_t rj_send_result_transaction_state(const rj_send_result_t *r);

/*
 * Failed async sends: the broker's response code (0 when no broker answered)
 * and a text describing the failure ("" on success).
 */
RJ_API int rj_send_result_response_code(const rj_send_result_t *r);
RJ_API const char *rj_send_result_error(const rj_send_result_t *r);

#ifdef __cplusplus
}
#endif

#endif
