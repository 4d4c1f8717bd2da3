/*
 * The topic table: a string-keyed hash map of rj_topic_config_t under a
 * rwlock. Entries are owned by the map; lookups copy them out, so no pointer
 * into the table ever escapes the lock. `version` counts changes so persist
 * writes only when something changed since the last write.
 */
#include "broker/topic_manager.h"

#include "broker/config_file.h"
#include "broker/topic_validator.h"
#include "common/alloc.h"
#include "common/hashmap.h"
#include "common/json.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define SCHEDULE_TOPIC_QUEUE_NUM 18

struct rj_topic_manager {
    pthread_rwlock_t lock;
    rj_hashmap_t *table; /* name -> rj_topic_config_t* */
    rj_data_version_t data_version;
    rj_config_file_t file; /* topics.json */
    atomic_bool auto_create_topic_enable;
    rj_topic_manager_change_cb change_cb;
    void *change_arg;
};

void
rj_topic_config_init(rj_topic_config_t *c)
{
    c->read_queue_nums = 16;
    c->write_queue_nums = 16;
    c->perm = RJ_PERM_READ | RJ_PERM_WRITE;
    c->topic_sys_flag = 0;
    c->filter_type = RJ_TOPIC_FILTER_SINGLE_TAG;
    c->order = false;
}

const char *
rj_topic_filter_type_name(rj_topic_filter_type_t t)
{
    return t == RJ_TOPIC_FILTER_MULTI_TAG ? "MULTI_TAG" : "SINGLE_TAG";
}

int
rj_topic_filter_type_parse(const char *name)
{
    if (name == NULL) {
        return -1;
    }
    if (strcmp(name, "SINGLE_TAG") == 0) {
        return RJ_TOPIC_FILTER_SINGLE_TAG;
    }
    if (strcmp(name, "MULTI_TAG") == 0) {
        return RJ_TOPIC_FILTER_MULTI_TAG;
    }
    return -1;
}

/* Inserts or replaces; the caller holds the write lock. */
static int
put_locked(rj_topic_manager_t *m, const void *name, size_t name_len, const rj_topic_config_t *c)
{
    rj_topic_config_t *cur = rj_hashmap_get(m->table, name, name_len);
    if (cur != NULL) {
        *cur = *c;
        return 0;
    }
    rj_topic_config_t *copy = rj_malloc(sizeof(*copy));
    if (copy == NULL) {
        return RJ_ENOMEM;
    }
    *copy = *c;
    int rc = rj_hashmap_put(m->table, name, name_len, copy, NULL);
    if (rc != 0) {
        rj_free(copy);
    }
    return rc;
}

static int
add_builtin(rj_topic_manager_t *m, const char *name, int32_t queues, int32_t perm)
{
    rj_topic_config_t c;
    rj_topic_config_init(&c);
    if (queues > 0) {
        c.read_queue_nums = queues;
        c.write_queue_nums = queues;
    }
    c.perm = perm;
    int rc = rj_topic_validator_add_system(name);
    if (rc == 0) {
        rc = put_locked(m, name, strlen(name), &c);
    }
    return rc;
}

int
rj_topic_manager_create(const rj_topic_manager_options_t *o, rj_topic_manager_t **out)
{
    int rc = RJ_ENOMEM;
    rj_topic_manager_t *m = rj_calloc(1, sizeof(*m));
    if (m == NULL) {
        return RJ_ENOMEM;
    }
    pthread_rwlock_init(&m->lock, NULL);
    m->table = rj_hashmap_create(64);
    if (rj_config_file_init(&m->file, o->config_path) != 0 || m->table == NULL) {
        goto fail;
    }
    atomic_init(&m->auto_create_topic_enable, o->auto_create_topic_enable);
    rj_data_version_init(&m->data_version);

    const int32_t rw = RJ_PERM_READ | RJ_PERM_WRITE;
    char reply[300];
    snprintf(reply, sizeof(reply), "%s%s", o->cluster_name, RJ_TOPIC_REPLY_SUFFIX);
    if ((rc = add_builtin(m, RJ_TOPIC_SELF_TEST, 1, rw)) != 0 ||
        (o->auto_create_topic_enable &&
         (rc = add_builtin(m, RJ_TOPIC_TBW102, o->default_topic_queue_nums,
                           RJ_PERM_INHERIT | rw)) != 0) ||
        (rc = add_builtin(m, RJ_TOPIC_BENCHMARK, 1024, rw)) != 0 ||
        (rc = add_builtin(m, o->cluster_name, 0,
                          RJ_PERM_INHERIT | (o->cluster_topic_enable ? rw : 0))) != 0 ||
        (rc = add_builtin(m, o->broker_name, 1,
                          RJ_PERM_INHERIT | (o->broker_topic_enable ? rw : 0))) != 0 ||
        (rc = add_builtin(m, RJ_TOPIC_OFFSET_MOVED_EVENT, 1, rw)) != 0 ||
        (rc = add_builtin(m, RJ_TOPIC_SCHEDULE, SCHEDULE_TOPIC_QUEUE_NUM, rw)) != 0 ||
        (o->trace_topic_enable && o->trace_topic_name != NULL &&
         (rc = add_builtin(m, o->trace_topic_name, 1, rw)) != 0) ||
        (rc = add_builtin(m, reply, 1, rw)) != 0) {
        goto fail;
    }
    *out = m;
    return 0;
fail:
    rj_topic_manager_destroy(m);
    return rc;
}

