/*
 * Namespaced KV configuration with kvConfig.json persistence (see kv_config.h).
 *
 * Memory: a map namespace -> map key -> heap value string, under a read-write
 * lock. Persistence: a change updates memory under the write lock, then
 * serialises a snapshot under the read lock and writes it while holding
 * `persist_lock`; taking the snapshot inside `persist_lock` keeps files
 * written by concurrent changes in order, so the last file holds the newest
 * state.
 */
#include "namesrv/kv_config.h"

#include "common/alloc.h"
#include "common/fs.h"
#include "common/hashmap.h"
#include "common/json.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct rj_kv_config {
    char *path;
    pthread_rwlock_t lock;
    pthread_mutex_t persist_lock;
    rj_hashmap_t *table; /* ns -> rj_hashmap_t* (key -> char*) */
};

static void
free_ns(void *v)
{
    rj_hashmap_destroy(v, rj_free);
}

rj_kv_config_t *
rj_kv_config_create(const char *path)
{
    rj_kv_config_t *kv = rj_calloc(1, sizeof(*kv));
    if (kv == NULL) {
        return NULL;
    }
    kv->path = rj_fs_expand_home(path);
    kv->table = rj_hashmap_create(8);
    if (kv->path == NULL || kv->table == NULL) {
        rj_free(kv->path);
        rj_hashmap_destroy(kv->table, NULL);
        rj_free(kv);
        return NULL;
    }
    pthread_rwlock_init(&kv->lock, NULL);
    pthread_mutex_init(&kv->persist_lock, NULL);
    return kv;
}

void
rj_kv_config_destroy(rj_kv_config_t *kv)
{
    if (kv == NULL) {
        return;
    }
    rj_hashmap_destroy(kv->table, free_ns);
    pthread_rwlock_destroy(&kv->lock);
    pthread_mutex_destroy(&kv->persist_lock);
    rj_free(kv->path);
    rj_free(kv);
}

const char *
rj_kv_config_path(const rj_kv_config_t *kv)
{
    return kv->path;
}

static int
cmp_cstr_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
sorted_keys(const rj_hashmap_t *map, const char ***out, size_t *count)
{
    size_t n = rj_hashmap_count(map), i = 0;
    const char **keys = rj_malloc((n ? n : 1) * sizeof(*keys));
    if (keys == NULL) {
        return RJ_ENOMEM;
    }
    rj_hashmap_iter_t it;
    const char *k;
    size_t klen;
    void *v;
    rj_hashmap_iter_init(map, &it);
    while (i < n && rj_hashmap_iter_next(&it, &k, &klen, &v)) {
        keys[i++] = k;
    }
    qsort(keys, i, sizeof(*keys), cmp_cstr_ptr);
    *out = keys;
    *count = i;
    return 0;
}

/* {"k":"v",...} with keys sorted. */
static int
write_ns_locked(rj_json_writer_t *w, const rj_hashmap_t *ns)
{
    const char **keys;
    size_t n;
    int rc = sorted_keys(ns, &keys, &n);
    if (rc != 0) {
        return rc;
    }
    rj_jw_object_begin(w);
    for (size_t i = 0; i < n; i++) {
        rj_jw_key(w, keys[i]);
        rj_jw_string(w, rj_hashmap_get_cstr(ns, keys[i]));
    }
    rj_jw_object_end(w);
    rj_free(keys);
    return 0;
}

static int
serialize_locked(rj_kv_config_t *kv, rj_buf_t *out)
{
    const char **names;
    size_t n;
    int rc = sorted_keys(kv->table, &names, &n);
    if (rc != 0) {
        return rc;
    }
    rj_json_writer_t w;
    rj_jw_init(&w, out, 0);
    rj_jw_object_begin(&w);
    rj_jw_key(&w, "configTable");
    rj_jw_object_begin(&w);
    for (size_t i = 0; i < n && rc == 0; i++) {
        rj_jw_key(&w, names[i]);
        rc = write_ns_locked(&w, rj_hashmap_get_cstr(kv->table, names[i]));
    }
    rj_jw_object_end(&w);
    rj_jw_object_end(&w);
    int wrc = rj_jw_finish(&w);
    rj_free(names);
    return rc != 0 ? rc : wrc;
}

