/*
 * The subscription group table: string-keyed map of rj_group_config_t under a
 * rwlock, change counter for persistence, built-in groups as in RocketMQ.
 */
#include "broker/group_manager.h"

#include "broker/config_file.h"
#include "common/alloc.h"
#include "common/assert.h"
#include "common/hashmap.h"
#include "common/json.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#define SYS_CONSUMER_GROUP_PREFIX "CID_RMQ_SYS_"

struct rj_group_manager {
    pthread_rwlock_t lock;
    rj_hashmap_t *table; /* name -> rj_group_config_t* */
    rj_data_version_t data_version;
    rj_config_file_t file; /* subscriptionGroup.json */
    atomic_bool auto_create;
    rj_group_manager_change_cb change_cb;
    void *change_arg;
};

void
rj_group_config_init(rj_group_config_t *c)
{
    c->consume_enable = true;
    c->consume_from_min_enable = true;
    c->consume_broadcast_enable = true;
    c->retry_queue_nums = 1;
    c->retry_max_times = 16;
    c->broker_id = 0;
    c->which_broker_when_consume_slowly = 1;
    c->notify_consumer_ids_changed_enable = true;
}

void
rj_group_config_read(const json_t *obj, rj_group_config_t *c, const char **name)
{
    rj_group_config_init(c);
    c->consume_enable = rj_json_get_bool(obj, "consumeEnable", c->consume_enable);
    c->consume_from_min_enable =
        rj_json_get_bool(obj, "consumeFromMinEnable", c->consume_from_min_enable);
    c->consume_broadcast_enable =
        rj_json_get_bool(obj, "consumeBroadcastEnable", c->consume_broadcast_enable);
    c->retry_queue_nums = (int32_t)rj_json_get_int(obj, "retryQueueNums", c->retry_queue_nums);
    c->retry_max_times = (int32_t)rj_json_get_int(obj, "retryMaxTimes", c->retry_max_times);
    c->broker_id = rj_json_get_int(obj, "brokerId", c->broker_id);
    c->which_broker_when_consume_slowly =
        rj_json_get_int(obj, "whichBrokerWhenConsumeSlowly", c->which_broker_when_consume_slowly);
    c->notify_consumer_ids_changed_enable = rj_json_get_bool(obj, "notifyConsumerIdsChangedEnable",
                                                             c->notify_consumer_ids_changed_enable);
    if (name != NULL) {
        *name = rj_json_get_str(obj, "groupName", NULL);
    }
}

void
rj_group_config_write(const char *group, const rj_group_config_t *c, rj_json_writer_t *w)
{
    rj_jw_object_begin(w);
    rj_jw_key(w, "brokerId");
    rj_jw_int(w, c->broker_id);
    rj_jw_key(w, "consumeBroadcastEnable");
    rj_jw_bool(w, c->consume_broadcast_enable);
    rj_jw_key(w, "consumeEnable");
    rj_jw_bool(w, c->consume_enable);
    rj_jw_key(w, "consumeFromMinEnable");
    rj_jw_bool(w, c->consume_from_min_enable);
    rj_jw_key(w, "groupName");
    rj_jw_string(w, group);
    rj_jw_key(w, "notifyConsumerIdsChangedEnable");
    rj_jw_bool(w, c->notify_consumer_ids_changed_enable);
    rj_jw_key(w, "retryMaxTimes");
    rj_jw_int(w, c->retry_max_times);
    rj_jw_key(w, "retryQueueNums");
    rj_jw_int(w, c->retry_queue_nums);
    rj_jw_key(w, "whichBrokerWhenConsumeSlowly");
    rj_jw_int(w, c->which_broker_when_consume_slowly);
    rj_jw_object_end(w);
}

static int
put_locked(rj_group_manager_t *m, const void *name, size_t len, const rj_group_config_t *c)
{
    rj_group_config_t *cur = rj_hashmap_get(m->table, name, len);
    if (cur != NULL) {
        *cur = *c;
        return 0;
    }
    rj_group_config_t *copy = rj_malloc(sizeof(*copy));
    if (copy == NULL) {
        return RJ_ENOMEM;
    }
    *copy = *c;
    int rc = rj_hashmap_put(m->table, name, len, copy, NULL);
    if (rc != 0) {
        rj_free(copy);
    }
    return rc;
}

