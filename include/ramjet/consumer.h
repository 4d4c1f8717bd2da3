/*
 * Consumers: the push consumer (the library pulls and calls a listener) and
 * the lite pull consumer (the application polls).
 *
 * Life cycle of both: create -> set options, subscribe / assign -> start ->
 * ... -> shutdown -> destroy. Options can be set only before start
 * (RJ_ESTATE afterwards).
 *
 * Threads and callbacks (push consumer):
 *   - A concurrent listener runs on the consume thread pool (default 20
 *     threads): several calls at once, for different messages, also of the
 *     same queue.
 *   - An orderly listener runs on the same pool but never twice at once for
 *     one queue, and in queue order.
 *   - Listeners may block (they run on consume threads, not on I/O threads)
 *     and may send with a producer. They must not call shutdown/destroy of
 *     their own consumer.
 *   - The messages passed to a listener are valid only during the call.
 * Lite pull consumer: poll, seek and commit may be called from any thread;
 * they are serialised internally.
 *
 * Errors: RJ_EINVAL for bad arguments, RJ_ESTATE for a call in the wrong state,
 * RJ_ENOTFOUND for a queue that is not assigned, RJ_ETIMEDOUT / RJ_EREMOTE for
 * failed broker calls.
 */
#ifndef RAMJET_CONSUMER_H
#define RAMJET_CONSUMER_H

#include "ramjet/message.h"
#include "ramjet/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a group shares messages. */
typedef enum {
    RJ_MESSAGE_MODEL_CLUSTERING = 0,   /* each message to one member; progress on the broker */
    RJ_MESSAGE_MODEL_BROADCASTING = 1, /* each message to every member; progress in a local file */
} rj_message_model_t;

/* Where a group without stored progress starts. */
typedef enum {
    RJ_CONSUME_FROM_LAST_OFFSET = 0,  /* new messages only (default) */
    RJ_CONSUME_FROM_FIRST_OFFSET = 1, /* everything still stored */
    RJ_CONSUME_FROM_TIMESTAMP = 2,    /* messages stored since the consume timestamp */
} rj_consume_from_t;

/* How the queues of a topic are split among the members of a group. */
typedef enum {
    RJ_ALLOCATE_AVERAGELY = 0,           /* contiguous ranges (default) */
    RJ_ALLOCATE_AVERAGELY_BY_CIRCLE = 1, /* round robin */
    RJ_ALLOCATE_CONSISTENT_HASH = 2,     /* consistent hash ring, 10 virtual nodes per member */
} rj_allocate_strategy_t;

/* Result of a concurrent listener call. */
typedef enum {
    RJ_CONSUME_SUCCESS = 0,         /* all messages consumed */
    RJ_CONSUME_RECONSUME_LATER = 1, /* redeliver them later (clustering: via the retry topic) */
} rj_consume_status_t;

/* Result of an orderly listener call. */
typedef enum {
    RJ_CONSUME_ORDERLY_SUCCESS = 0, /* consumed; the queue moves on */
    RJ_CONSUME_ORDERLY_SUSPEND = 1, /* retry the same messages after a pause, order kept */
} rj_consume_orderly_status_t;

typedef struct rj_consume_context rj_consume_context_t;

/*
 * Concurrent listener: `msgs[0..count)` come from one queue, in offset order
 * (count <= consume batch size). Runs on a consume thread.
 */
typedef rj_consume_status_t (*rj_consume_cb)(const rj_message_t *const *msgs, size_t count,
                                             rj_consume_context_t *ctx, void *arg);

/* Orderly listener: as above, one call at a time per queue. */
typedef rj_consume_orderly_status_t (*rj_consume_orderly_cb)(const rj_message_t *const *msgs,
                                                             size_t count,
                                                             rj_consume_context_t *ctx, void *arg);

/* The queue the messages of this call come from. */
RJ_API const rj_message_queue_t *rj_consume_context_queue(const rj_consume_context_t *ctx);

/*
 * Concurrent listeners: with RJ_CONSUME_SUCCESS, only msgs[0..ack_index] count
 * as consumed and the rest is retried (default: all). Java's ackIndex.
 */
RJ_API int rj_consume_context_set_ack_index(rj_consume_context_t *ctx, int ack_index);

/*
 * Concurrent listeners: delay level of the retry after RECONSUME_LATER
 * (0 = the broker's schedule: 10 s, 30 s, 1 m, ...; -1 = straight to the DLQ).
 */
