/*
 * Administration basics: create topics, read routes and queue offsets. Enough
 * for tests, tools and benchmarks; mqadmin covers the rest.
 *
 * Threads: every function may be called from any thread; calls are blocking
 * (each waits at most the admin timeout, default 3000 ms, per broker call).
 * Errors: RJ_EINVAL for bad arguments, RJ_ENOROUTE when the name servers do not
 * know the topic, RJ_EREMOTE when a broker or name server answered with an error
 * (its text in rj_last_error()), RJ_ETIMEDOUT / RJ_ECONNREFUSED for network failures.
 */
#ifndef RAMJET_ADMIN_H
#define RAMJET_ADMIN_H

#include "ramjet/message.h"
#include "ramjet/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rj_admin rj_admin_t;

/* Connects to the name servers "host:port;host:port" (nothing is sent yet). */
RJ_API int rj_admin_create(const char *namesrv_addrs, rj_admin_t **out);
RJ_API void rj_admin_destroy(rj_admin_t *a);

/* Timeout of each remote call (default 3000 ms). */
RJ_API int rj_admin_set_timeout(rj_admin_t *a, int64_t timeout_ms);

/*
 * Creates or updates `topic` on every master broker of `cluster` (NULL: of all
 * clusters) with `queue_nums` read and write queues, perm read+write, and
 * waits until the name servers return a route that includes every one of those
 * brokers (up to the timeout).
 */
RJ_API int rj_admin_create_topic(rj_admin_t *a, const char *cluster, const char *topic,
                                 int queue_nums, bool order);

/* Readable queues of a topic from its route. Free with rj_message_queues_free(). */
RJ_API int rj_admin_topic_queues(rj_admin_t *a, const char *topic, rj_message_queue_t **queues,
                                 size_t *count);

/*
 * Master address ("host:port") of `broker_name` in `topic`'s route, copied into
 * `buf` of `size` bytes.
 */
RJ_API int rj_admin_broker_addr(rj_admin_t *a, const char *topic, const char *broker_name,
                                char *buf, size_t size);

/* Next offset to be written in a queue (GET_MAX_OFFSET) and the first readable one. */
RJ_API int rj_admin_max_offset(rj_admin_t *a, const rj_message_queue_t *mq, int64_t *offset);
RJ_API int rj_admin_min_offset(rj_admin_t *a, const rj_message_queue_t *mq, int64_t *offset);

/* Offset of the message stored closest to `timestamp_ms`. */
RJ_API int rj_admin_search_offset(rj_admin_t *a, const rj_message_queue_t *mq, int64_t timestamp_ms,
                                  int64_t *offset);

/* Stored progress of `group` on a queue, -1 in *offset if it has none. */
RJ_API int rj_admin_consumer_offset(rj_admin_t *a, const char *group, const rj_message_queue_t *mq,
                                    int64_t *offset);

/*
 * Client ids of the live members of `group` (asked from a broker of `topic`),
 * as a NUL-separated list ending in an empty string. Free with rj_admin_free().
 */
RJ_API int rj_admin_consumer_ids(rj_admin_t *a, const char *topic, const char *group, char **ids,
                                 size_t *count);

/* Frees memory returned by an admin call. NULL is a no-op. */
RJ_API void rj_admin_free(void *p);

#ifdef __cplusplus
}
#endif

#endif
