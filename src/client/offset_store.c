/*
 * Offset stores. The table maps rj_mq_key() to an entry holding a copy of the
 * queue and its offset. The remote flavour talks to the queue's master broker
 * (route refreshed once if the broker is unknown); the local flavour writes
 * the whole table through rj_fs_write_config (temp file, fsync, rename, .bak).
 */
#include "client/offset_store.h"

#include "client/last_error.h"
#include "client/mq_client_api.h"
#include "client/process_queue.h"
#include "common/alloc.h"
#include "common/fs.h"
#include "common/hashmap.h"
#include "common/json.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    rj_message_queue_t mq; /* strings after the struct */
    int64_t offset;
} entry_t;

struct rj_offset_store {
    bool local;
    rj_client_instance_t *inst;
    char *group;
    char *path;
    pthread_mutex_t lock;
    rj_hashmap_t *table;
};

static entry_t *
entry_create(const rj_message_queue_t *mq, int64_t offset)
{
    size_t tl = strlen(mq->topic) + 1, bl = strlen(mq->broker_name) + 1;
    entry_t *e = rj_malloc(sizeof(*e) + tl + bl);

    if (e == NULL) {
        return NULL;
    }
    char *p = (char *)(e + 1);
    memcpy(p, mq->topic, tl);
    memcpy(p + tl, mq->broker_name, bl);
    e->mq.topic = p;
    e->mq.broker_name = p + tl;
    e->mq.queue_id = mq->queue_id;
    e->offset = offset;
    return e;
}

static rj_offset_store_t *
store_new(const char *group)
{
    rj_offset_store_t *s = rj_calloc(1, sizeof(*s));
    if (s == NULL) {
        return NULL;
    }
    s->group = rj_strdup(group);
    s->table = rj_hashmap_create(16);
    pthread_mutex_init(&s->lock, NULL);
    if (s->group == NULL || s->table == NULL) {
        rj_offset_store_destroy(s);
        return NULL;
    }
    return s;
}

int
rj_offset_store_create_remote(rj_client_instance_t *inst, const char *group,
                              rj_offset_store_t **out)
{
    *out = store_new(group);
    if (*out == NULL) {
        return RJ_ENOMEM;
    }
    (*out)->inst = inst;
    return RJ_OK;
}

static void
put_keyed_locked(rj_offset_store_t *s, const char *key, const rj_message_queue_t *mq,
                 int64_t offset, bool increase_only)
{
    entry_t *e = rj_hashmap_get_cstr(s->table, key);
    if (e != NULL) {
        if (!increase_only || offset > e->offset) {
            e->offset = offset;
        }
        return;
    }
    e = entry_create(mq, offset);
    if (e != NULL && rj_hashmap_put_cstr(s->table, key, e, NULL) != 0) {
        rj_free(e);
    }
}

static void
put_locked(rj_offset_store_t *s, const rj_message_queue_t *mq, int64_t offset, bool increase_only)
{
    char key[400];

    rj_mq_key(mq, key);
    put_keyed_locked(s, key, mq, offset, increase_only);
}

/* Loads an OffsetSerializeWrapper: {"offsetTable":{{MessageQueue}:offset,...}}. */
static int
load_file(rj_offset_store_t *s, const rj_buf_t *text)
{
    json_t *root = rj_json_parse(text->data, text->len, NULL, 0);
    const json_t *table = root != NULL ? json_object_get(root, "offsetTable") : NULL;
    const char *key;
    const json_t *val;
    int rc = RJ_OK;

    if (table == NULL || !json_is_object(table)) {
        json_decref(root);
        return RJ_ECORRUPT;
    }
    json_object_foreach((json_t *)table, key, val)
    {
        json_t *jmq = rj_json_parse(key, strlen(key), NULL, 0);
        int64_t offset;
        const char *topic = jmq != NULL ? rj_json_get_str(jmq, "topic", NULL) : NULL;
        const char *bn = jmq != NULL ? rj_json_get_str(jmq, "brokerName", NULL) : NULL;
        int64_t qid = jmq != NULL ? rj_json_get_int(jmq, "queueId", -1) : -1;
        if (topic == NULL || bn == NULL || qid < 0 || qid > INT32_MAX ||
            !rj_json_as_int(val, &offset)) {
            rc = RJ_ECORRUPT;
        } else {
            rj_message_queue_t mq = {topic, bn, (int32_t)qid};
            put_locked(s, &mq, offset, false);
        }
        json_decref(jmq);
        if (rc != RJ_OK) {
            break;
        }
    }
    json_decref(root);
    return rc;
}

static bool
valid_file(const rj_buf_t *data)
{
    json_t *root = rj_json_parse(data->data, data->len, NULL, 0);
    bool ok = root != NULL && json_is_object(json_object_get(root, "offsetTable"));
    json_decref(root);
    return ok;
}