void
rj_topic_manager_destroy(rj_topic_manager_t *m)
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
rj_topic_manager_set_change_cb(rj_topic_manager_t *m, rj_topic_manager_change_cb cb, void *arg)
{
    m->change_cb = cb;
    m->change_arg = arg;
}

static void
notify_change(rj_topic_manager_t *m, const char *topic, bool created)
{
    rj_config_file_changed(&m->file);
    if (m->change_cb != NULL) {
        m->change_cb(m->change_arg, topic, created);
    }
}

/* ---- JSON ---------------------------------------------------------------- */

void
rj_topic_config_write(const char *topic, const rj_topic_config_t *c, rj_json_writer_t *w)
{
    rj_jw_object_begin(w);
    rj_jw_key(w, "order");
    rj_jw_bool(w, c->order);
    rj_jw_key(w, "perm");
    rj_jw_int(w, c->perm);
    rj_jw_key(w, "readQueueNums");
    rj_jw_int(w, c->read_queue_nums);
    rj_jw_key(w, "topicFilterType");
    rj_jw_string(w, rj_topic_filter_type_name(c->filter_type));
    rj_jw_key(w, "topicName");
    rj_jw_string(w, topic);
    rj_jw_key(w, "topicSysFlag");
    rj_jw_int(w, c->topic_sys_flag);
    rj_jw_key(w, "writeQueueNums");
    rj_jw_int(w, c->write_queue_nums);
    rj_jw_object_end(w);
}

static void
write_entry(const char *topic, const rj_topic_config_t *c, int32_t perm_override,
            rj_json_writer_t *w)
{
    rj_topic_config_t copy = *c;
    if (perm_override >= 0) {
        copy.perm = perm_override;
    }
    rj_jw_key(w, topic);
    rj_topic_config_write(topic, &copy, w);
}

void
rj_topic_manager_write_wrapper(rj_topic_manager_t *m, rj_json_writer_t *w, const char *only_topic,
                               int32_t perm_override)
{
    pthread_rwlock_rdlock(&m->lock);
    rj_jw_object_begin(w);
    rj_jw_key(w, "dataVersion");
    rj_data_version_write(&m->data_version, w);
    rj_jw_key(w, "topicConfigTable");
    rj_jw_object_begin(w);
    if (only_topic != NULL) {
        const rj_topic_config_t *c = rj_hashmap_get_cstr(m->table, only_topic);
        if (c != NULL) {
            write_entry(only_topic, c, perm_override, w);
        }
    } else {
        rj_hashmap_iter_t it;
        const char *key;
        size_t key_len;
        void *value;
        rj_hashmap_iter_init(m->table, &it);
        while (rj_hashmap_iter_next(&it, &key, &key_len, &value)) {
            write_entry(key, value, perm_override, w);
        }
    }
    rj_jw_object_end(w);
    rj_jw_object_end(w);
    pthread_rwlock_unlock(&m->lock);
}

/* Reads one TopicConfig object over the defaults. */
static void
read_topic_config(const json_t *obj, rj_topic_config_t *c)
{
    rj_topic_config_init(c);
    c->read_queue_nums = (int32_t)rj_json_get_int(obj, "readQueueNums", c->read_queue_nums);
    c->write_queue_nums = (int32_t)rj_json_get_int(obj, "writeQueueNums", c->write_queue_nums);
    c->perm = (int32_t)rj_json_get_int(obj, "perm", c->perm);
    c->topic_sys_flag = (int32_t)rj_json_get_int(obj, "topicSysFlag", 0);
    c->order = rj_json_get_bool(obj, "order", false);
    int ft = rj_topic_filter_type_parse(rj_json_get_str(obj, "topicFilterType", NULL));
    c->filter_type = ft < 0 ? RJ_TOPIC_FILTER_SINGLE_TAG : (rj_topic_filter_type_t)ft;
}

