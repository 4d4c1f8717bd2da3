/*
 * A C push consumer (the library under test) that records every delivery as
 * an event of the same form as alions_consume.js prints ("msg" events, see
 * tests/interop/alions_consume.js), plus "javaMsgId": rj_message_msg_id(), the
 * id Java would show. So the checks of interop_expect.h apply to both clients.
 * Timers are short (1 s rebalance, heartbeat, route refresh and commits).
 */
#ifndef RJ_IT_INTEROP_C_CONSUMER_H
#define RJ_IT_INTEROP_C_CONSUMER_H

#include <jansson.h>
#include <stdbool.h>

typedef struct it_c_consumer it_c_consumer_t;

/*
 * Starts a consumer of `group` on `topic` (tag expression `expr`), from the
 * first offset; broadcasting keeps its offsets under `offset_dir` (may be NULL
 * for clustering).
 */
it_c_consumer_t *it_c_consumer_start(const char *namesrv, const char *topic, const char *expr,
                                     const char *group, bool broadcast, const char *offset_dir);

/* A snapshot of the events so far (new reference). */
json_t *it_c_consumer_events(it_c_consumer_t *c);

/* Number of "msg" events so far. */
size_t it_c_consumer_count(it_c_consumer_t *c);

/* The queues of `topic` it owns now, as [{broker, queueId}] (new reference). */
json_t *it_c_consumer_owned(it_c_consumer_t *c, const char *topic);

/* The client id ("ip@instance"). */
const char *it_c_consumer_client_id(it_c_consumer_t *c);

/* Shuts down (commits offsets, unregisters) and frees. NULL is a no-op. */
void it_c_consumer_destroy(it_c_consumer_t *c);

#endif
