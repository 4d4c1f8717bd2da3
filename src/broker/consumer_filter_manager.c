/*
 * The consumer filter table: stripes of topic -> (group -> filter data),
 * with FilterDataMapByTopic.register's rules for versions, changes and
 * dead/alive data, and the consumerFilter.json form.
 */
#include "broker/consumer_filter_manager.h"

#include "broker/bloom_filter.h"
#include "broker/config_file.h"
#include "common/alloc.h"
#include "common/hashmap.h"
#include "common/json.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define STRIPES 16
/* Loaded data counts as dead since this long before the load (ConsumerFilterManager.decode). */
#define LOAD_DEAD_BACKDATE_MS 30000

typedef struct {
    char *group;
    char *topic;
    char *expression;
    char *type;
    rj_sql92_t *compiled; /* NULL when a loaded expression no longer compiles */
    int64_t born_time;
    int64_t dead_time;
    int64_t client_version;
    int32_t bloom_pos[RJ_BLOOM_FILTER_MAX_K];
    int32_t bloom_k;
    int32_t bloom_bits; /* 0: no bloom data */
} data_t;

typedef struct {
    pthread_mutex_t lock;
    rj_hashmap_t *topics; /* topic -> rj_hashmap_t of group -> data_t */
} stripe_t;

struct rj_consumer_filter_manager {
    rj_config_file_t file; /* consumerFilter.json */
    int64_t clean_span_ms;
    rj_bloom_filter_t bloom;
    stripe_t stripes[STRIPES];
};

static bool
is_dead(const data_t *d)
{
    return d->dead_time >= d->born_time;
}

static void
data_free(void *p)
{
    data_t *d = p;
    if (d == NULL) {
        return;
    }
    rj_sql92_release(d->compiled);
    rj_free(d->group);
    rj_free(d->topic);
    rj_free(d->expression);
    rj_free(d->type);
    rj_free(d);
}

static void
topic_free(void *p)
{
    rj_hashmap_destroy(p, data_free);
}

int
rj_consumer_filter_manager_create(const char *config_path, int64_t clean_span_ms,
                                  rj_consumer_filter_manager_t **out)
{
    rj_consumer_filter_manager_t *m = rj_calloc(1, sizeof(*m));
    if (m == NULL) {
        return RJ_ENOMEM;
    }
    m->clean_span_ms = clean_span_ms;
    rj_bloom_filter_init(&m->bloom, RJ_BLOOM_FILTER_ERROR_RATE, RJ_BLOOM_FILTER_EXPECTED);
    int rc = rj_config_file_init(&m->file, config_path);
    for (int i = 0; i < STRIPES; i++) {
        pthread_mutex_init(&m->stripes[i].lock, NULL);
        m->stripes[i].topics = rj_hashmap_create(16);
        if (m->stripes[i].topics == NULL) {
            rc = RJ_ENOMEM;
        }
    }
    if (rc != 0) {
        rj_consumer_filter_manager_destroy(m);
        return RJ_ENOMEM;
    }
    *out = m;
    return 0;
}

void
rj_consumer_filter_manager_destroy(rj_consumer_filter_manager_t *m)
{
    if (m == NULL) {
        return;
    }
    for (int i = 0; i < STRIPES; i++) {
        if (m->stripes[i].topics != NULL) {
            rj_hashmap_destroy(m->stripes[i].topics, topic_free);
        }
        pthread_mutex_destroy(&m->stripes[i].lock);
    }
    rj_config_file_cleanup(&m->file);
    rj_free(m);
}

static stripe_t *
stripe_of(rj_consumer_filter_manager_t *m, rj_bytes_t topic)
{
    return &m->stripes[rj_hash_bytes(topic.data, topic.len) % STRIPES];
}

static void
changed(rj_consumer_filter_manager_t *m)
{
    rj_config_file_changed(&m->file);
}

/* bloomFilter.generate(group + "#" + topic). */
static void
set_bloom(rj_consumer_filter_manager_t *m, data_t *d)
{
    char key[1024];
    int n = snprintf(key, sizeof(key), "%s#%s", d->group, d->topic);
    if (n < 0 || (size_t)n >= sizeof(key)) {
        d->bloom_bits = 0;
        return;
    }
    rj_bloom_filter_positions(&m->bloom, rj_bytes(key, (size_t)n), d->bloom_pos);
    d->bloom_k = m->bloom.k;
    d->bloom_bits = m->bloom.m;
}

