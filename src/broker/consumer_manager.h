/*
 * Consumer manager (RocketMQ's ConsumerManager + ConsumerGroupInfo): the live
 * consumer groups, their client channels and subscriptions, built from
 * heartbeats and torn down by UNREGISTER_CLIENT, closed connections and the
 * idle scan.
 *
 * Pulls look up the group's subscription for every request, so the table is
 * split into stripes by group name, each with its own mutex; lookups hand out
 * retained subscription objects and never hold a lock while the pull runs.
 * Membership changes are reported through a callback (NOTIFY_CONSUMER_IDS_CHANGED
 * to the group's channels), always called without any lock held.
 *
 * Thread: every function is thread-safe.
 */
#ifndef RJ_BROKER_CONSUMER_MANAGER_H
#define RJ_BROKER_CONSUMER_MANAGER_H

#include "broker/subscription_data.h"
#include "common/bytes.h"
#include "common/json_writer.h"
#include "remoting/connection.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    RJ_CONSUME_ACTIVELY = 0,  /* "CONSUME_ACTIVELY" (pull) */
    RJ_CONSUME_PASSIVELY = 1, /* "CONSUME_PASSIVELY" (push) */
    RJ_CONSUME_POP = 2,       /* "CONSUME_POP" (5.x) */
} rj_consume_type_t;

typedef enum {
    RJ_MODEL_BROADCASTING = 0, /* "BROADCASTING" */
    RJ_MODEL_CLUSTERING = 1,   /* "CLUSTERING" */
} rj_message_model_t;

const char *rj_consume_type_name(int t);
int rj_consume_type_parse(const char *name); /* -1 if unknown */
const char *rj_message_model_name(int m);
int rj_message_model_parse(const char *name); /* -1 if unknown */
const char *rj_consume_from_where_name(int w);
int rj_consume_from_where_parse(const char *name); /* -1 if unknown */

/* One consumer group entry of a heartbeat. */
typedef struct {
    int consume_type;
    int message_model;
    int consume_from_where;
    rj_subscription_t *const *subs; /* borrowed; the manager retains what it keeps */
    size_t nsubs;
} rj_consumer_data_t;

/* A channel as the manager describes it to callers. */
typedef struct {
    rj_connection_t *conn; /* retained for the caller; release with rj_consumer_channels_free */
    char *client_id;
    int32_t language;
    int32_t version;
    int64_t last_update_ms;
} rj_consumer_channel_t;

typedef struct rj_consumer_manager rj_consumer_manager_t;

/* Called after a group's membership or subscriptions changed; `conns` are the group's channels. */
typedef void (*rj_consumer_ids_changed_cb)(void *arg, const char *group,
                                           rj_connection_t *const *conns, size_t n);

int rj_consumer_manager_create(rj_consumer_manager_t **out);
void rj_consumer_manager_destroy(rj_consumer_manager_t *m);

void rj_consumer_manager_set_change_cb(rj_consumer_manager_t *m, rj_consumer_ids_changed_cb cb,
                                       void *arg);

/*
 * Called (without any lock held) when a group lost its last channel through
 * UNREGISTER_CLIENT or a closed connection (Java's UNREGISTER event; the
 * idle scan removes groups silently, as Java's does).
 */
typedef void (*rj_consumer_group_removed_cb)(void *arg, const char *group);
void rj_consumer_manager_set_removed_cb(rj_consumer_manager_t *m, rj_consumer_group_removed_cb cb,
                                        void *arg);

/*
 * registerConsumer: upserts the channel (keyed by connection) and the
 * subscriptions (new topics added, a topic replaced only by a larger
 * subVersion, topics missing from `data` removed). Returns true when a new
 * channel joined or the topic set changed; then, if `notify`, the change
 * callback runs. `now_ms` is the heartbeat time.
 */
bool rj_consumer_manager_register(rj_consumer_manager_t *m, rj_bytes_t group, rj_connection_t *conn,
                                  rj_bytes_t client_id, int32_t language, int32_t version,
                                  const rj_consumer_data_t *data, bool notify, int64_t now_ms);

/* unregisterConsumer: removes the connection's channel from `group`; notifies when `notify`. */
void rj_consumer_manager_unregister(rj_consumer_manager_t *m, rj_bytes_t group,
                                    rj_connection_t *conn, bool notify);

/* doChannelCloseEvent: drops the connection from every group; `notify` gates the callback. */
void rj_consumer_manager_connection_closed(rj_consumer_manager_t *m, rj_connection_t *conn,
                                           bool notify);

/*
 * scanNotActiveChannel: channels not refreshed for `expiry_ms` are removed and
 * their connections closed. Returns the number removed.
 */
int rj_consumer_manager_scan_idle(rj_consumer_manager_t *m, int64_t now_ms, int64_t expiry_ms);

/* What a pull needs to know about its group. */
typedef struct {
    bool group_found;
    int message_model;
    rj_subscription_t *sub; /* retained (release it) or NULL when the topic is not subscribed */
} rj_consumer_lookup_t;

void rj_consumer_manager_lookup(rj_consumer_manager_t *m, rj_bytes_t group, rj_bytes_t topic,
                                rj_consumer_lookup_t *out);

/*
 * The group's channels (connections retained, client ids copied), or 0 when
 * the group is unknown. Free with rj_consumer_channels_free.
 */
size_t rj_consumer_manager_channels(rj_consumer_manager_t *m, rj_bytes_t group,
                                    rj_consumer_channel_t **out);
void rj_consumer_channels_free(rj_consumer_channel_t *chans, size_t n);

/*
 * Writes a ConsumerConnection object for the group. Returns RJ_ENOTFOUND when
 * the group has no channel.
 */
int rj_consumer_manager_write_connection(rj_consumer_manager_t *m, rj_bytes_t group,
                                         rj_json_writer_t *w);

/* Calls `cb` for every group that subscribes `topic` (queryTopicConsumeByWho). */
typedef void (*rj_consumer_group_visit_cb)(void *arg, const char *group);
void rj_consumer_manager_groups_of_topic(rj_consumer_manager_t *m, rj_bytes_t topic,
                                         rj_consumer_group_visit_cb cb, void *arg);

/* Calls `cb` for every online group. */
void rj_consumer_manager_for_each_group(rj_consumer_manager_t *m, rj_consumer_group_visit_cb cb,
                                        void *arg);

/*
 * True when the group is online; its subscribed topics are passed to `cb`
 * (may be NULL).
 */
bool rj_consumer_manager_group_topics(rj_consumer_manager_t *m, rj_bytes_t group,
                                      rj_consumer_group_visit_cb cb, void *arg);

#endif
