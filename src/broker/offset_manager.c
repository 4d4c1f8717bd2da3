/*
 * Striped offset table. Each stripe is a hash map "topic@group" -> entry; an
 * entry is a dense array indexed by queue id (queue ids are small: a topic's
 * queue count), grown on demand, with RJ_OFFSET_NONE for holes. Keys are built
 * on the stack for the common case so a commit does not allocate once its key
 * exists.
 */
#include "broker/offset_manager.h"

#include "broker/config_file.h"
#include "common/alloc.h"
#include "common/buf.h"
#include "common/hashmap.h"
#include "common/json.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#define STRIPES 64
#define STACK_KEY 512

typedef struct {
    int32_t count;
    int64_t offsets[];
} entry_t;

typedef struct {
    pthread_mutex_t lock;
    rj_hashmap_t *map; /* "topic@group" -> entry_t* */
} stripe_t;

struct rj_offset_manager {
    stripe_t stripes[STRIPES];
    rj_config_file_t file; /* consumerOffset.json */
};

int
rj_offset_manager_create(const char *config_path, rj_offset_manager_t **out)
{
    rj_offset_manager_t *m = rj_calloc(1, sizeof(*m));
    if (m == NULL) {
        return RJ_ENOMEM;
    }
    int rc = rj_config_file_init(&m->file, config_path);
    for (int i = 0; i < STRIPES; i++) {
        pthread_mutex_init(&m->stripes[i].lock, NULL);
        m->stripes[i].map = rj_hashmap_create(8);
        if (m->stripes[i].map == NULL) {
            rc = RJ_ENOMEM;
        }
    }
    if (rc != 0) {
        rj_offset_manager_destroy(m);
        return rc;
    }
    *out = m;
    return 0;
}

void
rj_offset_manager_destroy(rj_offset_manager_t *m)
{
    if (m == NULL) {
        return;
    }
    for (int i = 0; i < STRIPES; i++) {
        rj_hashmap_destroy(m->stripes[i].map, rj_free);
        pthread_mutex_destroy(&m->stripes[i].lock);
    }
    rj_config_file_cleanup(&m->file);
    rj_free(m);
}

/* Builds "topic@group" into `stack` or a heap buffer (*heap, freed by the caller). */
static const char *
make_key(rj_bytes_t topic, rj_bytes_t group, char *stack, char **heap, size_t *len)
{
    size_t n = topic.len + 1 + group.len;
    char *k = stack;
    *heap = NULL;
    if (n + 1 > STACK_KEY) {
        k = *heap = rj_malloc(n + 1);
        if (k == NULL) {
            return NULL;
        }
    }
    if (topic.len > 0) {
        memcpy(k, topic.data, topic.len);
    }
    k[topic.len] = '@';
    if (group.len > 0) {
        memcpy(k + topic.len + 1, group.data, group.len);
    }
    k[n] = '\0';
    *len = n;
    return k;
}

static stripe_t *
stripe_of(rj_offset_manager_t *m, const char *key, size_t len)
{
    return &m->stripes[rj_hash_bytes(key, len) % STRIPES];
}

/* Sets one offset in the stripe's map; the stripe lock is held. */
static int
set_locked(stripe_t *s, const char *key, size_t len, int32_t qid, int64_t offset)
{
    entry_t *e = rj_hashmap_get(s->map, key, len);
    if (e == NULL || qid >= e->count) {
        int32_t old = e ? e->count : 0;
        int32_t count = qid + 1 < 4 ? 4 : qid + 1;
        entry_t *grown = rj_realloc(e, sizeof(entry_t) + (size_t)count * sizeof(int64_t));
        if (grown == NULL) {
            return RJ_ENOMEM;
        }
        for (int32_t i = old; i < count; i++) {
            grown->offsets[i] = RJ_OFFSET_NONE;
        }
        grown->count = count;
        /* Replacing an existing key never allocates, so only a new key can fail here. */
        int rc = rj_hashmap_put(s->map, key, len, grown, NULL);
        if (rc != 0) {
            rj_free(grown);
            return rc;
        }
        e = grown;
    }
    e->offsets[qid] = offset;
    return 0;
}