/* ConsumerFilterManager.build: NULL when the expression does not compile. */
static data_t *
build(rj_consumer_filter_manager_t *m, rj_bytes_t topic, rj_bytes_t group, rj_bytes_t expression,
      const char *type, int64_t client_version, int64_t now_ms)
{
    rj_sql92_t *compiled;
    char err[256];
    if (rj_sql92_compile(expression, &compiled, err, sizeof(err)) != 0) {
        rj_log(RJ_LOG_WARN, 0, "parse error: expr=%.*s, topic=%.*s, group=%.*s, error=%s",
               (int)expression.len, (const char *)expression.data, (int)topic.len,
               (const char *)topic.data, (int)group.len, (const char *)group.data, err);
        return NULL;
    }
    data_t *d = rj_calloc(1, sizeof(*d));
    if (d == NULL || (d->group = rj_bytes_dup(group)) == NULL ||
        (d->topic = rj_bytes_dup(topic)) == NULL ||
        (d->expression = rj_bytes_dup(expression)) == NULL || (d->type = rj_strdup(type)) == NULL) {
        rj_sql92_release(compiled);
        data_free(d);
        return NULL;
    }
    d->compiled = compiled;
    d->born_time = now_ms;
    d->dead_time = 0;
    d->client_version = client_version;
    set_bloom(m, d);
    return d;
}

static bool
same_bloom(const data_t *a, const data_t *b)
{
    return a->bloom_bits == b->bloom_bits && a->bloom_k == b->bloom_k &&
           memcmp(a->bloom_pos, b->bloom_pos, sizeof(int32_t) * (size_t)a->bloom_k) == 0;
}

/* FilterDataMapByTopic.register, stripe locked. */
static void
register_one_locked(rj_consumer_filter_manager_t *m, rj_hashmap_t *groups, rj_bytes_t topic,
                    rj_bytes_t group, rj_bytes_t expression, const char *type,
                    int64_t client_version, int64_t now_ms)
{
    data_t *old = rj_hashmap_get(groups, group.data, group.len);
    if (old == NULL) {
        data_t *d = build(m, topic, group, expression, type, client_version, now_ms);
        if (d != NULL) {
            if (rj_hashmap_put(groups, group.data, group.len, d, NULL) != 0) {
                data_free(d);
                return;
            }
            rj_log(RJ_LOG_INFO, 0, "New consumer filter registered: group=%.*s topic=%.*s",
                   (int)group.len, (const char *)group.data, (int)topic.len,
                   (const char *)topic.data);
            changed(m);
        }
        return;
    }
    if (client_version <= old->client_version) {
        if (client_version == old->client_version && is_dead(old)) {
            old->dead_time = 0; /* reAlive */
            changed(m);
        }
        return;
    }
    data_t probe = {.group = old->group, .topic = old->topic};
    set_bloom(m, &probe);
    bool change = !rj_bytes_eq_cstr(expression, old->expression) || strcmp(type, old->type) != 0 ||
                  !same_bloom(old, &probe);
    if (change) {
        data_t *d = build(m, topic, group, expression, type, client_version, now_ms);
        if (d == NULL) {
            /* The new expression does not compile: drop the old one, pulls report the error. */
            data_free(rj_hashmap_remove(groups, group.data, group.len));
        } else {
            data_t *replaced = NULL;
            if (rj_hashmap_put(groups, group.data, group.len, d, (void **)&replaced) != 0) {
                data_free(d);
                return;
            }
            data_free(replaced);
        }
    } else {
        old->client_version = client_version;
        if (is_dead(old)) {
            old->dead_time = 0;
        }
    }
    changed(m);
}

static bool
is_sql(const rj_subscription_t *s)
{
    return s->expression_type != RJ_EXPRESSION_TAG;
}