RJ_API int rj_consume_context_set_delay_level(rj_consume_context_t *ctx, int level);

/* Orderly listeners: pause before the retry after SUSPEND (default 1000 ms). */
RJ_API int rj_consume_context_set_suspend_time(rj_consume_context_t *ctx, int64_t suspend_ms);

/* ============================================================ push consumer */

typedef struct rj_push_consumer rj_push_consumer_t;

/* New push consumer of `group` (legal characters [%|a-zA-Z0-9_-], <= 255 bytes). */
RJ_API int rj_push_consumer_create(const char *group, rj_push_consumer_t **out);

/* Shuts down (if running) and frees. NULL is a no-op. */
RJ_API void rj_push_consumer_destroy(rj_push_consumer_t *c);

/* Name servers, "host:port;host:port" (required). */
RJ_API int rj_push_consumer_set_namesrv_addr(rj_push_consumer_t *c, const char *addrs);

/* Instance name (see rj_producer_set_instance_name). Also names the local offset directory. */
RJ_API int rj_push_consumer_set_instance_name(rj_push_consumer_t *c, const char *name);

RJ_API int rj_push_consumer_set_message_model(rj_push_consumer_t *c, rj_message_model_t model);

/* Start position; `timestamp_ms` is used by RJ_CONSUME_FROM_TIMESTAMP (default: 30 minutes ago). */
RJ_API int rj_push_consumer_set_consume_from(rj_push_consumer_t *c, rj_consume_from_t where,
                                             int64_t timestamp_ms);

RJ_API int rj_push_consumer_set_allocate_strategy(rj_push_consumer_t *c,
                                                  rj_allocate_strategy_t strategy);

/* Consume threads (default 20, at most 1000). */
RJ_API int rj_push_consumer_set_consume_thread_count(rj_push_consumer_t *c, int threads);

/* Messages per listener call (default 1, at most 1024). */
RJ_API int rj_push_consumer_set_consume_batch_size(rj_push_consumer_t *c, int count);

/* Messages per pull request (default 32, at most 1024). */
RJ_API int rj_push_consumer_set_pull_batch_size(rj_push_consumer_t *c, int count);

/*
 * Flow control per queue: pulling pauses while more than `msg_count` messages
 * (default 1000) or `size_mib` MiB of bodies (default 100) wait to be consumed.
 */
RJ_API int rj_push_consumer_set_pull_threshold(rj_push_consumer_t *c, int msg_count, int size_mib);

/*
 * Deliveries before a message goes to the dead-letter queue (-1 = default:
 * 16 for concurrent listeners, unlimited for orderly ones).
 */
RJ_API int rj_push_consumer_set_max_reconsume_times(rj_push_consumer_t *c, int times);

/*
 * Concurrent listeners: a message held by a listener call longer than this
 * many minutes (default 15, as Java) is sent back for a later retry so the
 * queue's offset can move on.
 */
RJ_API int rj_push_consumer_set_consume_timeout(rj_push_consumer_t *c, int minutes);

/* Orderly listeners: default pause after SUSPEND (default 1000 ms). */
RJ_API int rj_push_consumer_set_suspend_time(rj_push_consumer_t *c, int64_t suspend_ms);

/*
 * Directory of the broadcasting offset file (default ~/.rocketmq_offsets);
 * the file is <dir>/<client id>/<group>/offsets.json.
 */
RJ_API int rj_push_consumer_set_offset_store_dir(rj_push_consumer_t *c, const char *dir);

/* Periods: route refresh, heartbeat (30000 ms), offset persistence (5000 ms), rebalance (20000 ms).
 */
RJ_API int rj_push_consumer_set_poll_namesrv_interval(rj_push_consumer_t *c, int64_t interval_ms);
RJ_API int rj_push_consumer_set_heartbeat_interval(rj_push_consumer_t *c, int64_t interval_ms);
RJ_API int rj_push_consumer_set_persist_offset_interval(rj_push_consumer_t *c, int64_t interval_ms);
RJ_API int rj_push_consumer_set_rebalance_interval(rj_push_consumer_t *c, int64_t interval_ms);

/*
 * Subscribes `topic` with a tag expression: NULL, "" or "*" for all messages,
 * else tags separated by "||" ("TagA || TagB").
 */
RJ_API int rj_push_consumer_subscribe(rj_push_consumer_t *c, const char *topic,
                                      const char *expression);