static int
persist(rj_kv_config_t *kv)
{
    rj_buf_t out = RJ_BUF_INIT;
    pthread_mutex_lock(&kv->persist_lock);
    pthread_rwlock_rdlock(&kv->lock);
    int rc = serialize_locked(kv, &out);
    pthread_rwlock_unlock(&kv->lock);
    if (rc == 0) {
        char *dir = rj_strdup(kv->path);
        char *slash = dir != NULL ? strrchr(dir, '/') : NULL;
        if (slash != NULL && slash != dir) {
            *slash = '\0';
            rc = rj_fs_mkdirs(dir, 0755);
        }
        rj_free(dir);
        if (rc == 0) {
            rc = rj_fs_write_config(kv->path, out.data, out.len);
        }
    }
    pthread_mutex_unlock(&kv->persist_lock);
    if (rc != 0) {
        rj_log(RJ_LOG_ERROR, rc, "kvconfig: persisting %s failed", kv->path);
    }
    rj_buf_cleanup(&out);
    return rc;
}

/* Text of a JSON scalar as fastjson would turn it into a String; NULL for others. */
static char *
scalar_text(const json_t *v)
{
    if (json_is_string(v)) {
        return rj_strdup(json_string_value(v));
    }
    if (json_is_integer(v) || json_is_real(v) || json_is_boolean(v)) {
        char *s = json_dumps(v, JSON_ENCODE_ANY);
        char *copy = s != NULL ? rj_strdup(s) : NULL;
        free(s);
        return copy;
    }
    return NULL;
}

static bool
valid_kv_file(const rj_buf_t *data)
{
    json_t *root = rj_json_parse(data->data, data->len, NULL, 0);
    bool ok = json_is_object(root);
    json_decref(root);
    return ok;
}

static int
load_tree_locked(rj_kv_config_t *kv, const json_t *root)
{
    const json_t *table = json_object_get(root, "configTable");
    if (table == NULL || json_is_null(table)) {
        return 0;
    }
    if (!json_is_object(table)) {
        return RJ_ECORRUPT;
    }
    const char *ns_name, *key;
    json_t *ns_obj, *val;
    json_object_foreach((json_t *)table, ns_name, ns_obj)
    {
        if (!json_is_object(ns_obj)) {
            continue;
        }
        rj_hashmap_t *ns = rj_hashmap_get_cstr(kv->table, ns_name);
        if (ns == NULL) {
            ns = rj_hashmap_create(8);
            if (ns == NULL || rj_hashmap_put_cstr(kv->table, ns_name, ns, NULL) != 0) {
                free_ns(ns);
                return RJ_ENOMEM;
            }
        }
        json_object_foreach(ns_obj, key, val)
        {
            char *text = scalar_text(val);
            if (text == NULL) {
                rj_log(RJ_LOG_WARN, 0, "kvconfig: %s: skipping non-text value ns=%s key=%s",
                       kv->path, ns_name, key);
                continue;
            }
            void *old = NULL;
            if (rj_hashmap_put_cstr(ns, key, text, &old) != 0) {
                rj_free(text);
                return RJ_ENOMEM;
            }
            rj_free(old);
        }
    }
    return 0;
}

int
rj_kv_config_load(rj_kv_config_t *kv)
{
    rj_buf_t data = RJ_BUF_INIT;
    int rc = rj_fs_read_config(kv->path, &data, valid_kv_file);
    if (rc == RJ_ENOENT) {
        rj_log(RJ_LOG_INFO, 0, "kvconfig: %s does not exist yet, starting empty", kv->path);
        rj_buf_cleanup(&data);
        return 0;
    }
    if (rc != 0) {
        rj_log(RJ_LOG_ERROR, rc, "kvconfig: cannot read %s", kv->path);
        rj_buf_cleanup(&data);
        return rc;
    }
    char err[200] = "";
    json_t *root = rj_json_parse(data.data, data.len, err, sizeof(err));
    if (!json_is_object(root)) {
        rj_log(RJ_LOG_ERROR, 0, "kvconfig: %s is not a JSON object: %s", kv->path, err);
        rc = RJ_ECORRUPT;
    } else {
        pthread_rwlock_wrlock(&kv->lock);
        rc = load_tree_locked(kv, root);
        pthread_rwlock_unlock(&kv->lock);
        if (rc == RJ_ECORRUPT) {
            rj_log(RJ_LOG_ERROR, 0, "kvconfig: %s: configTable is not an object", kv->path);
        } else if (rc == 0) {
            rj_log(RJ_LOG_INFO, 0, "kvconfig: loaded %s", kv->path);
        }
    }
    json_decref(root);
    rj_buf_cleanup(&data);
    return rc;
}

