/*
 * Consumer groups in stripes. A group owns an array of channels (each holding
 * a connection reference) and an array of retained subscriptions. Change
 * notifications are collected under the stripe lock as a retained connection
 * list and delivered after unlocking, so the callback may send on the
 * connections or call back into the manager.
 */
#include "broker/consumer_manager.h"

#include "broker/connection_body.h"
#include "common/alloc.h"
#include "common/assert.h"
#include "common/hashmap.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <string.h>

#define STRIPES 32

static const char *const consume_type_names[] = {"CONSUME_ACTIVELY", "CONSUME_PASSIVELY",
                                                 "CONSUME_POP", NULL};
static const char *const message_model_names[] = {"BROADCASTING", "CLUSTERING", NULL};
static const char *const consume_from_where_names[] = {
    "CONSUME_FROM_LAST_OFFSET",
    "CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST",
    "CONSUME_FROM_MIN_OFFSET",
    "CONSUME_FROM_MAX_OFFSET",
    "CONSUME_FROM_FIRST_OFFSET",
    "CONSUME_FROM_TIMESTAMP",
    NULL,
};

static int
parse_name(const char *const *names, const char *name)
{
    for (int i = 0; name != NULL && names[i] != NULL; i++) {
        if (strcmp(names[i], name) == 0) {
            return i;
        }
    }
    return -1;
}

static const char *
name_of(const char *const *names, int n, int v)
{
    return v >= 0 && v < n ? names[v] : names[0];
}

const char *
rj_consume_type_name(int t)
{
    return name_of(consume_type_names, 3, t);
}

int
rj_consume_type_parse(const char *name)
{
    return parse_name(consume_type_names, name);
}

const char *
rj_message_model_name(int m)
{
    return name_of(message_model_names, 2, m);
}

int
rj_message_model_parse(const char *name)
{
    return parse_name(message_model_names, name);
}

const char *
rj_consume_from_where_name(int w)
{
    return name_of(consume_from_where_names, 6, w);
}

int
rj_consume_from_where_parse(const char *name)
{
    return parse_name(consume_from_where_names, name);
}

typedef struct {
    rj_connection_t *conn;
    char *client_id;
    int32_t language;
    int32_t version;
    int64_t last_update_ms;
} channel_t;

typedef struct {
    char *name;
    int consume_type;
    int message_model;
    int consume_from_where;
    channel_t *channels;
    size_t nchannels, cap_channels;
    rj_subscription_t **subs;
    size_t nsubs, cap_subs;
} group_t;

typedef struct {
    pthread_mutex_t lock;
    rj_hashmap_t *groups; /* name -> group_t* */
} stripe_t;

struct rj_consumer_manager {
    stripe_t stripes[STRIPES];
    rj_consumer_ids_changed_cb change_cb;
    void *change_arg;
    rj_consumer_group_removed_cb removed_cb;
    void *removed_arg;
};

/* A pending notification: the group name and its channels, retained. */
typedef struct {
    char *group;
    rj_connection_t **conns;
    size_t n;
} notice_t;

static void
group_free(void *p)
{
    group_t *g = p;
    if (g == NULL) {
        return;
    }
    for (size_t i = 0; i < g->nchannels; i++) {
        rj_connection_release(g->channels[i].conn);
        rj_free(g->channels[i].client_id);
    }
    for (size_t i = 0; i < g->nsubs; i++) {
        rj_subscription_data_release(g->subs[i]);
    }
    rj_free(g->channels);
    rj_free(g->subs);
    rj_free(g->name);
    rj_free(g);
}

int
rj_consumer_manager_create(rj_consumer_manager_t **out)
{
    rj_consumer_manager_t *m = rj_calloc(1, sizeof(*m));
    if (m == NULL) {
        return RJ_ENOMEM;
    }
    int rc = 0;
    for (int i = 0; i < STRIPES; i++) {
        pthread_mutex_init(&m->stripes[i].lock, NULL);
        if ((m->stripes[i].groups = rj_hashmap_create(8)) == NULL) {
            rc = RJ_ENOMEM;
        }
    }
    if (rc != 0) {
        rj_consumer_manager_destroy(m);
        return rc;
    }
    *out = m;
    return 0;
}

void
rj_consumer_manager_destroy(rj_consumer_manager_t *m)
{
    if (m == NULL) {
        return;
    }
    for (int i = 0; i < STRIPES; i++) {
        rj_hashmap_destroy(m->stripes[i].groups, group_free);
        pthread_mutex_destroy(&m->stripes[i].lock);
    }
    rj_free(m);
}