int
rj_offset_manager_commit(rj_offset_manager_t *m, rj_bytes_t topic, rj_bytes_t group,
                         int32_t queue_id, int64_t offset)
{
    if (queue_id < 0 || queue_id > RJ_OFFSET_MAX_QUEUE_ID) {
        return RJ_EINVAL;
    }
    char stack[STACK_KEY];
    char *heap;
    size_t len;
    const char *key = make_key(topic, group, stack, &heap, &len);
    if (key == NULL) {
        return RJ_ENOMEM;
    }
    stripe_t *s = stripe_of(m, key, len);
    pthread_mutex_lock(&s->lock);
    int rc = set_locked(s, key, len, queue_id, offset);
    pthread_mutex_unlock(&s->lock);
    rj_free(heap);
    if (rc == 0) {
        rj_config_file_changed(&m->file);
    }
    return rc;
}

bool
rj_offset_manager_query(rj_offset_manager_t *m, rj_bytes_t topic, rj_bytes_t group,
                        int32_t queue_id, int64_t *out)
{
    if (queue_id < 0) {
        return false;
    }
    char stack[STACK_KEY];
    char *heap;
    size_t len;
    const char *key = make_key(topic, group, stack, &heap, &len);
    if (key == NULL) {
        return false;
    }
    bool found = false;
    stripe_t *s = stripe_of(m, key, len);
    pthread_mutex_lock(&s->lock);
    const entry_t *e = rj_hashmap_get(s->map, key, len);
    if (e != NULL && queue_id < e->count && e->offsets[queue_id] != RJ_OFFSET_NONE) {
        *out = e->offsets[queue_id];
        found = true;
    }
    pthread_mutex_unlock(&s->lock);
    rj_free(heap);
    return found;
}

static void
split_key(const char *key, size_t len, rj_bytes_t *topic, rj_bytes_t *group)
{
    const char *at = memchr(key, '@', len);
    if (at == NULL) {
        *topic = rj_bytes(key, len);
        *group = RJ_BYTES_NULL;
        return;
    }
    *topic = rj_bytes(key, (size_t)(at - key));
    *group = rj_bytes(at + 1, len - (size_t)(at - key) - 1);
}

int
rj_offset_manager_for_each(rj_offset_manager_t *m, rj_offset_manager_visit_cb cb, void *arg)
{
    int rc = 0;
    for (int i = 0; i < STRIPES && rc == 0; i++) {
        stripe_t *s = &m->stripes[i];
        rj_hashmap_iter_t it;
        const char *key;
        size_t key_len;
        void *value;
        pthread_mutex_lock(&s->lock);
        rj_hashmap_iter_init(s->map, &it);
        while (rc == 0 && rj_hashmap_iter_next(&it, &key, &key_len, &value)) {
            const entry_t *e = value;
            rj_bytes_t topic, group;
            split_key(key, key_len, &topic, &group);
            rc = cb(arg, topic, group, e->offsets, e->count);
        }
        pthread_mutex_unlock(&s->lock);
    }
    return rc;
}

/* Removes keys whose topic (by_topic) or group part equals `name`. */
static int
remove_matching(rj_offset_manager_t *m, rj_bytes_t name, bool by_topic)
{
    int removed = 0;
    for (int i = 0; i < STRIPES; i++) {
        stripe_t *s = &m->stripes[i];
        rj_hashmap_iter_t it;
        const char *key;
        size_t key_len;
        void *value;
        pthread_mutex_lock(&s->lock);
        rj_hashmap_iter_init(s->map, &it);
        while (rj_hashmap_iter_next(&it, &key, &key_len, &value)) {
            rj_bytes_t topic, group;
            split_key(key, key_len, &topic, &group);
            if (rj_bytes_eq(by_topic ? topic : group, name)) {
                rj_free(rj_hashmap_iter_remove(&it));
                removed++;
            }
        }
        pthread_mutex_unlock(&s->lock);
    }
    if (removed > 0) {
        rj_config_file_changed(&m->file);
    }
    return removed;
}

int
rj_offset_manager_remove_group(rj_offset_manager_t *m, rj_bytes_t group)
{
    return remove_matching(m, group, false);
}