/* Subscribes `topic` with an SQL92 filter on properties (broker needs enablePropertyFilter). */
RJ_API int rj_push_consumer_subscribe_sql(rj_push_consumer_t *c, const char *topic,
                                          const char *sql);

/* Removes a subscription (before start). */
RJ_API int rj_push_consumer_unsubscribe(rj_push_consumer_t *c, const char *topic);

/* The listener; set exactly one of the two before start. */
RJ_API int rj_push_consumer_set_listener(rj_push_consumer_t *c, rj_consume_cb cb, void *arg);
RJ_API int rj_push_consumer_set_orderly_listener(rj_push_consumer_t *c, rj_consume_orderly_cb cb,
                                                 void *arg);

/* Registers with the brokers and starts rebalancing, pulling and consuming. */
RJ_API int rj_push_consumer_start(rj_push_consumer_t *c);

/*
 * Stops pulling, waits for running listener calls, commits the offsets,
 * releases queue locks and unregisters from the brokers. Idempotent.
 */
RJ_API int rj_push_consumer_shutdown(rj_push_consumer_t *c);

/* Stops / resumes pulling (listener calls in progress finish). */
RJ_API int rj_push_consumer_suspend(rj_push_consumer_t *c);
RJ_API int rj_push_consumer_resume(rj_push_consumer_t *c);

/* The client id the group sees ("ip@instance"). Valid until destroy. */
RJ_API const char *rj_push_consumer_client_id(const rj_push_consumer_t *c);

/*
 * Queues this member currently consumes (after rebalance), for `topic`
 * (NULL: all topics). Free with rj_message_queues_free().
 */
RJ_API int rj_push_consumer_assigned_queues(rj_push_consumer_t *c, const char *topic,
                                            rj_message_queue_t **queues, size_t *count);

/* ======================================================= lite pull consumer */

typedef struct rj_pull_consumer rj_pull_consumer_t;
typedef struct rj_poll_result rj_poll_result_t;

RJ_API int rj_pull_consumer_create(const char *group, rj_pull_consumer_t **out);
RJ_API void rj_pull_consumer_destroy(rj_pull_consumer_t *c);

RJ_API int rj_pull_consumer_set_namesrv_addr(rj_pull_consumer_t *c, const char *addrs);
RJ_API int rj_pull_consumer_set_instance_name(rj_pull_consumer_t *c, const char *name);
RJ_API int rj_pull_consumer_set_message_model(rj_pull_consumer_t *c, rj_message_model_t model);
RJ_API int rj_pull_consumer_set_consume_from(rj_pull_consumer_t *c, rj_consume_from_t where,
                                             int64_t timestamp_ms);
RJ_API int rj_pull_consumer_set_allocate_strategy(rj_pull_consumer_t *c,
                                                  rj_allocate_strategy_t strategy);

/* Messages per pull and at most per poll result (default 10). */
RJ_API int rj_pull_consumer_set_pull_batch_size(rj_pull_consumer_t *c, int count);

/*
 * Auto commit (default on): each poll first commits what earlier polls
 * returned, and offsets reach the broker every `interval_ms` (default 5000).
 */
RJ_API int rj_pull_consumer_set_auto_commit(rj_pull_consumer_t *c, bool enable,
                                            int64_t interval_ms);

/* Per-queue cache limit (messages) before background pulling pauses (default 1000). */
RJ_API int rj_pull_consumer_set_pull_threshold(rj_pull_consumer_t *c, int msg_count);

RJ_API int rj_pull_consumer_set_offset_store_dir(rj_pull_consumer_t *c, const char *dir);
RJ_API int rj_pull_consumer_set_poll_namesrv_interval(rj_pull_consumer_t *c, int64_t interval_ms);
RJ_API int rj_pull_consumer_set_heartbeat_interval(rj_pull_consumer_t *c, int64_t interval_ms);
RJ_API int rj_pull_consumer_set_rebalance_interval(rj_pull_consumer_t *c, int64_t interval_ms);

/*
 * Subscribe mode: the group's queues are shared by rebalance (like the push
 * consumer). `expression` is a TAG expression ("*", NULL or "" for all,
 * "a || b"); subscribing a topic again replaces its expression. Cannot be
 * mixed with assign (RJ_ESTATE); RJ_ESTATE after shutdown.
 *
 * Allowed before and after start. On a running consumer it refreshes the
 * topic's route, sends a heartbeat to every broker (blocking on the calling
 * thread) and asks for a rebalance, which starts pulling the topic's queues
 * allotted to this member; poll() returns their messages from then on.
 *
 * Threading: subscribe, unsubscribe, assign, start and shutdown are
 * serialised against each other; they may be called from any thread while
 * other threads poll, seek or commit, and while the library's own pull,
 * heartbeat and rebalance threads run (those read the subscriptions under a
 * lock, never a half-updated list).
 */