void
rj_consumer_manager_set_change_cb(rj_consumer_manager_t *m, rj_consumer_ids_changed_cb cb,
                                  void *arg)
{
    m->change_cb = cb;
    m->change_arg = arg;
}

void
rj_consumer_manager_set_removed_cb(rj_consumer_manager_t *m, rj_consumer_group_removed_cb cb,
                                   void *arg)
{
    m->removed_cb = cb;
    m->removed_arg = arg;
}

/* Reports a removed group (no lock held) and frees the name copy. */
static void
removed_deliver(rj_consumer_manager_t *m, char *name)
{
    if (name != NULL && m->removed_cb != NULL) {
        m->removed_cb(m->removed_arg, name);
    }
    rj_free(name);
}

static stripe_t *
stripe_of(rj_consumer_manager_t *m, rj_bytes_t group)
{
    return &m->stripes[rj_hash_bytes(group.data, group.len) % STRIPES];
}

/* Snapshot of a group's connections for a notification (stripe lock held). */
static void
notice_take_locked(const group_t *g, notice_t *n)
{
    n->group = rj_strdup(g->name);
    n->n = 0;
    n->conns = g->nchannels ? rj_calloc(g->nchannels, sizeof(rj_connection_t *)) : NULL;
    if (n->group == NULL || (g->nchannels && n->conns == NULL)) {
        rj_log(RJ_LOG_WARN, RJ_ENOMEM, "consumer ids change notice for %s dropped", g->name);
        return;
    }
    for (size_t i = 0; i < g->nchannels; i++) {
        rj_connection_retain(g->channels[i].conn);
        n->conns[n->n++] = g->channels[i].conn;
    }
}

static void
notice_deliver(rj_consumer_manager_t *m, notice_t *n)
{
    if (n->group != NULL && m->change_cb != NULL) {
        m->change_cb(m->change_arg, n->group, n->conns, n->n);
    }
    for (size_t i = 0; i < n->n; i++) {
        rj_connection_release(n->conns[i]);
    }
    rj_free(n->conns);
    rj_free(n->group);
    n->conns = NULL;
    n->group = NULL;
    n->n = 0;
}

static int
grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) {
        return 0;
    }
    size_t ncap = *cap ? *cap * 2 : 4;
    while (ncap < need) {
        ncap *= 2;
    }
    void *p = rj_realloc(*arr, ncap * elem);
    if (p == NULL) {
        return RJ_ENOMEM;
    }
    *arr = p;
    *cap = ncap;
    return 0;
}

/* ConsumerGroupInfo.updateChannel. Returns 1 if a channel joined, 0 if not, <0 on error. */
static int
update_channel_locked(group_t *g, rj_connection_t *conn, rj_bytes_t client_id, int32_t language,
                      int32_t version, int64_t now)
{
    for (size_t i = 0; i < g->nchannels; i++) {
        channel_t *c = &g->channels[i];
        if (c->conn != conn) {
            continue;
        }
        if (!rj_bytes_eq_cstr(client_id, c->client_id)) {
            char *id = rj_bytes_dup(client_id);
            if (id != NULL) {
                rj_log(RJ_LOG_ERROR, 0,
                       "ConsumerGroupInfo: consumer channel exists in broker, but clientId is "
                       "not the same, group=%s old=%s new=%s",
                       g->name, c->client_id, id);
                rj_free(c->client_id);
                c->client_id = id;
            }
        }
        c->language = language;
        c->version = version;
        c->last_update_ms = now;
        return 0;
    }
    char *id = rj_bytes_dup(client_id);
    if (id == NULL ||
        grow((void **)&g->channels, &g->cap_channels, g->nchannels + 1, sizeof(channel_t)) != 0) {
        rj_free(id);
        return RJ_ENOMEM;
    }
    rj_connection_retain(conn);
    g->channels[g->nchannels++] = (channel_t){.conn = conn,
                                              .client_id = id,
                                              .language = language,
                                              .version = version,
                                              .last_update_ms = now};
    rj_log(RJ_LOG_INFO, 0, "new consumer connected, group=%s clientId=%s channel=%s", g->name, id,
           rj_connection_remote_addr(conn));
    return 1;
}