int
rj_topic_manager_load(rj_topic_manager_t *m)
{
    json_t *root;
    int rc = rj_config_file_load(&m->file, &root);
    if (root == NULL) {
        return rc;
    }
    pthread_rwlock_wrlock(&m->lock);
    json_t *table = json_object_get(root, "topicConfigTable");
    const char *name;
    json_t *value;
    rc = 0;
    json_object_foreach(table, name, value)
    {
        if (!json_is_object(value)) {
            continue;
        }
        rj_topic_config_t c;
        read_topic_config(value, &c);
        rj_log(RJ_LOG_INFO, 0, "load exist local topic, topic=%s read=%d write=%d perm=%d", name,
               c.read_queue_nums, c.write_queue_nums, c.perm);
        if ((rc = put_locked(m, name, strlen(name), &c)) != 0) {
            break;
        }
    }
    rj_data_version_read(&m->data_version, json_object_get(root, "dataVersion"));
    pthread_rwlock_unlock(&m->lock);
    json_decref(root);
    return rc;
}

static void
write_file(void *arg, rj_json_writer_t *w)
{
    rj_topic_manager_write_wrapper(arg, w, NULL, -1);
}

int
rj_topic_manager_persist(rj_topic_manager_t *m)
{
    return rj_config_file_persist(&m->file, write_file, m, RJ_CONFIG_FILE_CHECK_FIRST);
}

/* ---- lookups and changes --------------------------------------------------- */

bool
rj_topic_manager_lookup(rj_topic_manager_t *m, rj_bytes_t topic, rj_topic_config_t *out)
{
    pthread_rwlock_rdlock(&m->lock);
    const rj_topic_config_t *c = rj_hashmap_get(m->table, topic.data, topic.len);
    if (c != NULL) {
        *out = *c;
    }
    pthread_rwlock_unlock(&m->lock);
    return c != NULL;
}

int
rj_topic_manager_create_in_send(rj_topic_manager_t *m, rj_bytes_t topic, rj_bytes_t default_topic,
                                int32_t client_queue_nums, int32_t topic_sys_flag,
                                rj_topic_config_t *out, bool *created)
{
    int rc = RJ_ENOTFOUND;
    *created = false;
    pthread_rwlock_wrlock(&m->lock);
    const rj_topic_config_t *cur = rj_hashmap_get(m->table, topic.data, topic.len);
    if (cur != NULL) {
        *out = *cur;
        pthread_rwlock_unlock(&m->lock);
        return 0;
    }
    rj_topic_config_t *def = rj_hashmap_get(m->table, default_topic.data, default_topic.len);
    if (def == NULL) {
        rj_log_ratelimited(1000, RJ_LOG_WARN, 0,
                           "Create new topic failed, because the default topic[%.*s] not exist",
                           (int)default_topic.len, (const char *)default_topic.data);
        goto done;
    }
    if (rj_bytes_eq_cstr(default_topic, RJ_TOPIC_TBW102) &&
        !atomic_load(&m->auto_create_topic_enable)) {
        def->perm = RJ_PERM_READ | RJ_PERM_WRITE;
    }
    if (!RJ_PERM_IS_INHERITED(def->perm)) {
        rj_log_ratelimited(1000, RJ_LOG_WARN, 0,
                           "Create new topic failed, because the default topic[%.*s] has no "
                           "perm [%d]",
                           (int)default_topic.len, (const char *)default_topic.data, def->perm);
        goto done;
    }
    rj_topic_config_t c;
    rj_topic_config_init(&c);
    int32_t queues =
        client_queue_nums < def->write_queue_nums ? client_queue_nums : def->write_queue_nums;
    if (queues < 0) {
        queues = 0;
    }
    c.read_queue_nums = queues;
    c.write_queue_nums = queues;
    c.perm = def->perm & ~RJ_PERM_INHERIT;
    c.topic_sys_flag = topic_sys_flag;
    c.filter_type = def->filter_type;
    rc = put_locked(m, topic.data, topic.len, &c);
    if (rc == 0) {
        rj_data_version_next(&m->data_version);
        *out = c;
        *created = true;
    }
done:
    pthread_rwlock_unlock(&m->lock);
    if (*created) {
        rj_log(RJ_LOG_INFO, 0, "Create new topic by default topic:[%.*s] topic=%.*s queues=%d",
               (int)default_topic.len, (const char *)default_topic.data, (int)topic.len,
               (const char *)topic.data, out->write_queue_nums);
        char name[RJ_TOPIC_MAX_LEN + 1];
        rj_bytes_copy_cstr(topic, name, sizeof(name));
        notify_change(m, name, true);
    }
    return rc;
}

