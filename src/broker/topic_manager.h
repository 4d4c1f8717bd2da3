/*
 * Topic config manager (RocketMQ's TopicConfigManager): the broker's topic
 * table, persisted as `<storePathRootDir>/config/topics.json`.
 *
 * Lookups run on the I/O threads for every send and pull, so the table is
 * read-mostly: a reader takes the read side of a rwlock, copies the few
 * fields it needs and lets go; writers (auto-create, admin) are rare. Nothing
 * here touches the disk except rj_topic_manager_load/persist, which the broker
 * calls from its service thread. A change calls the change callback (outside
 * the lock) so the broker can schedule persistence and name-server
 * registration without blocking the caller.
 *
 * Thread: every function is thread-safe.
 */
#ifndef RJ_BROKER_TOPIC_MANAGER_H
#define RJ_BROKER_TOPIC_MANAGER_H

#include "broker/data_version.h"
#include "common/buf.h"
#include "common/bytes.h"
#include "common/json_writer.h"

#include <jansson.h>

#include <stdbool.h>
#include <stdint.h>

/* PermName bits. */
#define RJ_PERM_PRIORITY 0x8
#define RJ_PERM_READ 0x4
#define RJ_PERM_WRITE 0x2
#define RJ_PERM_INHERIT 0x1

#define RJ_PERM_IS_READABLE(p) (((p)&RJ_PERM_READ) != 0)
#define RJ_PERM_IS_WRITEABLE(p) (((p)&RJ_PERM_WRITE) != 0)
#define RJ_PERM_IS_INHERITED(p) (((p)&RJ_PERM_INHERIT) != 0)

typedef enum {
    RJ_TOPIC_FILTER_SINGLE_TAG = 0, /* "SINGLE_TAG" */
    RJ_TOPIC_FILTER_MULTI_TAG = 1,  /* "MULTI_TAG": sets MULTI_TAGS on stored messages */
} rj_topic_filter_type_t;

/* TopicConfig without its name (the table key). */
typedef struct {
    int32_t read_queue_nums;
    int32_t write_queue_nums;
    int32_t perm;
    int32_t topic_sys_flag;
    rj_topic_filter_type_t filter_type;
    bool order;
} rj_topic_config_t;

/* TopicConfig defaults: 16/16 queues, perm RW, SINGLE_TAG. */
void rj_topic_config_init(rj_topic_config_t *c);

const char *rj_topic_filter_type_name(rj_topic_filter_type_t t);
/* Returns -1 when the text is not SINGLE_TAG or MULTI_TAG. */
int rj_topic_filter_type_parse(const char *name);

typedef struct {
    const char *config_path; /* topics.json */
    const char *cluster_name;
    const char *broker_name;
    bool auto_create_topic_enable;
    int32_t default_topic_queue_nums;
    bool cluster_topic_enable;
    bool broker_topic_enable;
    bool trace_topic_enable;
    const char *trace_topic_name;
} rj_topic_manager_options_t;

typedef struct rj_topic_manager rj_topic_manager_t;

/*
 * Called after any change; `topic` is the changed topic (NULL: several).
 * `auto_created` is true for topics created by a send or heartbeat (they call
 * for a one-way full registration), false for admin changes. Must not block.
 */
typedef void (*rj_topic_manager_change_cb)(void *arg, const char *topic, bool auto_created);

/*
 * Creates the table with RocketMQ's built-in topics (SELF_TEST_TOPIC, TBW102,
 * BenchmarkTest, cluster and broker-name topics, OFFSET_MOVED_EVENT,
 * SCHEDULE_TOPIC_XXXX, trace topic, <cluster>_REPLY_TOPIC) and registers their
 * names as system topics. Returns 0 or RJ_ENOMEM.
 */
int rj_topic_manager_create(const rj_topic_manager_options_t *opts, rj_topic_manager_t **out);
void rj_topic_manager_destroy(rj_topic_manager_t *m);

