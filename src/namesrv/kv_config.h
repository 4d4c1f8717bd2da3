/*
 * The name server's namespaced key/value configuration (RocketMQ's
 * KVConfigManager, requests.md §A6): namespace -> key -> value, all strings.
 * It is the only state a name server persists: every change rewrites
 * `kvConfig.json` as `{"configTable":{"<ns>":{"<k>":"<v>"}}}` (crash-safe,
 * previous copy kept as kvConfig.json.bak).
 *
 * Thread-safe. Reads take a read lock and never touch the disk (fine on an
 * I/O thread); rj_kv_config_put/delete write the file and so must run on a
 * worker thread.
 */
#ifndef RJ_NAMESRV_KV_CONFIG_H
#define RJ_NAMESRV_KV_CONFIG_H

#include "common/buf.h"

/* Namespace whose entries ("brokerName:queueNum;...") feed orderTopicConf. */
#define RJ_KV_NAMESPACE_ORDER_TOPIC_CONFIG "ORDER_TOPIC_CONFIG"

typedef struct rj_kv_config rj_kv_config_t;

/* `path` may start with "~". NULL when out of memory. Nothing is read yet. */
rj_kv_config_t *rj_kv_config_create(const char *path);
void rj_kv_config_destroy(rj_kv_config_t *kv);

const char *rj_kv_config_path(const rj_kv_config_t *kv);

/*
 * Loads the file (or its .bak copy when the file is missing or unreadable as
 * JSON). A missing file means an empty table. Returns 0, RJ_ECORRUPT when
 * neither copy parses, or -errno.
 */
int rj_kv_config_load(rj_kv_config_t *kv);

/* Sets and persists. Returns 0, RJ_ENOMEM, or the write's -errno (memory is updated anyway). */
int rj_kv_config_put(rj_kv_config_t *kv, const char *ns, const char *key, const char *value);

/* Removes (a missing key is fine) and persists. The namespace itself stays, as in Java. */
int rj_kv_config_delete(rj_kv_config_t *kv, const char *ns, const char *key);

/* A heap copy of the value (rj_free it) in *value. Returns 0, RJ_ENOTFOUND or RJ_ENOMEM. */
int rj_kv_config_get(rj_kv_config_t *kv, const char *ns, const char *key, char **value);

/*
 * KVTable `{"table":{"k":"v"}}` of a namespace appended to `out`. Returns 0,
 * RJ_ENOTFOUND when the namespace was never created, or RJ_ENOMEM.
 */
int rj_kv_config_namespace_json(rj_kv_config_t *kv, const char *ns, rj_buf_t *out);

#endif