int
rj_topic_manager_create_if_absent(rj_topic_manager_t *m, rj_bytes_t topic, int32_t queue_nums,
                                  int32_t perm, int32_t topic_sys_flag, rj_topic_config_t *out,
                                  bool *created)
{
    *created = false;
    if (rj_topic_manager_lookup(m, topic, out)) {
        return 0;
    }
    int rc = 0;
    pthread_rwlock_wrlock(&m->lock);
    const rj_topic_config_t *cur = rj_hashmap_get(m->table, topic.data, topic.len);
    if (cur != NULL) {
        *out = *cur;
    } else {
        rj_topic_config_t c;
        rj_topic_config_init(&c);
        c.read_queue_nums = queue_nums;
        c.write_queue_nums = queue_nums;
        c.perm = perm;
        c.topic_sys_flag = topic_sys_flag;
        rc = put_locked(m, topic.data, topic.len, &c);
        if (rc == 0) {
            rj_data_version_next(&m->data_version);
            *out = c;
            *created = true;
        }
    }
    pthread_rwlock_unlock(&m->lock);
    if (*created) {
        char name[RJ_TOPIC_MAX_LEN * 2 + 1];
        rj_bytes_copy_cstr(topic, name, sizeof(name));
        rj_log(RJ_LOG_INFO, 0, "create new topic %s queues=%d perm=%d", name, queue_nums, perm);
        notify_change(m, name, true);
    }
    return rc;
}

int
rj_topic_manager_update(rj_topic_manager_t *m, const char *topic, const rj_topic_config_t *c)
{
    pthread_rwlock_wrlock(&m->lock);
    bool existed = rj_hashmap_get_cstr(m->table, topic) != NULL;
    int rc = put_locked(m, topic, strlen(topic), c);
    if (rc == 0) {
        rj_data_version_next(&m->data_version);
    }
    pthread_rwlock_unlock(&m->lock);
    if (rc == 0) {
        rj_log(RJ_LOG_INFO, 0, "%s topic config topic=%s read=%d write=%d perm=%d",
               existed ? "update" : "create new", topic, c->read_queue_nums, c->write_queue_nums,
               c->perm);
        notify_change(m, topic, false);
    }
    return rc;
}

void
rj_topic_manager_set_auto_create(rj_topic_manager_t *m, bool enable)
{
    atomic_store(&m->auto_create_topic_enable, enable);
}

int
rj_topic_manager_delete(rj_topic_manager_t *m, const char *topic)
{
    pthread_rwlock_wrlock(&m->lock);
    rj_topic_config_t *old = rj_hashmap_remove_cstr(m->table, topic);
    if (old != NULL) {
        rj_data_version_next(&m->data_version);
    }
    pthread_rwlock_unlock(&m->lock);
    if (old == NULL) {
        rj_log(RJ_LOG_WARN, 0, "delete topic config failed, topic: %s not exists", topic);
        return RJ_ENOTFOUND;
    }
    rj_free(old);
    rj_log(RJ_LOG_INFO, 0, "delete topic config OK, topic: %s", topic);
    notify_change(m, topic, false);
    return 0;
}

void
rj_topic_manager_data_version(rj_topic_manager_t *m, rj_data_version_t *out)
{
    pthread_rwlock_rdlock(&m->lock);
    *out = m->data_version;
    pthread_rwlock_unlock(&m->lock);
}

size_t
rj_topic_manager_count(rj_topic_manager_t *m)
{
    pthread_rwlock_rdlock(&m->lock);
    size_t n = rj_hashmap_count(m->table);
    pthread_rwlock_unlock(&m->lock);
    return n;
}

int
rj_topic_manager_for_each(rj_topic_manager_t *m, rj_topic_manager_visit_cb cb, void *arg)
{
    int rc = 0;
    rj_hashmap_iter_t it;
    const char *key;
    size_t key_len;
    void *value;
    pthread_rwlock_rdlock(&m->lock);
    rj_hashmap_iter_init(m->table, &it);
    while (rc == 0 && rj_hashmap_iter_next(&it, &key, &key_len, &value)) {
        rc = cb(arg, key, key_len, value);
    }
    pthread_rwlock_unlock(&m->lock);
    return rc;
}

void
rj_topic_manager_update_order_topics(rj_topic_manager_t *m, const json_t *table)
{
    if (!json_is_object(table)) {
        return;
    }
    bool changed = false;
    rj_hashmap_iter_t it;
    const char *key;
    size_t key_len;
    void *value;
    pthread_rwlock_wrlock(&m->lock);
    rj_hashmap_iter_init(m->table, &it);
    while (rj_hashmap_iter_next(&it, &key, &key_len, &value)) {
        rj_topic_config_t *c = value;
        bool order = json_object_get(table, key) != NULL;
        if (c->order != order) {
            c->order = order;
            changed = true;
            rj_log(RJ_LOG_INFO, 0, "update order topic config, topic=%s, order=%s", key,
                   order ? "true" : "false");
        }
    }
    if (changed) {
        rj_data_version_next(&m->data_version);
    }
    pthread_rwlock_unlock(&m->lock);
    if (changed) {
        rj_config_file_changed(&m->file);
    }
}