/* ConsumerGroupInfo.updateSubscription. Returns 1 if the topic set changed. */
static int
update_subscription_locked(group_t *g, const rj_consumer_data_t *d)
{
    int changed = 0;
    for (size_t i = 0; i < d->nsubs; i++) {
        rj_subscription_t *s = d->subs[i];
        size_t j;
        for (j = 0; j < g->nsubs; j++) {
            if (strcmp(g->subs[j]->topic, s->topic) == 0) {
                break;
            }
        }
        if (j == g->nsubs) {
            if (grow((void **)&g->subs, &g->cap_subs, g->nsubs + 1, sizeof(*g->subs)) != 0) {
                return RJ_ENOMEM;
            }
            rj_subscription_data_retain(s);
            g->subs[g->nsubs++] = s;
            changed = 1;
            rj_log(RJ_LOG_INFO, 0, "subscription changed, add new topic, group=%s topic=%s",
                   g->name, s->topic);
        } else if (s->sub_version > g->subs[j]->sub_version) {
            rj_subscription_data_retain(s);
            rj_subscription_data_release(g->subs[j]);
            g->subs[j] = s;
        }
    }
    for (size_t j = 0; j < g->nsubs;) {
        bool present = false;
        for (size_t i = 0; i < d->nsubs && !present; i++) {
            present = strcmp(d->subs[i]->topic, g->subs[j]->topic) == 0;
        }
        if (present) {
            j++;
            continue;
        }
        rj_log(RJ_LOG_WARN, 0, "subscription changed, group=%s remove topic %s", g->name,
               g->subs[j]->topic);
        rj_subscription_data_release(g->subs[j]);
        g->subs[j] = g->subs[--g->nsubs];
        changed = 1;
    }
    return changed;
}

bool
rj_consumer_manager_register(rj_consumer_manager_t *m, rj_bytes_t group, rj_connection_t *conn,
                             rj_bytes_t client_id, int32_t language, int32_t version,
                             const rj_consumer_data_t *data, bool notify, int64_t now_ms)
{
    stripe_t *st = stripe_of(m, group);
    notice_t notice = {0};
    int r1 = 0, r2 = 0;
    pthread_mutex_lock(&st->lock);
    group_t *g = rj_hashmap_get(st->groups, group.data, group.len);
    if (g == NULL) {
        g = rj_calloc(1, sizeof(*g));
        if (g == NULL || (g->name = rj_bytes_dup(group)) == NULL ||
            rj_hashmap_put(st->groups, group.data, group.len, g, NULL) != 0) {
            group_free(g);
            pthread_mutex_unlock(&st->lock);
            rj_log(RJ_LOG_ERROR, RJ_ENOMEM, "register consumer");
            return false;
        }
    }
    g->consume_type = data->consume_type;
    g->message_model = data->message_model;
    g->consume_from_where = data->consume_from_where;
    r1 = update_channel_locked(g, conn, client_id, language, version, now_ms);
    r2 = update_subscription_locked(g, data);
    bool changed = r1 > 0 || r2 > 0;
    if (changed && notify) {
        notice_take_locked(g, &notice);
    }
    if (g->nchannels == 0) {
        /* Only possible when adding the channel failed: do not leave an empty group. */
        rj_hashmap_remove(st->groups, group.data, group.len);
        group_free(g);
    }
    pthread_mutex_unlock(&st->lock);
    notice_deliver(m, &notice);
    return changed;
}

/* Removes the channel of `conn` from `g`; true if it was there (stripe lock held). */
static bool
remove_channel_locked(group_t *g, rj_connection_t *conn)
{
    for (size_t i = 0; i < g->nchannels; i++) {
        if (g->channels[i].conn == conn) {
            rj_log(RJ_LOG_INFO, 0, "unregister consumer ok, group=%s clientId=%s", g->name,
                   g->channels[i].client_id);
            rj_connection_release(conn);
            rj_free(g->channels[i].client_id);
            g->channels[i] = g->channels[--g->nchannels];
            return true;
        }
    }
    return false;
}

void
rj_consumer_manager_unregister(rj_consumer_manager_t *m, rj_bytes_t group, rj_connection_t *conn,
                               bool notify)
{
    stripe_t *st = stripe_of(m, group);
    notice_t notice = {0};
    char *removed = NULL;
    pthread_mutex_lock(&st->lock);
    group_t *g = rj_hashmap_get(st->groups, group.data, group.len);
    if (g != NULL) {
        remove_channel_locked(g, conn);
        if (notify) {
            notice_take_locked(g, &notice);
        }
        if (g->nchannels == 0) {
            rj_log(RJ_LOG_INFO, 0,
                   "unregister consumer ok, no any connection, and remove consumer group, %s",
                   g->name);
            rj_hashmap_remove(st->groups, group.data, group.len);
            removed = g->name;
            g->name = NULL;
            group_free(g);
        }
    }
    pthread_mutex_unlock(&st->lock);
    removed_deliver(m, removed);
    notice_deliver(m, &notice);
}