int
rj_offset_manager_remove_topic(rj_offset_manager_t *m, rj_bytes_t topic)
{
    return remove_matching(m, topic, true);
}

int
rj_offset_manager_clone(rj_offset_manager_t *m, rj_bytes_t src_group, rj_bytes_t dst_group,
                        rj_bytes_t topic)
{
    char stack[STACK_KEY];
    char *heap;
    size_t len;
    const char *key = make_key(topic, src_group, stack, &heap, &len);
    if (key == NULL) {
        return RJ_ENOMEM;
    }
    entry_t *copy = NULL;
    stripe_t *s = stripe_of(m, key, len);
    pthread_mutex_lock(&s->lock);
    const entry_t *e = rj_hashmap_get(s->map, key, len);
    if (e != NULL) {
        size_t size = sizeof(entry_t) + (size_t)e->count * sizeof(int64_t);
        copy = rj_malloc(size);
        if (copy != NULL) {
            memcpy(copy, e, size);
        }
    }
    pthread_mutex_unlock(&s->lock);
    rj_free(heap);
    if (e == NULL) {
        return 0;
    }
    if (copy == NULL) {
        return RJ_ENOMEM;
    }
    int rc = 0;
    for (int32_t q = 0; q < copy->count && rc == 0; q++) {
        if (copy->offsets[q] != RJ_OFFSET_NONE) {
            rc = rj_offset_manager_commit(m, topic, dst_group, q, copy->offsets[q]);
        }
    }
    rj_free(copy);
    return rc;
}

static int
write_entry(void *arg, rj_bytes_t topic, rj_bytes_t group, const int64_t *offsets, int32_t count)
{
    rj_json_writer_t *w = arg;
    char key[STACK_KEY];
    char *heap;
    size_t len;
    const char *k = make_key(topic, group, key, &heap, &len);
    if (k == NULL) {
        return RJ_ENOMEM;
    }
    rj_jw_key_n(w, k, len);
    rj_free(heap);
    rj_jw_object_begin(w);
    for (int32_t q = 0; q < count; q++) {
        if (offsets[q] != RJ_OFFSET_NONE) {
            rj_jw_key_int_unquoted(w, q);
            rj_jw_int(w, offsets[q]);
        }
    }
    rj_jw_object_end(w);
    return 0;
}

void
rj_offset_manager_write(rj_offset_manager_t *m, rj_json_writer_t *w)
{
    rj_jw_object_begin(w);
    rj_jw_key(w, "offsetTable");
    rj_jw_object_begin(w);
    if (rj_offset_manager_for_each(m, write_entry, w) != 0) {
        w->err = w->err ? w->err : RJ_ENOMEM;
    }
    rj_jw_object_end(w);
    rj_jw_object_end(w);
}

static void
write_file(void *arg, rj_json_writer_t *w)
{
    rj_offset_manager_write(arg, w);
}

int
rj_offset_manager_persist(rj_offset_manager_t *m)
{
    return rj_config_file_persist(&m->file, write_file, m, RJ_CONFIG_FILE_CHECK_FIRST);
}

int
rj_offset_manager_load(rj_offset_manager_t *m)
{
    json_t *root;
    int rc = rj_config_file_load(&m->file, &root);
    if (root == NULL) {
        return rc;
    }
    const char *key;
    json_t *queues;
    rc = 0;
    json_object_foreach(json_object_get(root, "offsetTable"), key, queues)
    {
        const char *qkey;
        json_t *value;
        rj_bytes_t topic, group;
        split_key(key, strlen(key), &topic, &group);
        json_object_foreach(queues, qkey, value)
        {
            int32_t qid;
            int64_t offset;
            if (rj_bytes_parse_i32(rj_bytes_from_cstr(qkey), &qid) != 0 ||
                !rj_json_as_int(value, &offset)) {
                rj_log(RJ_LOG_WARN, 0, "%s: skipping bad entry %s/%s", m->file.path, key, qkey);
                continue;
            }
            rc = rj_offset_manager_commit(m, topic, group, qid, offset);
            if (rc == RJ_EINVAL) {
                rc = 0;
            }
            if (rc != 0) {
                break;
            }
        }
    }
    json_decref(root);
    rj_config_file_mark_persisted(&m->file);
    return rc;
}