int
rj_offset_store_create_local(const char *dir, const char *client_id, const char *group,
                             rj_offset_store_t **out)
{
    rj_offset_store_t *s = store_new(group);
    char *base = NULL;
    rj_buf_t text = RJ_BUF_INIT;
    int rc = RJ_ENOMEM;

    *out = NULL;
    if (s == NULL) {
        return RJ_ENOMEM;
    }
    s->local = true;
    base = rj_fs_expand_home(dir != NULL ? dir : "~/.rocketmq_offsets");
    if (base == NULL) {
        goto fail;
    }
    size_t n = strlen(base) + strlen(client_id) + strlen(group) + 32;
    s->path = rj_malloc(n);
    if (s->path == NULL) {
        goto fail;
    }
    snprintf(s->path, n, "%s/%s/%s/offsets.json", base, client_id, group);
    rc = rj_fs_read_config(s->path, &text, valid_file);
    if (rc == RJ_OK) {
        rc = load_file(s, &text);
        if (rc != RJ_OK) {
            rj_client_fail(rc, "offset file %s is malformed", s->path);
            goto fail;
        }
    } else if (rc != RJ_ENOENT) {
        rj_client_fail(rc, "cannot read offset file %s: %s", s->path, rj_strerror(rc));
        goto fail;
    }
    rj_buf_cleanup(&text);
    rj_free(base);
    *out = s;
    return RJ_OK;
fail:
    rj_buf_cleanup(&text);
    rj_free(base);
    rj_offset_store_destroy(s);
    return rc == RJ_OK ? RJ_ENOMEM : rc;
}

static void
free_entry(void *v)
{
    rj_free(v);
}

void
rj_offset_store_destroy(rj_offset_store_t *s)
{
    if (s == NULL) {
        return;
    }
    if (s->table != NULL) {
        rj_hashmap_destroy(s->table, free_entry);
    }
    pthread_mutex_destroy(&s->lock);
    rj_free(s->group);
    rj_free(s->path);
    rj_free(s);
}

const char *
rj_offset_store_path(const rj_offset_store_t *s)
{
    return s->path;
}

void
rj_offset_store_update(rj_offset_store_t *s, const rj_message_queue_t *mq, int64_t offset,
                       bool increase_only)
{
    if (offset < 0) {
        return;
    }
    pthread_mutex_lock(&s->lock);
    put_locked(s, mq, offset, increase_only);
    pthread_mutex_unlock(&s->lock);
}

void
rj_offset_store_update_keyed(rj_offset_store_t *s, const char *key, const rj_message_queue_t *mq,
                             int64_t offset, bool increase_only)
{
    if (offset < 0) {
        return;
    }
    pthread_mutex_lock(&s->lock);
    put_keyed_locked(s, key, mq, offset, increase_only);
    pthread_mutex_unlock(&s->lock);
}

int64_t
rj_offset_store_read_keyed(rj_offset_store_t *s, const char *key)
{
    int64_t v = -1;

    pthread_mutex_lock(&s->lock);
    entry_t *e = rj_hashmap_get_cstr(s->table, key);
    if (e != NULL) {
        v = e->offset;
    }
    pthread_mutex_unlock(&s->lock);
    return v;
}

static int64_t
read_memory(rj_offset_store_t *s, const rj_message_queue_t *mq)
{
    char key[400];

    rj_mq_key(mq, key);
    return rj_offset_store_read_keyed(s, key);
}

/* The master address of the queue's broker, refreshing the topic route once. */
static int
master_addr(rj_offset_store_t *s, const rj_message_queue_t *mq, char *addr, size_t size)
{
    if (rj_client_instance_broker_addr(s->inst, mq->broker_name, RJ_MASTER_ID, true, addr, size) ==
        RJ_OK) {
        return RJ_OK;
    }
    rj_client_instance_update_route(s->inst, mq->topic, false, 0);
    return rj_client_instance_broker_addr(s->inst, mq->broker_name, RJ_MASTER_ID, true, addr, size);
}

int64_t
rj_offset_store_read(rj_offset_store_t *s, const rj_message_queue_t *mq, rj_offset_read_t type)
{
    if (type != RJ_READ_FROM_STORE) {
        int64_t v = read_memory(s, mq);
        if (v >= 0 || type == RJ_READ_FROM_MEMORY) {
            return v;
        }
    }
    if (s->local) {
        /* The file was loaded at start: memory is the store. */
        return read_memory(s, mq);
    }
    char addr[128];
    int64_t offset;
    if (master_addr(s, mq, addr, sizeof(addr)) != RJ_OK) {
        rj_log(RJ_LOG_WARN, RJ_ENOTFOUND, "offset of %s qid=%d: broker %s not found", mq->topic,
               mq->queue_id, mq->broker_name);
        return -2;
    }
    int rc =
        rj_api_query_consumer_offset(rj_client_instance_rpc(s->inst), addr, s->group, mq->topic,
                                     mq->queue_id, RJ_CLIENT_API_TIMEOUT_MS, &offset);
    if (rc == RJ_ENOTFOUND) {
        return -1;
    }
    if (rc != RJ_OK) {
        rj_log(RJ_LOG_WARN, rc, "offset of %s qid=%d: %s", mq->topic, mq->queue_id,
               rj_last_error());
        return -2;
    }
    rj_offset_store_update(s, mq, offset, false);
    return offset;
}

