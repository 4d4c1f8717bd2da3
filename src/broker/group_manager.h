/*
 * Subscription group manager (RocketMQ's SubscriptionGroupManager): consumer
 * group settings, persisted as `<storePathRootDir>/config/subscriptionGroup.json`.
 * Same locking scheme as the topic manager: lookups copy under a read lock,
 * changes notify the broker through a non-blocking callback, disk I/O only in
 * load/persist.
 *
 * Thread: every function is thread-safe.
 */
#ifndef RJ_BROKER_GROUP_MANAGER_H
#define RJ_BROKER_GROUP_MANAGER_H

#include "broker/data_version.h"
#include "common/buf.h"
#include "common/bytes.h"
#include "common/json_writer.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* SubscriptionGroupConfig without its name. */
typedef struct {
    bool consume_enable;
    bool consume_from_min_enable;
    bool consume_broadcast_enable;
    int32_t retry_queue_nums;
    int32_t retry_max_times;
    int64_t broker_id;
    int64_t which_broker_when_consume_slowly;
    bool notify_consumer_ids_changed_enable;
} rj_group_config_t;

/* Defaults: everything enabled, 1 retry queue, 16 retries, broker 0, slow broker 1. */
void rj_group_config_init(rj_group_config_t *c);

/* Reads a SubscriptionGroupConfig JSON object over the defaults; the name goes to *name (may be
 * NULL). */
void rj_group_config_read(const json_t *obj, rj_group_config_t *c, const char **name);

void rj_group_config_write(const char *group, const rj_group_config_t *c, rj_json_writer_t *w);

typedef struct rj_group_manager rj_group_manager_t;

typedef void (*rj_group_manager_change_cb)(void *arg, const char *group);

/* Creates the table with RocketMQ's built-in groups. `config_path` may be NULL (no persistence). */
int rj_group_manager_create(const char *config_path, bool auto_create_enable,
                            rj_group_manager_t **out);
void rj_group_manager_destroy(rj_group_manager_t *m);

void rj_group_manager_set_change_cb(rj_group_manager_t *m, rj_group_manager_change_cb cb,
                                    void *arg);

/* Merges subscriptionGroup.json (or .bak). Blocking: start-up only. */
int rj_group_manager_load(rj_group_manager_t *m);

/* Writes the file if anything changed since the last write. Blocking: service thread. */
int rj_group_manager_persist(rj_group_manager_t *m);

/* Copies a group's config. False if absent. */
bool rj_group_manager_lookup(rj_group_manager_t *m, rj_bytes_t group, rj_group_config_t *out);

/*
 * findSubscriptionGroupConfig: the group's config, auto-created with defaults
 * when autoCreateSubscriptionGroup is on or the group is a system group
 * (CID_RMQ_SYS_ prefix). False if the group is absent and was not created.
 */
bool rj_group_manager_find(rj_group_manager_t *m, rj_bytes_t group, rj_group_config_t *out);

/* Creates or replaces (admin). Returns 0 or RJ_ENOMEM. */
int rj_group_manager_update(rj_group_manager_t *m, const char *group, const rj_group_config_t *c);

/* Removes a group. Returns 0 or RJ_ENOTFOUND. */
int rj_group_manager_delete(rj_group_manager_t *m, const char *group);

/* Live change of autoCreateSubscriptionGroup. */
void rj_group_manager_set_auto_create(rj_group_manager_t *m, bool enable);

void rj_group_manager_data_version(rj_group_manager_t *m, rj_data_version_t *out);

/* Writes the whole file content ({"dataVersion":…,"subscriptionGroupTable":…}) to `w`. */
void rj_group_manager_write(rj_group_manager_t *m, rj_json_writer_t *w);

typedef int (*rj_group_manager_visit_cb)(void *arg, const char *group, const rj_group_config_t *c);
/* Walks all groups under the read lock; the callback must not call back into the manager. */
int rj_group_manager_for_each(rj_group_manager_t *m, rj_group_manager_visit_cb cb, void *arg);

#endif
