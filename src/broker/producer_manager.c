/*
 * Producer groups: group name -> array of channels (connection references),
 * and client id -> connection (Java's clientChannelTable) for replies pushed
 * to the requesting client.
 */
#include "broker/producer_manager.h"

#include "broker/connection_body.h"
#include "common/alloc.h"
#include "common/hashmap.h"
#include "common/log.h"
#include "remoting/language_code.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    rj_connection_t *conn;
    char *client_id;
    int32_t language;
    int32_t version;
    int64_t last_update_ms;
} channel_t;

typedef struct {
    channel_t *channels;
    size_t n, cap;
} group_t;

struct rj_producer_manager {
    pthread_mutex_t lock;
    rj_hashmap_t *groups;
    /*
     * client id -> the connection of its latest registration. Borrowed: an
     * entry exists only while some group holds a channel with that id and
     * connection (the channel's reference keeps it alive); removing such a
     * channel removes the entry if it still points to that connection.
     */
    rj_hashmap_t *clients;
};

static void
group_free(void *p)
{
    group_t *g = p;
    if (g == NULL) {
        return;
    }
    for (size_t i = 0; i < g->n; i++) {
        rj_connection_release(g->channels[i].conn);
        rj_free(g->channels[i].client_id);
    }
    rj_free(g->channels);
    rj_free(g);
}

int
rj_producer_manager_create(rj_producer_manager_t **out)
{
    rj_producer_manager_t *m = rj_calloc(1, sizeof(*m));
    if (m == NULL) {
        return RJ_ENOMEM;
    }
    pthread_mutex_init(&m->lock, NULL);
    if ((m->groups = rj_hashmap_create(16)) == NULL ||
        (m->clients = rj_hashmap_create(16)) == NULL) {
        rj_producer_manager_destroy(m);
        return RJ_ENOMEM;
    }
    *out = m;
    return 0;
}

void
rj_producer_manager_destroy(rj_producer_manager_t *m)
{
    if (m == NULL) {
        return;
    }
    rj_hashmap_destroy(m->clients, NULL);
    rj_hashmap_destroy(m->groups, group_free);
    pthread_mutex_destroy(&m->lock);
    rj_free(m);
}

int
rj_producer_manager_register(rj_producer_manager_t *m, rj_bytes_t group, rj_connection_t *conn,
                             rj_bytes_t client_id, int32_t language, int32_t version,
                             int64_t now_ms)
{
    int rc = 0;
    pthread_mutex_lock(&m->lock);
    group_t *g = rj_hashmap_get(m->groups, group.data, group.len);
    if (g == NULL) {
        g = rj_calloc(1, sizeof(*g));
        if (g == NULL || rj_hashmap_put(m->groups, group.data, group.len, g, NULL) != 0) {
            rj_free(g);
            rc = RJ_ENOMEM;
            goto done;
        }
    }
    for (size_t i = 0; i < g->n; i++) {
        if (g->channels[i].conn == conn) {
            g->channels[i].last_update_ms = now_ms;
            /* Keyed by the channel's own id, so that removing the channel finds the entry. */
            rc = rj_hashmap_put_cstr(m->clients, g->channels[i].client_id, conn, NULL);
            goto done;
        }
    }
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 4;
        channel_t *p = rj_realloc(g->channels, cap * sizeof(*p));
        if (p == NULL) {
            rc = RJ_ENOMEM;
            goto done;
        }
        g->channels = p;
        g->cap = cap;
    }
    char *id = rj_bytes_dup(client_id);
    if (id == NULL) {
        rc = RJ_ENOMEM;
        goto done;
    }
    if (rj_hashmap_put_cstr(m->clients, id, conn, NULL) != 0) {
        rj_free(id);
        rc = RJ_ENOMEM;
        goto done;
    }
    rj_connection_retain(conn);
    g->channels[g->n++] = (channel_t){conn, id, language, version, now_ms};
    rj_log(RJ_LOG_INFO, 0, "new producer connected, group=%.*s clientId=%s channel=%s",
           (int)group.len, (const char *)group.data, id, rj_connection_remote_addr(conn));