void
rj_consumer_filter_manager_register(rj_consumer_filter_manager_t *m, rj_bytes_t group,
                                    rj_subscription_t *const *subs, size_t n, int64_t now_ms)
{
    for (size_t i = 0; i < n; i++) {
        const rj_subscription_t *s = subs[i];
        if (!is_sql(s) || s->sub_string == NULL || s->sub_string[0] == '\0') {
            continue;
        }
        rj_bytes_t topic = rj_bytes_from_cstr(s->topic);
        stripe_t *st = stripe_of(m, topic);
        pthread_mutex_lock(&st->lock);
        rj_hashmap_t *groups = rj_hashmap_get(st->topics, topic.data, topic.len);
        if (groups == NULL) {
            groups = rj_hashmap_create(8);
            if (groups != NULL &&
                rj_hashmap_put(st->topics, topic.data, topic.len, groups, NULL) != 0) {
                rj_hashmap_destroy(groups, NULL);
                groups = NULL;
            }
        }
        if (groups != NULL) {
            register_one_locked(m, groups, topic, group, rj_bytes_from_cstr(s->sub_string), "SQL92",
                                s->sub_version, now_ms);
        }
        pthread_mutex_unlock(&st->lock);
    }
    /* The group's data of topics it no longer subscribes dies. */
    for (int i = 0; i < STRIPES; i++) {
        stripe_t *st = &m->stripes[i];
        pthread_mutex_lock(&st->lock);
        rj_hashmap_iter_t it;
        const char *topic;
        size_t tlen;
        void *groups;
        rj_hashmap_iter_init(st->topics, &it);
        while (rj_hashmap_iter_next(&it, &topic, &tlen, &groups)) {
            data_t *d = rj_hashmap_get(groups, group.data, group.len);
            if (d == NULL || is_dead(d)) {
                continue;
            }
            bool subscribed = false;
            for (size_t k = 0; k < n && !subscribed; k++) {
                subscribed =
                    strlen(subs[k]->topic) == tlen && memcmp(subs[k]->topic, topic, tlen) == 0;
            }
            if (!subscribed) {
                d->dead_time = now_ms;
                changed(m);
            }
        }
        pthread_mutex_unlock(&st->lock);
    }
}

void
rj_consumer_filter_manager_unregister(rj_consumer_filter_manager_t *m, rj_bytes_t group,
                                      int64_t now_ms)
{
    for (int i = 0; i < STRIPES; i++) {
        stripe_t *st = &m->stripes[i];
        pthread_mutex_lock(&st->lock);
        rj_hashmap_iter_t it;
        const char *topic;
        size_t tlen;
        void *groups;
        rj_hashmap_iter_init(st->topics, &it);
        while (rj_hashmap_iter_next(&it, &topic, &tlen, &groups)) {
            data_t *d = rj_hashmap_get(groups, group.data, group.len);
            if (d != NULL && !is_dead(d)) {
                d->dead_time = now_ms;
                changed(m);
            }
        }
        pthread_mutex_unlock(&st->lock);
    }
}

bool
rj_consumer_filter_manager_lookup(rj_consumer_filter_manager_t *m, rj_bytes_t topic,
                                  rj_bytes_t group, rj_consumer_filter_t *out)
{
    stripe_t *st = stripe_of(m, topic);
    bool found = false;
    pthread_mutex_lock(&st->lock);
    rj_hashmap_t *groups = rj_hashmap_get(st->topics, topic.data, topic.len);
    data_t *d = groups != NULL ? rj_hashmap_get(groups, group.data, group.len) : NULL;
    if (d != NULL) {
        found = true;
        out->expression = d->compiled;
        if (out->expression != NULL) {
            rj_sql92_retain(out->expression);
        }
        out->client_version = d->client_version;
    }
    pthread_mutex_unlock(&st->lock);
    return found;
}

/* ---- persistence ------------------------------------------------------------------- */

/* clean(): data dead for the clean span goes, and topics left empty. Stripe locked. */
static void
clean_locked(rj_consumer_filter_manager_t *m, stripe_t *st, int64_t now_ms)
{
    rj_hashmap_iter_t it;
    const char *topic;
    size_t tlen;
    void *value;
    rj_hashmap_iter_init(st->topics, &it);
    while (rj_hashmap_iter_next(&it, &topic, &tlen, &value)) {
        rj_hashmap_t *groups = value;
        rj_hashmap_iter_t git;
        const char *g;
        size_t glen;
        void *dv;
        rj_hashmap_iter_init(groups, &git);
        while (rj_hashmap_iter_next(&git, &g, &glen, &dv)) {
            data_t *d = dv;
            if (is_dead(d) && now_ms - d->dead_time >= m->clean_span_ms) {
                rj_log(RJ_LOG_INFO, 0, "Remove filter consumer %s/%s, died too long!", d->topic,
                       d->group);
                data_free(rj_hashmap_iter_remove(&git));
                changed(m);
            }
        }
        if (rj_hashmap_count(groups) == 0) {
            topic_free(rj_hashmap_iter_remove(&it));
            changed(m);
        }
    }
}

