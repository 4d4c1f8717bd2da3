/*
 * UPDATE_NAMESRV_CONFIG (318) and GET_NAMESRV_CONFIG (319), requests.md §A7.
 *
 * GET answers the whole configuration as properties text ("key=value\n").
 * UPDATE takes properties text: any black-listed key refuses the whole update
 * (NO_PERMISSION, as Java); every known key's value is validated first, so a
 * bad value changes nothing (SYSTEM_ERROR naming it; Java would ignore it
 * silently); unknown keys are ignored as in Java. Accepted values are applied,
 * live ones take effect at once (orderMessageEnable, scanNotActiveBrokerInterval,
 * brokerChannelExpiredTime, logLevel), and the configuration is persisted to
 * configStorePath as Java's Configuration does. UPDATE writes a file: WORKER.
 */
#include "common/alloc.h"
#include "common/buf.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/properties.h"
#include "namesrv/namesrv_internal.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    char **keys;
    char **values;
    size_t count;
    size_t cap;
} pairs_t;

static int
collect_pair(const char *key, const char *value, int line, void *arg)
{
    (void)line;
    pairs_t *p = arg;
    if (p->count == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 8;
        char **k = rj_realloc(p->keys, ncap * sizeof(char *));
        if (k == NULL) {
            return RJ_ENOMEM;
        }
        p->keys = k;
        char **v = rj_realloc(p->values, ncap * sizeof(char *));
        if (v == NULL) {
            return RJ_ENOMEM;
        }
        p->values = v;
        p->cap = ncap;
    }
    p->keys[p->count] = rj_strdup(key);
    p->values[p->count] = rj_strdup(value);
    if (p->keys[p->count] == NULL || p->values[p->count] == NULL) {
        rj_free(p->keys[p->count]);
        rj_free(p->values[p->count]);
        return RJ_ENOMEM;
    }
    p->count++;
    return 0;
}

static void
pairs_cleanup(pairs_t *p)
{
    for (size_t i = 0; i < p->count; i++) {
        rj_free(p->keys[i]);
        rj_free(p->values[i]);
    }
    rj_free(p->keys);
    rj_free(p->values);
}

/* Makes the live options effective. config_lock held. */
static void
apply_live_locked(rj_namesrv_t *ns)
{
    atomic_store(&ns->order_message_enable, ns->config.order_message_enable);
    atomic_store(&ns->scan_interval_ms, ns->config.scan_not_active_broker_interval_ms);
    rj_route_table_set_default_expiry(ns->routes, ns->config.broker_channel_expired_time_ms);
    rj_log_set_level((rj_log_level_t)ns->config.log_level);
}

/* Writes the whole configuration to configStorePath. config_lock held. */
static int
persist_locked(rj_namesrv_t *ns, char *err, size_t err_size)
{
    rj_buf_t text = RJ_BUF_INIT;
    char *path = rj_fs_expand_home(ns->config.config_store_path);
    int rc =
        path != NULL ? rj_config_format(rj_namesrv_config_options, &ns->config, &text) : RJ_ENOMEM;
    if (rc == 0) {
        char *slash = strrchr(path, '/');
        if (slash != NULL && slash != path) {
            *slash = '\0';
            rc = rj_fs_mkdirs(path, 0755);
            *slash = '/';
        }
    }
    if (rc == 0) {
        rc = rj_fs_write_atomic(path, text.data, text.len);
    }
    if (rc != 0) {
        snprintf(err, err_size, "configuration updated but not persisted to %s: %s",
                 path != NULL ? path : "?", rj_strerror(rc));
        rj_log(RJ_LOG_ERROR, rc, "namesrv: persisting the configuration to %s failed",
               path != NULL ? path : "?");
    }
    rj_free(path);
    rj_buf_cleanup(&text);
    return rc;
}

static int
handle_update(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_namesrv_t *ns = arg;
    if (cmd->body.len == 0) {
        return rj_namesrv_reply(req, cmd, RJ_RESP_SUCCESS, NULL, NULL, false);
    }
    pairs_t pairs = {0};
    char err[512] = "";
    int code = RJ_RESP_SUCCESS;
    int rc = rj_properties_parse((const char *)cmd->body.data, cmd->body.len, collect_pair, &pairs);
    if (rc != 0) {
        pairs_cleanup(&pairs);
        return rc;
    }

    pthread_mutex_lock(&ns->config_lock);
    for (size_t i = 0; i < pairs.count && code == RJ_RESP_SUCCESS; i++) {
        if (rj_namesrv_config_is_blacklisted(&ns->config, pairs.keys[i])) {
            code = RJ_RESP_NO_PERMISSION;
            snprintf(err, sizeof(err), "Can not update config in black list.");
        }
    }
    /* Validate every value on a scratch copy before changing anything. */
    rj_namesrv_config_t scratch;
    bool scratch_ok = code == RJ_RESP_SUCCESS && rj_namesrv_config_init(&scratch) == 0;
    for (size_t i = 0; scratch_ok && i < pairs.count && code == RJ_RESP_SUCCESS; i++) {
        rc = rj_config_set(rj_namesrv_config_options, &scratch, pairs.keys[i], pairs.values[i], err,
                           sizeof(err));
        if (rc != 0 && rc != RJ_ENOTFOUND) {
            code = RJ_RESP_SYSTEM_ERROR;
        }
    }
    if (scratch_ok) {
        rj_namesrv_config_cleanup(&scratch);
    }
    if (code == RJ_RESP_SUCCESS) {
        for (size_t i = 0; i < pairs.count; i++) {
            const rj_config_option_t *o = rj_config_find(rj_namesrv_config_options, pairs.keys[i]);
            if (o == NULL) {
                rj_log(RJ_LOG_WARN, 0, "namesrv: UPDATE_NAMESRV_CONFIG: unknown key %s ignored",
                       pairs.keys[i]);
                continue;
            }
            rj_config_set(rj_namesrv_config_options, &ns->config, pairs.keys[i], pairs.values[i],
                          err, sizeof(err));
            rj_log(RJ_LOG_INFO, 0, "namesrv: config %s=%s%s", pairs.keys[i], pairs.values[i],
                   (o->flags & RJ_CONFIG_LIVE) ? "" : " (takes effect after a restart)");
        }
        apply_live_locked(ns);
        if (persist_locked(ns, err, sizeof(err)) != 0) {
            code = RJ_RESP_SYSTEM_ERROR;
        }
    }
    pthread_mutex_unlock(&ns->config_lock);
    pairs_cleanup(&pairs);
    return rj_namesrv_reply(req, cmd, code, code == RJ_RESP_SUCCESS ? NULL : err, NULL, false);
}

static int
handle_get(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_namesrv_t *ns = arg;
    rj_buf_t body = RJ_BUF_INIT;
    pthread_mutex_lock(&ns->config_lock);
    int rc = rj_config_format(rj_namesrv_config_options, &ns->config, &body);
    pthread_mutex_unlock(&ns->config_lock);
    if (rc == 0) {
        rc = rj_namesrv_reply(req, cmd, RJ_RESP_SUCCESS, NULL, &body, false);
    }
    rj_buf_cleanup(&body);
    return rc;
}

int
rj_processor_config_register(rj_namesrv_t *ns)
{
    int rc = rj_server_register(ns->server, RJ_REQ_UPDATE_NAMESRV_CONFIG, RJ_DISPATCH_WORKER,
                                handle_update, ns);
    if (rc == 0) {
        rc = rj_server_register(ns->server, RJ_REQ_GET_NAMESRV_CONFIG, RJ_DISPATCH_INLINE,
                                handle_get, ns);
    }
    return rc;
}