void rj_topic_manager_set_change_cb(rj_topic_manager_t *m, rj_topic_manager_change_cb cb,
                                    void *arg);

/*
 * Merges topics.json (or its .bak) into the table. A missing file is fine;
 * unparsable files (both copies) are an error. Blocking: start-up only.
 */
int rj_topic_manager_load(rj_topic_manager_t *m);

/* Writes topics.json if anything changed since the last write. Blocking: service thread. */
int rj_topic_manager_persist(rj_topic_manager_t *m);

/* Copies a topic's config to *out. False if the topic does not exist. */
bool rj_topic_manager_lookup(rj_topic_manager_t *m, rj_bytes_t topic, rj_topic_config_t *out);

/*
 * Auto-creation on send (createTopicInSendMessageMethod): if `topic` exists its
 * config is returned; else if `default_topic` exists with PERM_INHERIT a topic
 * is created with min(client_queue_nums, default.write) queues, the default's
 * perm without INHERIT and its filter type. Returns 0 (config in *out,
 * *created set) or RJ_ENOTFOUND when it cannot be created.
 */
int rj_topic_manager_create_in_send(rj_topic_manager_t *m, rj_bytes_t topic,
                                    rj_bytes_t default_topic, int32_t client_queue_nums,
                                    int32_t topic_sys_flag, rj_topic_config_t *out, bool *created);

/*
 * Creates a topic with exactly these settings if it does not exist
 * (createTopicInSendMessageBackMethod: retry and DLQ topics). Returns 0 with
 * the existing or new config in *out, or RJ_ENOMEM.
 */
int rj_topic_manager_create_if_absent(rj_topic_manager_t *m, rj_bytes_t topic, int32_t queue_nums,
                                      int32_t perm, int32_t topic_sys_flag, rj_topic_config_t *out,
                                      bool *created);

/* Creates or replaces a topic (admin). Returns 0 or RJ_ENOMEM. */
int rj_topic_manager_update(rj_topic_manager_t *m, const char *topic, const rj_topic_config_t *c);

/* Live change of autoCreateTopicEnable (TBW102 stops lending its INHERIT permission). */
void rj_topic_manager_set_auto_create(rj_topic_manager_t *m, bool enable);

/* Removes a topic. Returns 0 or RJ_ENOTFOUND. */
int rj_topic_manager_delete(rj_topic_manager_t *m, const char *topic);

void rj_topic_manager_data_version(rj_topic_manager_t *m, rj_data_version_t *out);

size_t rj_topic_manager_count(rj_topic_manager_t *m);

/*
 * Writes a TopicConfigSerializeWrapper ({"dataVersion":…,"topicConfigTable":…})
 * as the next value of `w`: every topic, or only `only_topic` when not NULL.
 * `perm_override` >= 0 replaces every topic's perm (a broker that is not
 * read-write advertises its own permission); -1 keeps them.
 */
void rj_topic_manager_write_wrapper(rj_topic_manager_t *m, rj_json_writer_t *w,
                                    const char *only_topic, int32_t perm_override);

/*
 * updateOrderTopicConfig: `table` is the ORDER_TOPIC_CONFIG KV table a name
 * server returned (topic -> "broker:queues;..."); listed topics become order
 * topics, all others stop being ones. Bumps the version if anything changed.
 */
void rj_topic_manager_update_order_topics(rj_topic_manager_t *m, const json_t *table);

/* Writes one TopicConfig object. */
void rj_topic_config_write(const char *topic, const rj_topic_config_t *c, rj_json_writer_t *w);

/*
 * Calls `cb` for every topic under the read lock: the callback must not call
 * back into the manager. A non-zero return stops the walk and is returned.
 */
typedef int (*rj_topic_manager_visit_cb)(void *arg, const char *topic, size_t topic_len,
                                         const rj_topic_config_t *c);
int rj_topic_manager_for_each(rj_topic_manager_t *m, rj_topic_manager_visit_cb cb, void *arg);

#endif