RJ_API int rj_pull_consumer_subscribe(rj_pull_consumer_t *c, const char *topic,
                                      const char *expression);

/*
 * Removes a topic's subscription (RJ_ENOTFOUND if it has none; RJ_ESTATE in
 * assign mode or after shutdown). On a running consumer the topic's queues
 * are dropped at once: their pulls stop, messages of the topic already
 * fetched but not yet polled are discarded (poll() calls made after this
 * returns get none of the topic), the offsets of what poll returned are
 * kept as on a rebalance, and a heartbeat without the topic goes to every
 * broker. Waits for a rebalance round in progress. Same threading as
 * subscribe.
 */
RJ_API int rj_pull_consumer_unsubscribe(rj_pull_consumer_t *c, const char *topic);

/*
 * Assign mode: consume exactly these queues (replaces the previous set; no
 * rebalance). Cannot be mixed with subscribe. Allowed before and after start.
 */
RJ_API int rj_pull_consumer_assign(rj_pull_consumer_t *c, const rj_message_queue_t *queues,
                                   size_t count);

/* The readable queues of a topic. Free with rj_message_queues_free(). */
RJ_API int rj_pull_consumer_fetch_queues(rj_pull_consumer_t *c, const char *topic,
                                         rj_message_queue_t **queues, size_t *count);

RJ_API int rj_pull_consumer_start(rj_pull_consumer_t *c);

/* Commits (auto-commit mode), persists offsets, unregisters. Idempotent. */
RJ_API int rj_pull_consumer_shutdown(rj_pull_consumer_t *c);

/*
 * Waits up to `timeout_ms` for messages of one queue. RJ_OK with *out set
 * (destroy it with rj_poll_result_destroy) or RJ_ETIMEDOUT with *out NULL.
 */
RJ_API int rj_pull_consumer_poll(rj_pull_consumer_t *c, int64_t timeout_ms, rj_poll_result_t **out);

/* Messages of a poll result; valid until the result is destroyed. */
RJ_API size_t rj_poll_result_count(const rj_poll_result_t *r);
RJ_API const rj_message_t *rj_poll_result_message(const rj_poll_result_t *r, size_t i);
RJ_API void rj_poll_result_destroy(rj_poll_result_t *r);

/*
 * Next poll of `mq` starts at `offset` (messages already fetched for it are
 * dropped). RJ_ENOTFOUND if the queue is not assigned.
 */
RJ_API int rj_pull_consumer_seek(rj_pull_consumer_t *c, const rj_message_queue_t *mq,
                                 int64_t offset);
RJ_API int rj_pull_consumer_seek_to_begin(rj_pull_consumer_t *c, const rj_message_queue_t *mq);
RJ_API int rj_pull_consumer_seek_to_end(rj_pull_consumer_t *c, const rj_message_queue_t *mq);

/*
 * Commits, for every assigned queue, the offset after the last message
 * returned by poll, and sends the offsets to the broker (or the local file)
 * before returning.
 */
RJ_API int rj_pull_consumer_commit_sync(rj_pull_consumer_t *c);

/* Commits `offset` (next offset to consume) for one queue. */
RJ_API int rj_pull_consumer_commit_offset(rj_pull_consumer_t *c, const rj_message_queue_t *mq,
                                          int64_t offset);

/*
 * Committed offset of a queue (the broker's, or the local file's), or -1 in
 * *offset if none is stored.
 */
RJ_API int rj_pull_consumer_committed(rj_pull_consumer_t *c, const rj_message_queue_t *mq,
                                      int64_t *offset);

/* Stops / resumes fetching for some queues. */
RJ_API int rj_pull_consumer_pause(rj_pull_consumer_t *c, const rj_message_queue_t *queues,
                                  size_t count);
RJ_API int rj_pull_consumer_resume(rj_pull_consumer_t *c, const rj_message_queue_t *queues,
                                   size_t count);

/* Queues currently assigned (by assign or rebalance). Free with rj_message_queues_free(). */
RJ_API int rj_pull_consumer_assigned_queues(rj_pull_consumer_t *c, rj_message_queue_t **queues,
                                            size_t *count);

#ifdef __cplusplus
}
#endif

#endif