static void
write_data(const data_t *d, rj_json_writer_t *w)
{
    rj_jw_object_begin(w);
    if (d->bloom_bits > 0) {
        rj_jw_key(w, "bloomFilterData");
        rj_jw_object_begin(w);
        rj_jw_key(w, "bitNum");
        rj_jw_int(w, d->bloom_bits);
        rj_jw_key(w, "bitPos");
        rj_jw_array_begin(w);
        for (int32_t i = 0; i < d->bloom_k; i++) {
            rj_jw_int(w, d->bloom_pos[i]);
        }
        rj_jw_array_end(w);
        rj_jw_object_end(w);
    }
    rj_jw_key(w, "bornTime");
    rj_jw_int(w, d->born_time);
    rj_jw_key(w, "clientVersion");
    rj_jw_int(w, d->client_version);
    rj_jw_key(w, "consumerGroup");
    rj_jw_string(w, d->group);
    rj_jw_key(w, "dead");
    rj_jw_bool(w, is_dead(d));
    rj_jw_key(w, "deadTime");
    rj_jw_int(w, d->dead_time);
    rj_jw_key(w, "expression");
    rj_jw_string(w, d->expression);
    rj_jw_key(w, "expressionType");
    rj_jw_string(w, d->type);
    rj_jw_key(w, "topic");
    rj_jw_string(w, d->topic);
    rj_jw_object_end(w);
}

void
rj_consumer_filter_manager_write(rj_consumer_filter_manager_t *m, rj_json_writer_t *w,
                                 int64_t now_ms)
{
    rj_jw_object_begin(w);
    rj_jw_key(w, "filterDataByTopic");
    rj_jw_object_begin(w);
    for (int i = 0; i < STRIPES; i++) {
        stripe_t *st = &m->stripes[i];
        pthread_mutex_lock(&st->lock);
        clean_locked(m, st, now_ms);
        rj_hashmap_iter_t it;
        const char *topic;
        size_t tlen;
        void *groups;
        rj_hashmap_iter_init(st->topics, &it);
        while (rj_hashmap_iter_next(&it, &topic, &tlen, &groups)) {
            rj_jw_key_n(w, topic, tlen);
            rj_jw_object_begin(w);
            rj_jw_key(w, "groupFilterData");
            rj_jw_object_begin(w);
            rj_hashmap_iter_t git;
            const char *g;
            size_t glen;
            void *d;
            rj_hashmap_iter_init(groups, &git);
            while (rj_hashmap_iter_next(&git, &g, &glen, &d)) {
                rj_jw_key_n(w, g, glen);
                write_data(d, w);
            }
            rj_jw_object_end(w);
            rj_jw_key(w, "topic");
            rj_jw_string_n(w, topic, tlen);
            rj_jw_object_end(w);
        }
        pthread_mutex_unlock(&st->lock);
    }
    rj_jw_object_end(w);
    rj_jw_object_end(w);
}

typedef struct {
    rj_consumer_filter_manager_t *m;
    int64_t now_ms;
} persist_ctx_t;

static void
write_file(void *arg, rj_json_writer_t *w)
{
    persist_ctx_t *c = arg;
    rj_consumer_filter_manager_write(c->m, w, c->now_ms);
}

int
rj_consumer_filter_manager_persist(rj_consumer_filter_manager_t *m, int64_t now_ms)
{
    persist_ctx_t c = {m, now_ms};
    /* Writing cleans expired data first, which may count a change. */
    return rj_config_file_persist(&m->file, write_file, &c, RJ_CONFIG_FILE_WRITE_FIRST);
}