int
rj_group_manager_create(const char *config_path, bool auto_create_enable, rj_group_manager_t **out)
{
    static const struct {
        const char *name;
        bool broadcast;
    } builtin[] = {
        {"TOOLS_CONSUMER", true},     {"FILTERSRV_CONSUMER", true}, {"SELF_TEST_C_GROUP", true},
        {"CID_ONS-HTTP-PROXY", true}, {"CID_ONSAPI_PULL", true},    {"CID_ONSAPI_PERMISSION", true},
        {"CID_ONSAPI_OWNER", true},
    };
    rj_group_manager_t *m = rj_calloc(1, sizeof(*m));
    if (m == NULL) {
        return RJ_ENOMEM;
    }
    pthread_rwlock_init(&m->lock, NULL);
    int rc = rj_config_file_init(&m->file, config_path);
    atomic_init(&m->auto_create, auto_create_enable);
    rj_data_version_init(&m->data_version);
    m->table = rj_hashmap_create(32);
    rc = (rc != 0 || m->table == NULL) ? RJ_ENOMEM : 0;
    for (size_t i = 0; rc == 0 && i < RJ_ARRAY_SIZE(builtin); i++) {
        rj_group_config_t c;
        rj_group_config_init(&c);
        c.consume_broadcast_enable = builtin[i].broadcast;
        rc = put_locked(m, builtin[i].name, strlen(builtin[i].name), &c);
    }
    if (rc != 0) {
        rj_group_manager_destroy(m);
        return rc;
    }
    *out = m;
    return 0;
}

void
rj_group_manager_destroy(rj_group_manager_t *m)
{
    if (m == NULL) {
        return;
    }
    rj_hashmap_destroy(m->table, rj_free);
    rj_config_file_cleanup(&m->file);
    pthread_rwlock_destroy(&m->lock);
    rj_free(m);
}

void
rj_group_manager_set_change_cb(rj_group_manager_t *m, rj_group_manager_change_cb cb, void *arg)
{
    m->change_cb = cb;
    m->change_arg = arg;
}

void
rj_group_manager_set_auto_create(rj_group_manager_t *m, bool enable)
{
    atomic_store(&m->auto_create, enable);
}

static void
notify_change(rj_group_manager_t *m, const char *group)
{
    rj_config_file_changed(&m->file);
    if (m->change_cb != NULL) {
        m->change_cb(m->change_arg, group);
    }
}

int
rj_group_manager_load(rj_group_manager_t *m)
{
    json_t *root;
    int rc = rj_config_file_load(&m->file, &root);
    if (root == NULL) {
        return rc;
    }
    const char *key;
    json_t *value;
    rc = 0;
    pthread_rwlock_wrlock(&m->lock);
    json_object_foreach(json_object_get(root, "subscriptionGroupTable"), key, value)
    {
        if (!json_is_object(value)) {
            continue;
        }
        rj_group_config_t c;
        rj_group_config_read(value, &c, NULL);
        rj_log(RJ_LOG_INFO, 0, "load exist subscription group, group=%s", key);
        if ((rc = put_locked(m, key, strlen(key), &c)) != 0) {
            break;
        }
    }
    rj_data_version_read(&m->data_version, json_object_get(root, "dataVersion"));
    pthread_rwlock_unlock(&m->lock);
    json_decref(root);
    return rc;
}

void
rj_group_manager_write(rj_group_manager_t *m, rj_json_writer_t *w)
{
    rj_hashmap_iter_t it;
    const char *key;
    size_t key_len;
    void *value;
    pthread_rwlock_rdlock(&m->lock);
    rj_jw_object_begin(w);
    rj_jw_key(w, "dataVersion");
    rj_data_version_write(&m->data_version, w);
    rj_jw_key(w, "subscriptionGroupTable");
    rj_jw_object_begin(w);
    rj_hashmap_iter_init(m->table, &it);
    while (rj_hashmap_iter_next(&it, &key, &key_len, &value)) {
        rj_jw_key_n(w, key, key_len);
        rj_group_config_write(key, value, w);
    }
    rj_jw_object_end(w);
    rj_jw_object_end(w);
    pthread_rwlock_unlock(&m->lock);
}