void
rj_consumer_manager_connection_closed(rj_consumer_manager_t *m, rj_connection_t *conn, bool notify)
{
    notice_t *notices = NULL;
    size_t nn = 0, cap = 0;
    char **removed = NULL;
    size_t nremoved = 0, removed_cap = 0;
    for (int s = 0; s < STRIPES; s++) {
        stripe_t *st = &m->stripes[s];
        rj_hashmap_iter_t it;
        const char *key;
        size_t key_len;
        void *value;
        pthread_mutex_lock(&st->lock);
        rj_hashmap_iter_init(st->groups, &it);
        while (rj_hashmap_iter_next(&it, &key, &key_len, &value)) {
            group_t *g = value;
            if (!remove_channel_locked(g, conn)) {
                continue;
            }
            if (notify && g->nchannels > 0 &&
                grow((void **)&notices, &cap, nn + 1, sizeof(notice_t)) == 0) {
                notice_take_locked(g, &notices[nn++]);
            }
            if (g->nchannels == 0) {
                rj_log(RJ_LOG_INFO, 0,
                       "unregister consumer ok, no any connection, and remove consumer group, %s",
                       g->name);
                rj_hashmap_iter_remove(&it);
                if (grow((void **)&removed, &removed_cap, nremoved + 1, sizeof(char *)) == 0) {
                    removed[nremoved++] = g->name;
                    g->name = NULL;
                }
                group_free(g);
            }
        }
        pthread_mutex_unlock(&st->lock);
    }
    for (size_t i = 0; i < nremoved; i++) {
        removed_deliver(m, removed[i]);
    }
    rj_free(removed);
    for (size_t i = 0; i < nn; i++) {
        notice_deliver(m, &notices[i]);
    }
    rj_free(notices);
}

int
rj_consumer_manager_scan_idle(rj_consumer_manager_t *m, int64_t now_ms, int64_t expiry_ms)
{
    int removed = 0;
    for (int s = 0; s < STRIPES; s++) {
        stripe_t *st = &m->stripes[s];
        rj_hashmap_iter_t it;
        const char *key;
        size_t key_len;
        void *value;
        pthread_mutex_lock(&st->lock);
        rj_hashmap_iter_init(st->groups, &it);
        while (rj_hashmap_iter_next(&it, &key, &key_len, &value)) {
            group_t *g = value;
            for (size_t i = 0; i < g->nchannels;) {
                channel_t *c = &g->channels[i];
                if (now_ms - c->last_update_ms <= expiry_ms) {
                    i++;
                    continue;
                }
                rj_log(RJ_LOG_WARN, 0,
                       "SCAN: remove expired channel from ConsumerManager consumerTable. "
                       "channel=%s, consumerGroup=%s",
                       rj_connection_remote_addr(c->conn), g->name);
                rj_connection_close(c->conn);
                rj_connection_release(c->conn);
                rj_free(c->client_id);
                *c = g->channels[--g->nchannels];
                removed++;
            }
            if (g->nchannels == 0) {
                rj_log(RJ_LOG_WARN, 0,
                       "SCAN: remove expired channel from ConsumerManager consumerTable, all "
                       "clear, consumerGroup=%s",
                       g->name);
                rj_hashmap_iter_remove(&it);
                group_free(g);
            }
        }
        pthread_mutex_unlock(&st->lock);
    }
    return removed;
}

void
rj_consumer_manager_lookup(rj_consumer_manager_t *m, rj_bytes_t group, rj_bytes_t topic,
                           rj_consumer_lookup_t *out)
{
    stripe_t *st = stripe_of(m, group);
    out->group_found = false;
    out->message_model = RJ_MODEL_CLUSTERING;
    out->sub = NULL;
    pthread_mutex_lock(&st->lock);
    const group_t *g = rj_hashmap_get(st->groups, group.data, group.len);
    if (g != NULL) {
        out->group_found = true;
        out->message_model = g->message_model;
        for (size_t i = 0; i < g->nsubs; i++) {
            if (rj_bytes_eq_cstr(topic, g->subs[i]->topic)) {
                rj_subscription_data_retain(g->subs[i]);
                out->sub = g->subs[i];
                break;
            }
        }
    }
    pthread_mutex_unlock(&st->lock);
}