/* One persisted ConsumerFilterData; NULL when unusable. `bloom_ok` clears on a foreign bloom. */
static data_t *
load_data(rj_consumer_filter_manager_t *m, const char *topic, const char *group, const json_t *j,
          int64_t now_ms, bool *bloom_ok)
{
    const char *expr = rj_json_get_str(j, "expression", NULL);
    const char *type = rj_json_get_str(j, "expressionType", "SQL92");
    if (expr == NULL || !json_is_object(j)) {
        return NULL;
    }
    const json_t *bloom = json_object_get(j, "bloomFilterData");
    const json_t *pos = json_object_get(bloom, "bitPos");
    if (rj_json_get_int(bloom, "bitNum", -1) != m->bloom.m || !json_is_array(pos) ||
        (int32_t)json_array_size(pos) != m->bloom.k) {
        *bloom_ok = false;
        return NULL;
    }
    data_t *d = rj_calloc(1, sizeof(*d));
    if (d == NULL) {
        return NULL;
    }
    d->group = rj_strdup(rj_json_get_str(j, "consumerGroup", group));
    d->topic = rj_strdup(rj_json_get_str(j, "topic", topic));
    d->expression = rj_strdup(expr);
    d->type = rj_strdup(type);
    if (d->group == NULL || d->topic == NULL || d->expression == NULL || d->type == NULL) {
        data_free(d);
        return NULL;
    }
    char err[256];
    if (rj_sql92_compile(rj_bytes_from_cstr(expr), &d->compiled, err, sizeof(err)) != 0) {
        d->compiled = NULL;
        rj_log(RJ_LOG_WARN, 0, "load filter data error, %s/%s: %s", topic, group, err);
    }
    d->born_time = rj_json_get_int(j, "bornTime", 0);
    d->dead_time = rj_json_get_int(j, "deadTime", 0);
    d->client_version = rj_json_get_int(j, "clientVersion", 0);
    d->bloom_k = m->bloom.k;
    d->bloom_bits = m->bloom.m;
    for (int32_t i = 0; i < d->bloom_k; i++) {
        d->bloom_pos[i] = (int32_t)json_integer_value(json_array_get(pos, (size_t)i));
    }
    if (d->dead_time == 0) {
        /* Consumers of loaded data are thought dead until they heartbeat again. */
        int64_t dead = now_ms - LOAD_DEAD_BACKDATE_MS;
        d->dead_time = dead <= d->born_time ? d->born_time : dead;
        changed(m); /* the file should say so */
    }
    return d;
}

int
rj_consumer_filter_manager_load(rj_consumer_filter_manager_t *m, int64_t now_ms)
{
    json_t *root;
    int rc = rj_config_file_load(&m->file, &root);
    if (root == NULL) {
        return rc;
    }
    /* Marked before the entries load: loading may count changes the file should get. */
    rj_config_file_mark_persisted(&m->file);
    /* Everything is loaded into a side table first: a foreign bloom filter voids all of it. */
    rj_hashmap_t *loaded = rj_hashmap_create(16);
    bool bloom_ok = true;
    const char *topic;
    json_t *by_topic;
    json_object_foreach(json_object_get(root, "filterDataByTopic"), topic, by_topic)
    {
        const char *group;
        json_t *j;
        json_object_foreach(json_object_get(by_topic, "groupFilterData"), group, j)
        {
            data_t *d = loaded ? load_data(m, topic, group, j, now_ms, &bloom_ok) : NULL;
            if (d == NULL) {
                continue;
            }
            char key[1024];
            int n = snprintf(key, sizeof(key), "%s\n%s", d->topic, d->group);
            data_t *old = NULL;
            if (n < 0 || (size_t)n >= sizeof(key) ||
                rj_hashmap_put(loaded, key, (size_t)n, d, (void **)&old) != 0) {
                data_free(d);
            }
            data_free(old);
        }
    }
    json_decref(root);
    if (loaded == NULL) {
        return RJ_ENOMEM;
    }
    rj_hashmap_iter_t it;
    const char *key;
    size_t klen;
    void *value;
    rj_hashmap_iter_init(loaded, &it);
    while (rj_hashmap_iter_next(&it, &key, &klen, &value)) {
        data_t *d = value;
        if (!bloom_ok) {
            data_free(d);
            continue;
        }
        rj_bytes_t t = rj_bytes_from_cstr(d->topic);
        stripe_t *st = stripe_of(m, t);
        pthread_mutex_lock(&st->lock);
        rj_hashmap_t *groups = rj_hashmap_get(st->topics, t.data, t.len);
        if (groups == NULL && (groups = rj_hashmap_create(8)) != NULL &&
            rj_hashmap_put(st->topics, t.data, t.len, groups, NULL) != 0) {
            rj_hashmap_destroy(groups, NULL);
            groups = NULL;
        }
        data_t *old = NULL;
        if (groups == NULL ||
            rj_hashmap_put(groups, d->group, strlen(d->group), d, (void **)&old) != 0) {
            data_free(d);
        }
        data_free(old);
        pthread_mutex_unlock(&st->lock);
    }
    if (!bloom_ok) {
        rj_log(RJ_LOG_INFO, 0, "%s: bloom filter changed, persisted filter data ignored",
               m->file.path);
    }
    rj_hashmap_destroy(loaded, NULL);
    return 0;
}