done:
    if (g != NULL && g->n == 0) {
        rj_hashmap_remove(m->groups, group.data, group.len);
        group_free(g);
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

/* Removes `conn` from `g` and its client entry (lock held); true if found. */
static bool
remove_locked(rj_producer_manager_t *m, group_t *g, rj_connection_t *conn, bool close)
{
    for (size_t i = 0; i < g->n; i++) {
        if (g->channels[i].conn == conn) {
            if (rj_hashmap_get_cstr(m->clients, g->channels[i].client_id) == conn) {
                rj_hashmap_remove_cstr(m->clients, g->channels[i].client_id);
            }
            if (close) {
                rj_connection_close(conn);
            }
            rj_connection_release(conn);
            rj_free(g->channels[i].client_id);
            g->channels[i] = g->channels[--g->n];
            return true;
        }
    }
    return false;
}

void
rj_producer_manager_unregister(rj_producer_manager_t *m, rj_bytes_t group, rj_connection_t *conn)
{
    pthread_mutex_lock(&m->lock);
    group_t *g = rj_hashmap_get(m->groups, group.data, group.len);
    if (g != NULL && remove_locked(m, g, conn, false)) {
        rj_log(RJ_LOG_INFO, 0, "unregister a producer %.*s from groupChannelTable", (int)group.len,
               (const char *)group.data);
        if (g->n == 0) {
            rj_hashmap_remove(m->groups, group.data, group.len);
            group_free(g);
        }
    }
    pthread_mutex_unlock(&m->lock);
}

void
rj_producer_manager_connection_closed(rj_producer_manager_t *m, rj_connection_t *conn)
{
    rj_hashmap_iter_t it;
    const char *key;
    size_t key_len;
    void *value;
    pthread_mutex_lock(&m->lock);
    rj_hashmap_iter_init(m->groups, &it);
    while (rj_hashmap_iter_next(&it, &key, &key_len, &value)) {
        group_t *g = value;
        if (remove_locked(m, g, conn, false) && g->n == 0) {
            rj_hashmap_iter_remove(&it);
            group_free(g);
        }
    }
    pthread_mutex_unlock(&m->lock);
}

int
rj_producer_manager_scan_idle(rj_producer_manager_t *m, int64_t now_ms, int64_t expiry_ms)
{
    int removed = 0;
    rj_hashmap_iter_t it;
    const char *key;
    size_t key_len;
    void *value;
    pthread_mutex_lock(&m->lock);
    rj_hashmap_iter_init(m->groups, &it);
    while (rj_hashmap_iter_next(&it, &key, &key_len, &value)) {
        group_t *g = value;
        for (size_t i = 0; i < g->n;) {
            if (now_ms - g->channels[i].last_update_ms > expiry_ms) {
                rj_log(RJ_LOG_WARN, 0,
                       "SCAN: remove expired channel[%s] from ProducerManager groupChannelTable, "
                       "producer group name: %s",
                       rj_connection_remote_addr(g->channels[i].conn), key);
                remove_locked(m, g, g->channels[i].conn, true);
                removed++;
            } else {
                i++;
            }
        }
        if (g->n == 0) {
            rj_hashmap_iter_remove(&it);
            group_free(g);
        }
    }
    pthread_mutex_unlock(&m->lock);
    return removed;
}

int
rj_producer_manager_write_connection(rj_producer_manager_t *m, rj_bytes_t group,
                                     rj_json_writer_t *w)
{
    pthread_mutex_lock(&m->lock);
    const group_t *g = rj_hashmap_get(m->groups, group.data, group.len);
    if (g == NULL) {
        pthread_mutex_unlock(&m->lock);
        return RJ_ENOTFOUND;
    }
    rj_jw_object_begin(w);
    rj_jw_key(w, "connectionSet");
    rj_jw_array_begin(w);
    for (size_t i = 0; g != NULL && i < g->n; i++) {
        const channel_t *c = &g->channels[i];
        rj_connection_body_write(w, c->conn, c->client_id, c->language, c->version);
    }
    rj_jw_array_end(w);
    rj_jw_object_end(w);
    pthread_mutex_unlock(&m->lock);
    return 0;
}

void
rj_producer_manager_write_all(rj_producer_manager_t *m, rj_json_writer_t *w)
{
    rj_hashmap_iter_t it;
    const char *key;
    size_t key_len;
    void *value;
    rj_jw_object_begin(w);
    rj_jw_key(w, "data");
    rj_jw_object_begin(w);
    pthread_mutex_lock(&m->lock);
    rj_hashmap_iter_init(m->groups, &it);
    while (rj_hashmap_iter_next(&it, &key, &key_len, &value)) {
        const group_t *g = value;
        rj_jw_key_n(w, key, key_len);
        rj_jw_array_begin(w);
        for (size_t i = 0; i < g->n; i++) {
            const channel_t *c = &g->channels[i];
            const char *lang = rj_language_code_name(c->language);
            char remote[96];
            snprintf(remote, sizeof(remote), "/%s", rj_connection_remote_addr(c->conn));
            rj_jw_object_begin(w);
            rj_jw_key(w, "clientId");
            rj_jw_string(w, c->client_id);
            rj_jw_key(w, "language");
            rj_jw_string(w, lang ? lang : "OTHER");
            rj_jw_key(w, "lastUpdateTimestamp");
            rj_jw_int(w, c->last_update_ms);
            rj_jw_key(w, "remoteIP");
            rj_jw_string(w, remote);
            rj_jw_key(w, "version");
            rj_jw_int(w, c->version);
            rj_jw_object_end(w);
        }
        rj_jw_array_end(w);
    }
    pthread_mutex_unlock(&m->lock);
    rj_jw_object_end(w);
    rj_jw_object_end(w);
}

rj_connection_t *
rj_producer_manager_any_channel(rj_producer_manager_t *m, rj_bytes_t group)
{
    rj_connection_t *conn = NULL;
    pthread_mutex_lock(&m->lock);
    const group_t *g = rj_hashmap_get(m->groups, group.data, group.len);
    for (size_t i = 0; g != NULL && i < g->n && conn == NULL; i++) {
        if (rj_connection_is_open(g->channels[i].conn)) {
            conn = g->channels[i].conn;
            rj_connection_retain(conn);
        }
    }
    pthread_mutex_unlock(&m->lock);
    return conn;
}

rj_connection_t *
rj_producer_manager_find_client(rj_producer_manager_t *m, rj_bytes_t client_id)
{
    pthread_mutex_lock(&m->lock);
    rj_connection_t *conn = rj_hashmap_get(m->clients, client_id.data, client_id.len);
    if (conn != NULL) {
        rj_connection_retain(conn);
    }
    pthread_mutex_unlock(&m->lock);
    return conn;
}

size_t
rj_producer_manager_channel_count(rj_producer_manager_t *m)
{
    size_t n = 0;
    rj_hashmap_iter_t it;
    const char *key;
    size_t key_len;
    void *value;
    pthread_mutex_lock(&m->lock);
    rj_hashmap_iter_init(m->groups, &it);
    while (rj_hashmap_iter_next(&it, &key, &key_len, &value)) {
        n += ((const group_t *)value)->n;
    }
    pthread_mutex_unlock(&m->lock);
    return n;
}
