/*
 * Consumer filter manager (RocketMQ's ConsumerFilterManager, features.md §4):
 * the compiled SQL92 expressions of the consumer groups that subscribe with
 * one, by topic and group, registered from heartbeats and persisted as
 * `<storePathRootDir>/config/consumerFilter.json` (4.9.8's format, bloom
 * filter data included).
 *
 * Pulls that rely on the heartbeat's subscription look the filter data up
 * here (FILTER_DATA_NOT_EXIST / FILTER_DATA_NOT_LATEST) and evaluate its
 * expression against each message. Like Java the data of a group whose
 * consumers went away is only marked dead (and removed a day later at a
 * persist), and data loaded at start-up counts as dead until a heartbeat
 * brings the group back, but still serves pulls meanwhile.
 *
 * The table is split into stripes by topic, each with its own mutex; a
 * lookup hands out a retained expression and holds no lock afterwards.
 *
 * Thread: every function is thread-safe; load/persist block on disk.
 */
#ifndef RJ_BROKER_CONSUMER_FILTER_MANAGER_H
#define RJ_BROKER_CONSUMER_FILTER_MANAGER_H

#include "broker/sql92.h"
#include "broker/subscription_data.h"
#include "common/bytes.h"
#include "common/json_writer.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rj_consumer_filter_manager rj_consumer_filter_manager_t;

/*
 * `config_path` may be NULL (no persistence). `clean_span_ms` is how long
 * dead data is kept (filterDataCleanTimeSpan, 24 h).
 */
int rj_consumer_filter_manager_create(const char *config_path, int64_t clean_span_ms,
                                      rj_consumer_filter_manager_t **out);
void rj_consumer_filter_manager_destroy(rj_consumer_filter_manager_t *m);

/* Loads consumerFilter.json (or .bak); missing is fine. Start-up only. */
int rj_consumer_filter_manager_load(rj_consumer_filter_manager_t *m, int64_t now_ms);

/* Drops data dead longer than the clean span, then writes the file if anything changed. */
int rj_consumer_filter_manager_persist(rj_consumer_filter_manager_t *m, int64_t now_ms);

/*
 * register(group, subscriptions): every non-TAG subscription is registered
 * (new, newer version, changed expression; an expression that no longer
 * compiles removes the old data), and the group's data of topics it no
 * longer subscribes is marked dead.
 */
void rj_consumer_filter_manager_register(rj_consumer_filter_manager_t *m, rj_bytes_t group,
                                         rj_subscription_t *const *subs, size_t n, int64_t now_ms);

/* unRegister(group): the group's data is marked dead (its last consumer left). */
void rj_consumer_filter_manager_unregister(rj_consumer_filter_manager_t *m, rj_bytes_t group,
                                           int64_t now_ms);

/* What a pull needs of a group's filter data. */
typedef struct {
    rj_sql92_t *expression; /* retained (release it); NULL if it did not compile */
    int64_t client_version; /* the subscription version it was registered with */
} rj_consumer_filter_t;

/* get(topic, group): false when there is no data (dead data counts). */
bool rj_consumer_filter_manager_lookup(rj_consumer_filter_manager_t *m, rj_bytes_t topic,
                                       rj_bytes_t group, rj_consumer_filter_t *out);

/* Writes the file's content ({"filterDataByTopic":…}). */
void rj_consumer_filter_manager_write(rj_consumer_filter_manager_t *m, rj_json_writer_t *w,
                                      int64_t now_ms);

#endif