size_t
rj_consumer_manager_channels(rj_consumer_manager_t *m, rj_bytes_t group,
                             rj_consumer_channel_t **out)
{
    stripe_t *st = stripe_of(m, group);
    size_t n = 0;
    *out = NULL;
    pthread_mutex_lock(&st->lock);
    const group_t *g = rj_hashmap_get(st->groups, group.data, group.len);
    if (g != NULL && g->nchannels > 0) {
        rj_consumer_channel_t *c = rj_calloc(g->nchannels, sizeof(*c));
        if (c != NULL) {
            for (size_t i = 0; i < g->nchannels; i++) {
                c[n].client_id = rj_strdup(g->channels[i].client_id);
                if (c[n].client_id == NULL) {
                    continue;
                }
                c[n].conn = g->channels[i].conn;
                rj_connection_retain(c[n].conn);
                c[n].language = g->channels[i].language;
                c[n].version = g->channels[i].version;
                c[n].last_update_ms = g->channels[i].last_update_ms;
                n++;
            }
            *out = c;
        }
    }
    pthread_mutex_unlock(&st->lock);
    return n;
}

void
rj_consumer_channels_free(rj_consumer_channel_t *chans, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rj_connection_release(chans[i].conn);
        rj_free(chans[i].client_id);
    }
    rj_free(chans);
}

int
rj_consumer_manager_write_connection(rj_consumer_manager_t *m, rj_bytes_t group,
                                     rj_json_writer_t *w)
{
    stripe_t *st = stripe_of(m, group);
    int rc = RJ_ENOTFOUND;
    pthread_mutex_lock(&st->lock);
    const group_t *g = rj_hashmap_get(st->groups, group.data, group.len);
    if (g != NULL && g->nchannels > 0) {
        rc = 0;
        rj_jw_object_begin(w);
        rj_jw_key(w, "connectionSet");
        rj_jw_array_begin(w);
        for (size_t i = 0; i < g->nchannels; i++) {
            const channel_t *c = &g->channels[i];
            rj_connection_body_write(w, c->conn, c->client_id, c->language, c->version);
        }
        rj_jw_array_end(w);
        rj_jw_key(w, "consumeFromWhere");
        rj_jw_string(w, rj_consume_from_where_name(g->consume_from_where));
        rj_jw_key(w, "consumeType");
        rj_jw_string(w, rj_consume_type_name(g->consume_type));
        rj_jw_key(w, "messageModel");
        rj_jw_string(w, rj_message_model_name(g->message_model));
        rj_jw_key(w, "subscriptionTable");
        rj_jw_object_begin(w);
        for (size_t i = 0; i < g->nsubs; i++) {
            rj_jw_key(w, g->subs[i]->topic);
            rj_subscription_data_write(g->subs[i], w);
        }
        rj_jw_object_end(w);
        rj_jw_object_end(w);
    }
    pthread_mutex_unlock(&st->lock);
    return rc;
}

static void
visit_groups(rj_consumer_manager_t *m, const rj_bytes_t *topic, rj_consumer_group_visit_cb cb,
             void *arg)
{
    for (int s = 0; s < STRIPES; s++) {
        stripe_t *st = &m->stripes[s];
        rj_hashmap_iter_t it;
        const char *key;
        size_t key_len;
        void *value;
        pthread_mutex_lock(&st->lock);
        rj_hashmap_iter_init(st->groups, &it);
        while (rj_hashmap_iter_next(&it, &key, &key_len, &value)) {
            const group_t *g = value;
            bool match = topic == NULL;
            for (size_t i = 0; !match && i < g->nsubs; i++) {
                match = rj_bytes_eq_cstr(*topic, g->subs[i]->topic);
            }
            if (match) {
                cb(arg, g->name);
            }
        }
        pthread_mutex_unlock(&st->lock);
    }
}

void
rj_consumer_manager_groups_of_topic(rj_consumer_manager_t *m, rj_bytes_t topic,
                                    rj_consumer_group_visit_cb cb, void *arg)
{
    visit_groups(m, &topic, cb, arg);
}

void
rj_consumer_manager_for_each_group(rj_consumer_manager_t *m, rj_consumer_group_visit_cb cb,
                                   void *arg)
{
    visit_groups(m, NULL, cb, arg);
}

bool
rj_consumer_manager_group_topics(rj_consumer_manager_t *m, rj_bytes_t group,
                                 rj_consumer_group_visit_cb cb, void *arg)
{
    stripe_t *st = stripe_of(m, group);
    pthread_mutex_lock(&st->lock);
    const group_t *g = rj_hashmap_get(st->groups, group.data, group.len);
    if (g != NULL && cb != NULL) {
        for (size_t i = 0; i < g->nsubs; i++) {
            cb(arg, g->subs[i]->topic);
        }
    }
    pthread_mutex_unlock(&st->lock);
    return g != NULL;
}