static void
write_file(void *arg, rj_json_writer_t *w)
{
    rj_group_manager_write(arg, w);
}

int
rj_group_manager_persist(rj_group_manager_t *m)
{
    return rj_config_file_persist(&m->file, write_file, m, RJ_CONFIG_FILE_CHECK_FIRST);
}

bool
rj_group_manager_lookup(rj_group_manager_t *m, rj_bytes_t group, rj_group_config_t *out)
{
    pthread_rwlock_rdlock(&m->lock);
    const rj_group_config_t *c = rj_hashmap_get(m->table, group.data, group.len);
    if (c != NULL) {
        *out = *c;
    }
    pthread_rwlock_unlock(&m->lock);
    return c != NULL;
}

bool
rj_group_manager_find(rj_group_manager_t *m, rj_bytes_t group, rj_group_config_t *out)
{
    if (rj_group_manager_lookup(m, group, out)) {
        return true;
    }
    if (!atomic_load(&m->auto_create) && !rj_bytes_starts_with(group, SYS_CONSUMER_GROUP_PREFIX)) {
        return false;
    }
    bool created = false;
    pthread_rwlock_wrlock(&m->lock);
    const rj_group_config_t *cur = rj_hashmap_get(m->table, group.data, group.len);
    if (cur != NULL) {
        *out = *cur;
    } else {
        rj_group_config_init(out);
        if (put_locked(m, group.data, group.len, out) == 0) {
            rj_data_version_next(&m->data_version);
            created = true;
        }
    }
    pthread_rwlock_unlock(&m->lock);
    if (!created && cur == NULL) {
        return false; /* out of memory */
    }
    if (created) {
        char *name = rj_bytes_dup(group);
        rj_log(RJ_LOG_INFO, 0, "auto create a subscription group, group=%s", name ? name : "?");
        notify_change(m, name);
        rj_free(name);
    }
    return true;
}

int
rj_group_manager_update(rj_group_manager_t *m, const char *group, const rj_group_config_t *c)
{
    pthread_rwlock_wrlock(&m->lock);
    int rc = put_locked(m, group, strlen(group), c);
    if (rc == 0) {
        rj_data_version_next(&m->data_version);
    }
    pthread_rwlock_unlock(&m->lock);
    if (rc == 0) {
        rj_log(RJ_LOG_INFO, 0, "update subscription group config, group=%s", group);
        notify_change(m, group);
    }
    return rc;
}

int
rj_group_manager_delete(rj_group_manager_t *m, const char *group)
{
    pthread_rwlock_wrlock(&m->lock);
    rj_group_config_t *old = rj_hashmap_remove_cstr(m->table, group);
    if (old != NULL) {
        rj_data_version_next(&m->data_version);
    }
    pthread_rwlock_unlock(&m->lock);
    if (old == NULL) {
        rj_log(RJ_LOG_WARN, 0,
               "delete subscription group failed, subscription groupName: %s not exist", group);
        return RJ_ENOTFOUND;
    }
    rj_free(old);
    rj_log(RJ_LOG_INFO, 0, "delete subscription group OK, group=%s", group);
    notify_change(m, group);
    return 0;
}

void
rj_group_manager_data_version(rj_group_manager_t *m, rj_data_version_t *out)
{
    pthread_rwlock_rdlock(&m->lock);
    *out = m->data_version;
    pthread_rwlock_unlock(&m->lock);
}

int
rj_group_manager_for_each(rj_group_manager_t *m, rj_group_manager_visit_cb cb, void *arg)
{
    int rc = 0;
    rj_hashmap_iter_t it;
    const char *key;
    size_t key_len;
    void *value;
    pthread_rwlock_rdlock(&m->lock);
    rj_hashmap_iter_init(m->table, &it);
    while (rc == 0 && rj_hashmap_iter_next(&it, &key, &key_len, &value)) {
        rc = cb(arg, key, value);
    }
    pthread_rwlock_unlock(&m->lock);
    return rc;
}