int
rj_kv_config_put(rj_kv_config_t *kv, const char *ns_name, const char *key, const char *value)
{
    if (ns_name == NULL || key == NULL || value == NULL) {
        return RJ_EINVAL;
    }
    char *copy = rj_strdup(value);
    if (copy == NULL) {
        return RJ_ENOMEM;
    }
    int rc = 0;
    void *old = NULL;
    pthread_rwlock_wrlock(&kv->lock);
    rj_hashmap_t *ns = rj_hashmap_get_cstr(kv->table, ns_name);
    if (ns == NULL) {
        ns = rj_hashmap_create(8);
        if (ns == NULL || rj_hashmap_put_cstr(kv->table, ns_name, ns, NULL) != 0) {
            free_ns(ns);
            ns = NULL;
            rc = RJ_ENOMEM;
        } else {
            rj_log(RJ_LOG_INFO, 0, "kvconfig: new namespace %s", ns_name);
        }
    }
    if (ns != NULL && rj_hashmap_put_cstr(ns, key, copy, &old) != 0) {
        rc = RJ_ENOMEM;
    }
    pthread_rwlock_unlock(&kv->lock);
    if (rc != 0) {
        rj_free(copy);
        return rc;
    }
    rj_log(RJ_LOG_INFO, 0, "kvconfig: %s ns=%s key=%s value=%s", old ? "updated" : "created",
           ns_name, key, value);
    rj_free(old);
    return persist(kv);
}

int
rj_kv_config_delete(rj_kv_config_t *kv, const char *ns_name, const char *key)
{
    if (ns_name == NULL || key == NULL) {
        return RJ_EINVAL;
    }
    pthread_rwlock_wrlock(&kv->lock);
    rj_hashmap_t *ns = rj_hashmap_get_cstr(kv->table, ns_name);
    char *old = ns != NULL ? rj_hashmap_remove_cstr(ns, key) : NULL;
    pthread_rwlock_unlock(&kv->lock);
    if (old != NULL) {
        rj_log(RJ_LOG_INFO, 0, "kvconfig: deleted ns=%s key=%s value=%s", ns_name, key, old);
        rj_free(old);
    }
    return persist(kv);
}

int
rj_kv_config_get(rj_kv_config_t *kv, const char *ns_name, const char *key, char **value)
{
    *value = NULL;
    if (ns_name == NULL || key == NULL) {
        return RJ_ENOTFOUND;
    }
    int rc = RJ_ENOTFOUND;
    pthread_rwlock_rdlock(&kv->lock);
    rj_hashmap_t *ns = rj_hashmap_get_cstr(kv->table, ns_name);
    const char *v = ns != NULL ? rj_hashmap_get_cstr(ns, key) : NULL;
    if (v != NULL) {
        *value = rj_strdup(v);
        rc = *value != NULL ? 0 : RJ_ENOMEM;
    }
    pthread_rwlock_unlock(&kv->lock);
    return rc;
}

int
rj_kv_config_namespace_json(rj_kv_config_t *kv, const char *ns_name, rj_buf_t *out)
{
    if (ns_name == NULL) {
        return RJ_ENOTFOUND;
    }
    int rc = RJ_ENOTFOUND;
    pthread_rwlock_rdlock(&kv->lock);
    rj_hashmap_t *ns = rj_hashmap_get_cstr(kv->table, ns_name);
    if (ns != NULL) {
        size_t start = out->len;
        rj_json_writer_t w;
        rj_jw_init(&w, out, 0);
        rj_jw_object_begin(&w);
        rj_jw_key(&w, "table");
        rc = write_ns_locked(&w, ns);
        rj_jw_object_end(&w);
        int wrc = rj_jw_finish(&w);
        rc = rc != 0 ? rc : wrc;
        if (rc != 0) {
            out->len = start;
        }
    }
    pthread_rwlock_unlock(&kv->lock);
    return rc;
}