int
rj_offset_store_serialize(rj_offset_store_t *s, rj_buf_t *out)
{
    rj_json_writer_t w;
    rj_buf_t key = RJ_BUF_INIT;
    rj_hashmap_iter_t it;
    const char *k;
    size_t klen;
    void *val;

    rj_jw_init(&w, out, 0);
    rj_jw_object_begin(&w);
    rj_jw_key(&w, "offsetTable");
    rj_jw_object_begin(&w);
    pthread_mutex_lock(&s->lock);
    rj_hashmap_iter_init(s->table, &it);
    while (rj_hashmap_iter_next(&it, &k, &klen, &val)) {
        const entry_t *e = val;
        rj_json_writer_t kw;
        rj_buf_reset(&key);
        rj_jw_init(&kw, &key, 0);
        rj_jw_object_begin(&kw);
        rj_jw_key(&kw, "brokerName");
        rj_jw_string(&kw, e->mq.broker_name);
        rj_jw_key(&kw, "queueId");
        rj_jw_int(&kw, e->mq.queue_id);
        rj_jw_key(&kw, "topic");
        rj_jw_string(&kw, e->mq.topic);
        rj_jw_object_end(&kw);
        rj_jw_finish(&kw);
        rj_jw_key_raw(&w, (const char *)key.data, key.len);
        rj_jw_int(&w, e->offset);
    }
    pthread_mutex_unlock(&s->lock);
    rj_jw_object_end(&w);
    rj_jw_object_end(&w);
    rj_buf_cleanup(&key);
    return rj_jw_finish(&w);
}

static void
persist_local(rj_offset_store_t *s)
{
    rj_buf_t text = RJ_BUF_INIT;
    char *dir = rj_strdup(s->path);

    if (dir != NULL && rj_offset_store_serialize(s, &text) == RJ_OK) {
        char *slash = strrchr(dir, '/');
        if (slash != NULL) {
            *slash = '\0';
            rj_fs_mkdirs(dir, 0755);
        }
        int rc = rj_fs_write_config(s->path, text.data, text.len);
        if (rc != RJ_OK) {
            rj_log_ratelimited(10000, RJ_LOG_WARN, rc, "cannot write offset file %s", s->path);
        }
    }
    rj_free(dir);
    rj_buf_cleanup(&text);
}

static void
persist_remote_one(rj_offset_store_t *s, const rj_message_queue_t *mq, int64_t offset, bool sync)
{
    char addr[128];

    if (master_addr(s, mq, addr, sizeof(addr)) != RJ_OK) {
        rj_log_ratelimited(10000, RJ_LOG_WARN, RJ_ENOTFOUND,
                           "cannot persist offset of %s qid=%d: broker %s not found", mq->topic,
                           mq->queue_id, mq->broker_name);
        return;
    }
    int rc =
        rj_api_update_consumer_offset(rj_client_instance_rpc(s->inst), addr, s->group, mq->topic,
                                      mq->queue_id, offset, sync ? RJ_CLIENT_API_TIMEOUT_MS : 0);
    if (rc != RJ_OK) {
        rj_log_ratelimited(10000, RJ_LOG_WARN, rc, "persist offset of %s qid=%d: %s", mq->topic,
                           mq->queue_id, rj_last_error());
    }
}

void
rj_offset_store_persist_all(rj_offset_store_t *s, const rj_message_queue_t *mqs, size_t count,
                            bool sync)
{
    if (s->local) {
        persist_local(s);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        int64_t v = read_memory(s, &mqs[i]);
        if (v >= 0) {
            persist_remote_one(s, &mqs[i], v, sync);
        }
    }
    /* Queues no longer owned are forgotten (Java persistAll's unusedMQ). */
    pthread_mutex_lock(&s->lock);
    rj_hashmap_iter_t it;
    const char *k;
    size_t klen;
    void *val;
    rj_hashmap_iter_init(s->table, &it);
    while (rj_hashmap_iter_next(&it, &k, &klen, &val)) {
        const entry_t *e = val;
        bool used = false;
        for (size_t i = 0; i < count && !used; i++) {
            used = mqs[i].queue_id == e->mq.queue_id && strcmp(mqs[i].topic, e->mq.topic) == 0 &&
                   strcmp(mqs[i].broker_name, e->mq.broker_name) == 0;
        }
        if (!used) {
            rj_free(rj_hashmap_iter_remove(&it));
        }
    }
    pthread_mutex_unlock(&s->lock);
}

void
rj_offset_store_persist(rj_offset_store_t *s, const rj_message_queue_t *mq, bool sync)
{
    if (s->local) {
        persist_local(s);
        return;
    }
    int64_t v = read_memory(s, mq);
    if (v >= 0) {
        persist_remote_one(s, mq, v, sync);
    }
}

void
rj_offset_store_remove(rj_offset_store_t *s, const rj_message_queue_t *mq)
{
    char key[400];

    if (s->local) {
        return; /* Java's LocalFileOffsetStore keeps what the file said */
    }
    rj_mq_key(mq, key);
    pthread_mutex_lock(&s->lock);
    rj_free(rj_hashmap_remove_cstr(s->table, key));
    pthread_mutex_unlock(&s->lock);
}
