/*
 * Fake cluster for client unit tests (see fake_cluster.h). All state sits
 * under one mutex; handlers run inline on the servers' I/O threads; a poller
 * thread completes parked (long-polling) pulls.
 */
#include "fake_cluster.h"

#include "common/alloc.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/json_writer.h"
#include "common/message_id.h"
#include "common/message_properties.h"
#include "common/message_record.h"
#include "ramjet/status.h"
#include "remoting/connection.h"
#include "remoting/server.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BROKERS 4
#define MAX_TOPICS 64
#define MAX_CLIENTS 64
#define MAX_PARKED 256
#define MAX_CODES 512

typedef struct {
    int broker;
    char topic[128];
    int32_t queue_id;
    int64_t queue_offset;
    int64_t phy;
    char tags[128];
    rj_buf_t rec;
} stored_t;

typedef struct {
    char name[128];
    int queue_nums;
} topic_t;

typedef struct {
    char client_id[160];
    char group[128];
    int broker;
    rj_connection_t *conn;
    char subs[8][2][128]; /* topic, expression */
    int sub_count;
    bool producer;
} client_t;

typedef struct {
    rj_deferred_t *d;
    int broker;
    char group[128];
    char topic[128];
    int32_t queue_id;
    int64_t offset;
    int32_t max;
    char expr[256];
    int64_t deadline;
} parked_t;

typedef struct {
    char key[400];
    int64_t offset;
} offset_t;

typedef struct {
    char key[400];
    char client_id[160];
} lock_t;

typedef struct {
    fake_cluster_t *fc;
    int index;
    rj_server_t *srv;
    char addr[64];
    bool stopped;
    bool routed;
} broker_t;

struct fake_cluster {
    pthread_mutex_t lock;
    rj_server_t *ns;
    char ns_addr[64];
    broker_t brokers[MAX_BROKERS];
    int broker_count;
    topic_t topics[MAX_TOPICS];
    int topic_count;
    bool auto_create;
    bool offset_not_found;
    stored_t *stored;
    size_t stored_count, stored_cap;
    int64_t next_phy;
    client_t clients[MAX_CLIENTS];
    int client_count;
    parked_t parked[MAX_PARKED];
    int parked_count;
    offset_t *offsets;
    size_t offset_count, offset_cap;
    lock_t locks[256];
    int lock_count;
    int fail_broker, fail_count;
    int32_t fail_code;
    int code_counts[MAX_CODES];
    rj_command_t *last_cmd[MAX_CODES];
    rj_deferred_t *held[64]; /* requests never answered (silence injection) */
    int held_count;
    pthread_t poller;
    bool stopping;
};

static int
code_slot(int32_t code)
{
    return code >= 0 && code < MAX_CODES ? code : MAX_CODES - 1;
}

static void
record_request(fake_cluster_t *fc, const rj_command_t *cmd)
{
    int s = code_slot(cmd->code);
    fc->code_counts[s]++;
    rj_command_destroy(fc->last_cmd[s]);
    fc->last_cmd[s] = rj_command_dup(cmd);
}

static topic_t *
find_topic(fake_cluster_t *fc, const char *name)
{
    for (int i = 0; i < fc->topic_count; i++) {
        if (strcmp(fc->topics[i].name, name) == 0) {
            return &fc->topics[i];
        }
    }
    return NULL;
}

static topic_t *
add_topic_locked(fake_cluster_t *fc, const char *name, int queue_nums)
{
    topic_t *t = find_topic(fc, name);
    if (t == NULL && fc->topic_count < MAX_TOPICS) {
        t = &fc->topics[fc->topic_count++];
        size_t len = strnlen(name, sizeof(t->name) - 1);
        memcpy(t->name, name, len);
        t->name[len] = '\0';
    }
    if (t != NULL) {
        t->queue_nums = queue_nums;
    }
    return t;
}

static int
reply(rj_request_t *req, int32_t code, const char *remark, const char *const *kv, rj_bytes_t body)
{
    rj_command_t resp;

    rj_command_init_request(&resp, code);
    if (remark != NULL) {
        rj_command_set_remark_cstr(&resp, remark);
    }
    rj_command_mark_ext_fields(&resp);
    for (int i = 0; kv != NULL && kv[i] != NULL; i += 2) {
        rj_command_add_ext_cstr(&resp, kv[i], kv[i + 1]);
    }
    resp.body = body;
    return rj_request_reply(req, &resp);
}

static bool
ext_str(const rj_command_t *cmd, const char *key, char *out, size_t size)
{
    rj_bytes_t v;
    out[0] = '\0';
    if (!rj_command_ext_get(cmd, key, &v)) {
        return false;
    }
    rj_bytes_copy_cstr(v, out, size);
    return true;
}

static int64_t
ext_i64(const rj_command_t *cmd, const char *key, int64_t def)
{
    int64_t v;
    return rj_command_ext_i64(cmd, key, &v) == 0 ? v : def;
}

/* ------------------------------------------------------------- name server */

static void
write_route(fake_cluster_t *fc, const char *topic, int queue_nums, int perm, rj_buf_t *out)
{
    rj_json_writer_t w;

    rj_jw_init(&w, out, 0);
    rj_jw_object_begin(&w);
    rj_jw_key(&w, "brokerDatas");
    rj_jw_array_begin(&w);
    for (int i = 0; i < fc->broker_count; i++) {
        if (!fc->brokers[i].routed) {
            continue;
        }
        char name[32];
        snprintf(name, sizeof(name), "broker-%d", i);
        rj_jw_object_begin(&w);
        rj_jw_key(&w, "brokerAddrs");
        rj_jw_object_begin(&w);
        rj_jw_key(&w, "0");
        rj_jw_string(&w, fc->brokers[i].addr);
        rj_jw_object_end(&w);
        rj_jw_key(&w, "brokerName");
        rj_jw_string(&w, name);
        rj_jw_key(&w, "cluster");
        rj_jw_string(&w, "DefaultCluster");
        rj_jw_object_end(&w);
    }
    rj_jw_array_end(&w);
    rj_jw_key(&w, "filterServerTable");
    rj_jw_object_begin(&w);
    rj_jw_object_end(&w);
    rj_jw_key(&w, "queueDatas");
    rj_jw_array_begin(&w);
    for (int i = 0; i < fc->broker_count; i++) {
        if (!fc->brokers[i].routed) {
            continue;
        }
        char name[32];
        snprintf(name, sizeof(name), "broker-%d", i);
        rj_jw_object_begin(&w);
        rj_jw_key(&w, "brokerName");
        rj_jw_string(&w, name);
        rj_jw_key(&w, "perm");
        rj_jw_int(&w, perm);
        rj_jw_key(&w, "readQueueNums");
        rj_jw_int(&w, queue_nums);
        rj_jw_key(&w, "topicSysFlag");
        rj_jw_int(&w, 0);
        rj_jw_key(&w, "writeQueueNums");
        rj_jw_int(&w, queue_nums);
        rj_jw_object_end(&w);
    }
    rj_jw_array_end(&w);
    rj_jw_object_end(&w);
    rj_jw_finish(&w);
}

static int
ns_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    fake_cluster_t *fc = arg;
    char topic[128];
    rj_buf_t body = RJ_BUF_INIT;
    int rc;

    pthread_mutex_lock(&fc->lock);
    record_request(fc, cmd);
    if (cmd->code == 106) {
        rj_json_writer_t w;
        rj_jw_init(&w, &body, 0);
        rj_jw_object_begin(&w);
        rj_jw_key(&w, "brokerAddrTable");
        rj_jw_object_begin(&w);
        for (int i = 0; i < fc->broker_count; i++) {
            char name[32];
            snprintf(name, sizeof(name), "broker-%d", i);
            rj_jw_key(&w, name);
            rj_jw_object_begin(&w);
            rj_jw_key(&w, "brokerAddrs");
            rj_jw_object_begin(&w);
            rj_jw_key_int_unquoted(&w, 0);
            rj_jw_string(&w, fc->brokers[i].addr);
            rj_jw_object_end(&w);
            rj_jw_key(&w, "brokerName");
            rj_jw_string(&w, name);
            rj_jw_key(&w, "cluster");
            rj_jw_string(&w, "DefaultCluster");
            rj_jw_object_end(&w);
        }
        rj_jw_object_end(&w);
        rj_jw_key(&w, "clusterAddrTable");
        rj_jw_object_begin(&w);
        rj_jw_key(&w, "DefaultCluster");
        rj_jw_array_begin(&w);
        for (int i = 0; i < fc->broker_count; i++) {
            char name[32];
            snprintf(name, sizeof(name), "broker-%d", i);
            rj_jw_string(&w, name);
        }
        rj_jw_array_end(&w);
        rj_jw_object_end(&w);
        rj_jw_object_end(&w);
        rj_jw_finish(&w);
        pthread_mutex_unlock(&fc->lock);
        rc = reply(req, 0, NULL, NULL, rj_buf_view(&body));
        rj_buf_cleanup(&body);
        return rc;
    }
    ext_str(cmd, "topic", topic, sizeof(topic));
    topic_t *t = find_topic(fc, topic);
    if (t != NULL) {
        write_route(fc, topic, t->queue_nums, 6, &body);
    } else if (fc->auto_create && strcmp(topic, "TBW102") == 0) {
        write_route(fc, topic, 8, 7, &body);
    }
    pthread_mutex_unlock(&fc->lock);
    if (body.len == 0) {
        char remark[256];
        snprintf(remark, sizeof(remark), "No topic route info in name server for the topic: %s",
                 topic);
        rc = reply(req, 17, remark, NULL, RJ_BYTES_NULL);
    } else {
        rc = reply(req, 0, NULL, NULL, rj_buf_view(&body));
    }
    rj_buf_cleanup(&body);
    return rc;
}

/* ----------------------------------------------------------------- storage */

static size_t
queue_count_locked(fake_cluster_t *fc, int broker, const char *topic, int32_t qid)
{
    size_t n = 0;
    for (size_t i = 0; i < fc->stored_count; i++) {
        const stored_t *s = &fc->stored[i];
        n += s->broker == broker && s->queue_id == qid && strcmp(s->topic, topic) == 0;
    }
    return n;
}

static int
store_locked(fake_cluster_t *fc, int broker, const char *topic, int32_t qid, int32_t flag,
             int32_t sys_flag, int64_t born, const struct sockaddr_storage *born_addr,
             int32_t reconsume, rj_bytes_t body, rj_bytes_t props, int64_t *qoff, int64_t *phy)
{
    rj_message_record_t rec;

    if (fc->stored_count == fc->stored_cap) {
        size_t ncap = fc->stored_cap == 0 ? 64 : fc->stored_cap * 2;
        stored_t *n = rj_realloc(fc->stored, ncap * sizeof(*n));
        if (n == NULL) {
            return -1;
        }
        fc->stored = n;
        fc->stored_cap = ncap;
    }
    memset(&rec, 0, sizeof(rec));
    rec.magic = RJ_MSG_MAGIC_V1;
    rec.queue_id = qid;
    rec.flag = flag;
    rec.queue_offset = (int64_t)queue_count_locked(fc, broker, topic, qid);
    rec.phy_offset = fc->next_phy;
    rec.sys_flag = sys_flag & ~(RJ_SYSFLAG_BORNHOST_V6 | RJ_SYSFLAG_STOREHOST_V6);
    rec.born_timestamp = born;
    if (born_addr == NULL || born_addr->ss_family != AF_INET ||
        rj_msg_host_from_sockaddr((const struct sockaddr *)born_addr, &rec.born_host) != 0) {
        rec.born_host.family = 4;
        rec.born_host.addr[0] = 127;
        rec.born_host.addr[3] = 1;
    }
    rec.store_timestamp = rj_clock_wall_ms();
    rec.store_host.family = 4;
    rec.store_host.addr[0] = 127;
    rec.store_host.addr[3] = 1;
    rec.store_host.port = rj_server_port(fc->brokers[broker].srv);
    rec.reconsume_times = reconsume;
    rec.body = body;
    rec.topic = rj_bytes_from_cstr(topic);
    rec.properties = props;
    stored_t *s = &fc->stored[fc->stored_count];
    memset(s, 0, sizeof(*s));
    size_t cap = RJ_MSG_FIXED_LEN + body.len + strlen(topic) + props.len + 64;
    rj_buf_init(&s->rec);
    if (rj_buf_reserve(&s->rec, cap) != 0) {
        return -1;
    }
    int n = rj_message_record_encode(&rec, s->rec.data, cap);
    if (n < 0) {
        rj_buf_cleanup(&s->rec);
        return -1;
    }
    s->rec.len = (size_t)n;
    s->broker = broker;
    snprintf(s->topic, sizeof(s->topic), "%s", topic);
    s->queue_id = qid;
    s->queue_offset = rec.queue_offset;
    s->phy = rec.phy_offset;
    rj_bytes_t tag;
    if (rj_message_properties_get(props, RJ_PROP_TAGS, &tag)) {
        rj_bytes_copy_cstr(tag, s->tags, sizeof(s->tags));
    }
    fc->next_phy += n;
    fc->stored_count++;
    *qoff = rec.queue_offset;
    *phy = rec.phy_offset;
    return 0;
}

/* ------------------------------------------------------------------ broker */

static int
handle_send(broker_t *b, rj_request_t *req, const rj_command_t *cmd)
{
    fake_cluster_t *fc = b->fc;
    char topic[128], msg_id[64], qid_text[16], qoff_text[24];
    rj_bytes_t props = RJ_BYTES_NULL;
    int32_t qid = (int32_t)ext_i64(cmd, "e", 0);
    bool batch = cmd->code == 320;
    int64_t qoff = 0, phy = 0;

    ext_str(cmd, "b", topic, sizeof(topic));
    rj_command_ext_get(cmd, "i", &props);
    if (fc->fail_count > 0 && (fc->fail_broker < 0 || fc->fail_broker == b->index)) {
        fc->fail_count--;
        if (fc->fail_code < 0) {
            /* Silence: keep the request unanswered, the client times out. */
            rj_deferred_t *d = rj_request_defer(req);
            if (d != NULL && fc->held_count < 64) {
                fc->held[fc->held_count++] = d;
                return 0;
            }
            return -1;
        }
        const char *kv[] = {"MSG_REGION", "DefaultRegion", "TRACE_ON", "true", NULL};
        return reply(req, fc->fail_code, "injected failure", kv, RJ_BYTES_NULL);
    }
    topic_t *t = find_topic(fc, topic);
    if (t == NULL && fc->auto_create) {
        int d = (int)ext_i64(cmd, "d", 4);
        t = add_topic_locked(fc, topic, d < 8 ? d : 8);
    }
    if (t == NULL) {
        char remark[256];
        snprintf(remark, sizeof(remark), "topic[%s] not exist, apply first please!", topic);
        return reply(req, 17, remark, NULL, RJ_BYTES_NULL);
    }
    if (qid < 0 || qid >= t->queue_nums) {
        return reply(req, 1, "queueId illegal", NULL, RJ_BYTES_NULL);
    }
    const struct sockaddr_storage *peer = rj_connection_peer(rj_request_connection(req));
    rj_msg_host_t store_host = {
        .family = 4, .addr = {127, 0, 0, 1}, .port = rj_server_port(b->srv)};
    char ids[4096] = "";
    size_t ids_len = 0;
    int64_t first_qoff = -1;
    if (batch) {
        const uint8_t *p = cmd->body.data;
        size_t left = cmd->body.len;
        while (left > 0) {
            rj_message_batch_item_t item;
            int n = rj_message_batch_item_decode(p, left, &item);
            if (n <= 0) {
                return reply(req, 13, "bad batch", NULL, RJ_BYTES_NULL);
            }
            rj_buf_t merged = RJ_BUF_INIT;
            rj_buf_append(&merged, item.properties.data, item.properties.len);
            if (props.len > 0) {
                rj_buf_append(&merged, "\002", 1);
                rj_buf_append(&merged, props.data, props.len);
            }
            store_locked(fc, b->index, topic, qid, item.flag, 0, ext_i64(cmd, "g", 0), peer, 0,
                         item.body, rj_buf_view(&merged), &qoff, &phy);
            rj_buf_cleanup(&merged);
            if (first_qoff < 0) {
                first_qoff = qoff;
            }
            rj_message_id_encode(&store_host, phy, msg_id, sizeof(msg_id));
            ids_len += (size_t)snprintf(ids + ids_len, sizeof(ids) - ids_len, "%s%s",
                                        ids_len > 0 ? "," : "", msg_id);
            p += n;
            left -= (size_t)n;
        }
        qoff = first_qoff;
    } else {
        store_locked(fc, b->index, topic, qid, (int32_t)ext_i64(cmd, "h", 0),
                     (int32_t)ext_i64(cmd, "f", 0), ext_i64(cmd, "g", 0), peer,
                     (int32_t)ext_i64(cmd, "j", 0), cmd->body, props, &qoff, &phy);
        rj_message_id_encode(&store_host, phy, ids, sizeof(ids));
    }
    snprintf(qid_text, sizeof(qid_text), "%d", qid);
    snprintf(qoff_text, sizeof(qoff_text), "%" PRId64, qoff);
    const char *kv[] = {"queueId",     qid_text,        "TRACE_ON", "true",
                        "MSG_REGION",  "DefaultRegion", "msgId",    ids,
                        "queueOffset", qoff_text,       NULL};
    return reply(req, 0, NULL, kv, RJ_BYTES_NULL);
}

static client_t *
find_client(fake_cluster_t *fc, int broker, const char *client_id, const char *group, bool producer)
{
    for (int i = 0; i < fc->client_count; i++) {
        if (strcmp(fc->clients[i].client_id, client_id) == 0 && fc->clients[i].broker == broker &&
            fc->clients[i].producer == producer && strcmp(fc->clients[i].group, group) == 0) {
            return &fc->clients[i];
        }
    }
    return NULL;
}

static void
notify_group_locked(fake_cluster_t *fc, const char *group, const client_t *except)
{
    for (int i = 0; i < fc->client_count; i++) {
        client_t *c = &fc->clients[i];
        if (c == except || c->producer || strcmp(c->group, group) != 0 || c->conn == NULL) {
            continue;
        }
        rj_command_t req;
        rj_command_init_request(&req, 40);
        rj_command_add_ext_cstr(&req, "consumerGroup", group);
        rj_connection_invoke_oneway(c->conn, &req);
    }
}

static void
remove_client_locked(fake_cluster_t *fc, int i)
{
    char group[128];
    snprintf(group, sizeof(group), "%s", fc->clients[i].group);
    rj_connection_release(fc->clients[i].conn);
    fc->clients[i] = fc->clients[--fc->client_count];
    notify_group_locked(fc, group, NULL);
}

static int
handle_heartbeat(broker_t *b, rj_request_t *req, const rj_command_t *cmd)
{
    fake_cluster_t *fc = b->fc;
    json_t *root = rj_json_parse(cmd->body.data, cmd->body.len, NULL, 0);
    const char *cid = root != NULL ? rj_json_get_str(root, "clientID", NULL) : NULL;

    if (cid == NULL) {
        json_decref(root);
        return reply(req, 1, "bad heartbeat", NULL, RJ_BYTES_NULL);
    }
    const json_t *cds = json_object_get(root, "consumerDataSet");
    size_t i;
    const json_t *cd;
    json_array_foreach(cds, i, cd)
    {
        const char *group = rj_json_get_str(cd, "groupName", "");
        char retry[160];
        snprintf(retry, sizeof(retry), "%%RETRY%%%s", group);
        if (find_topic(fc, retry) == NULL) {
            add_topic_locked(fc, retry, 1);
        }
        client_t *c = find_client(fc, b->index, cid, group, false);
        bool fresh = c == NULL;
        if (c == NULL && fc->client_count < MAX_CLIENTS) {
            c = &fc->clients[fc->client_count++];
            memset(c, 0, sizeof(*c));
            snprintf(c->client_id, sizeof(c->client_id), "%s", cid);
            snprintf(c->group, sizeof(c->group), "%s", group);
            c->broker = b->index;
            c->conn = rj_request_connection(req);
            rj_connection_retain(c->conn);
        }
        if (c == NULL) {
            continue;
        }
        c->sub_count = 0;
        size_t j;
        const json_t *sd;
        json_array_foreach(json_object_get(cd, "subscriptionDataSet"), j, sd)
        {
            if (c->sub_count < 8) {
                snprintf(c->subs[c->sub_count][0], 128, "%s", rj_json_get_str(sd, "topic", ""));
                snprintf(c->subs[c->sub_count][1], 128, "%s",
                         rj_json_get_str(sd, "subString", "*"));
                c->sub_count++;
            }
        }
        if (fresh) {
            notify_group_locked(fc, group, c);
        }
    }
    const json_t *pd;
    json_array_foreach(json_object_get(root, "producerDataSet"), i, pd)
    {
        const char *group = rj_json_get_str(pd, "groupName", "");
        if (find_client(fc, b->index, cid, group, true) != NULL ||
            fc->client_count >= MAX_CLIENTS) {
            continue;
        }
        client_t *c = &fc->clients[fc->client_count++];
        memset(c, 0, sizeof(*c));
        snprintf(c->client_id, sizeof(c->client_id), "%s", cid);
        snprintf(c->group, sizeof(c->group), "%s", group);
        c->broker = b->index;
        c->producer = true;
        c->conn = rj_request_connection(req);
        rj_connection_retain(c->conn);
    }
    json_decref(root);
    return reply(req, 0, NULL, NULL, RJ_BYTES_NULL);
}

static int
handle_unregister(broker_t *b, rj_request_t *req, const rj_command_t *cmd)
{
    fake_cluster_t *fc = b->fc;
    char cid[160], group[128];

    ext_str(cmd, "clientID", cid, sizeof(cid));
    if (ext_str(cmd, "consumerGroup", group, sizeof(group))) {
        for (int i = 0; i < fc->client_count; i++) {
            if (strcmp(fc->clients[i].client_id, cid) == 0 && !fc->clients[i].producer &&
                strcmp(fc->clients[i].group, group) == 0 && fc->clients[i].broker == b->index) {
                remove_client_locked(fc, i);
                break;
            }
        }
    }
    return reply(req, 0, NULL, NULL, RJ_BYTES_NULL);
}

static int
handle_consumer_list(broker_t *b, rj_request_t *req, const rj_command_t *cmd)
{
    fake_cluster_t *fc = b->fc;
    char group[128];
    rj_buf_t body = RJ_BUF_INIT;
    rj_json_writer_t w;
    int n = 0, rc;

    ext_str(cmd, "consumerGroup", group, sizeof(group));
    rj_jw_init(&w, &body, 0);
    rj_jw_object_begin(&w);
    rj_jw_key(&w, "consumerIdList");
    rj_jw_array_begin(&w);
    for (int i = 0; i < fc->client_count; i++) {
        if (strcmp(fc->clients[i].group, group) == 0 && fc->clients[i].broker == b->index &&
            !fc->clients[i].producer) {
            rj_jw_string(&w, fc->clients[i].client_id);
            n++;
        }
    }
    rj_jw_array_end(&w);
    rj_jw_object_end(&w);
    rj_jw_finish(&w);
    if (n == 0) {
        char remark[200];
        snprintf(remark, sizeof(remark), "no consumer for this group, %s", group);
        rc = reply(req, 1, remark, NULL, RJ_BYTES_NULL);
    } else {
        rc = reply(req, 0, NULL, NULL, rj_buf_view(&body));
    }
    rj_buf_cleanup(&body);
    return rc;
}

static void
offset_key(char *out, size_t size, const char *group, const char *topic, int broker, int32_t qid)
{
    snprintf(out, size, "%s@%s@%d@%d", group, topic, broker, qid);
}

static offset_t *
find_offset(fake_cluster_t *fc, const char *key)
{
    for (size_t i = 0; i < fc->offset_count; i++) {
        if (strcmp(fc->offsets[i].key, key) == 0) {
            return &fc->offsets[i];
        }
    }
    return NULL;
}

static void
set_offset_locked(fake_cluster_t *fc, const char *group, const char *topic, int broker, int32_t qid,
                  int64_t off)
{
    char key[400];
    offset_key(key, sizeof(key), group, topic, broker, qid);
    offset_t *o = find_offset(fc, key);
    if (o == NULL) {
        if (fc->offset_count == fc->offset_cap) {
            size_t ncap = fc->offset_cap == 0 ? 32 : fc->offset_cap * 2;
            offset_t *n = rj_realloc(fc->offsets, ncap * sizeof(*n));
            if (n == NULL) {
                return;
            }
            fc->offsets = n;
            fc->offset_cap = ncap;
        }
        o = &fc->offsets[fc->offset_count++];
        snprintf(o->key, sizeof(o->key), "%s", key);
    }
    o->offset = off;
}

static int
handle_offsets(broker_t *b, rj_request_t *req, const rj_command_t *cmd)
{
    fake_cluster_t *fc = b->fc;
    char group[128], topic[128], text[24];
    int32_t qid = (int32_t)ext_i64(cmd, "queueId", 0);

    ext_str(cmd, "consumerGroup", group, sizeof(group));
    ext_str(cmd, "topic", topic, sizeof(topic));
    if (cmd->code == 15) {
        set_offset_locked(fc, group, topic, b->index, qid, ext_i64(cmd, "commitOffset", 0));
        return reply(req, 0, NULL, NULL, RJ_BYTES_NULL);
    }
    int64_t off = 0;
    if (cmd->code == 14) {
        char key[400];
        offset_key(key, sizeof(key), group, topic, b->index, qid);
        offset_t *o = find_offset(fc, key);
        if (o == NULL && fc->offset_not_found) {
            return reply(req, 22, "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first",
                         NULL, RJ_BYTES_NULL);
        }
        off = o != NULL ? o->offset : 0;
    } else if (cmd->code == 30) {
        off = (int64_t)queue_count_locked(fc, b->index, topic, qid);
    }
    snprintf(text, sizeof(text), "%" PRId64, off);
    const char *kv[] = {"offset", text, NULL};
    return reply(req, 0, NULL, kv, RJ_BYTES_NULL);
}

static bool
expr_matches(const char *expr, const char *tag)
{
    if (expr[0] == '\0' || strcmp(expr, "*") == 0) {
        return true;
    }
    char copy[256];
    snprintf(copy, sizeof(copy), "%s", expr);
    char *save = NULL;
    for (char *tok = strtok_r(copy, "|", &save); tok != NULL; tok = strtok_r(NULL, "|", &save)) {
        rj_bytes_t t = rj_bytes_trim(rj_bytes_from_cstr(tok));
        if (t.len > 0 && rj_bytes_eq_cstr(t, tag)) {
            return true;
        }
    }
    return false;
}

/* Builds a pull answer if there is something to say (not for an empty queue at the offset). */
static bool
try_pull_locked(fake_cluster_t *fc, const parked_t *p, bool force, rj_command_t *resp,
                rj_buf_t *body, char texts[4][24])
{
    int64_t max = (int64_t)queue_count_locked(fc, p->broker, p->topic, p->queue_id);
    int32_t code;
    int64_t next;

    rj_buf_reset(body);
    if (p->offset > max) {
        code = 21;
        next = max;
    } else if (p->offset == max) {
        if (!force) {
            return false;
        }
        code = 19;
        next = p->offset;
    } else {
        int n = 0;
        next = p->offset;
        for (size_t i = 0; i < fc->stored_count && n < p->max; i++) {
            const stored_t *s = &fc->stored[i];
            if (s->broker != p->broker || s->queue_id != p->queue_id ||
                strcmp(s->topic, p->topic) != 0 || s->queue_offset < p->offset) {
                continue;
            }
            next = s->queue_offset + 1;
            if (expr_matches(p->expr, s->tags)) {
                rj_buf_append(body, s->rec.data, s->rec.len);
                n++;
            }
        }
        code = n > 0 ? 0 : 20;
    }
    rj_command_init_request(resp, code);
    rj_command_mark_ext_fields(resp);
    snprintf(texts[0], 24, "%" PRId64, next);
    snprintf(texts[1], 24, "%d", 0);
    snprintf(texts[2], 24, "%" PRId64, max);
    rj_command_add_ext_cstr(resp, "suggestWhichBrokerId", "0");
    rj_command_add_ext_cstr(resp, "nextBeginOffset", texts[0]);
    rj_command_add_ext_cstr(resp, "minOffset", texts[1]);
    rj_command_add_ext_cstr(resp, "maxOffset", texts[2]);
    resp->body = rj_buf_view(body);
    return true;
}

static int
handle_pull(broker_t *b, rj_request_t *req, const rj_command_t *cmd)
{
    fake_cluster_t *fc = b->fc;
    parked_t p;
    int32_t sys_flag = (int32_t)ext_i64(cmd, "sysFlag", 0);

    memset(&p, 0, sizeof(p));
    p.broker = b->index;
    ext_str(cmd, "consumerGroup", p.group, sizeof(p.group));
    ext_str(cmd, "topic", p.topic, sizeof(p.topic));
    p.queue_id = (int32_t)ext_i64(cmd, "queueId", 0);
    p.offset = ext_i64(cmd, "queueOffset", 0);
    p.max = (int32_t)ext_i64(cmd, "maxMsgNums", 32);
    topic_t *t = find_topic(fc, p.topic);
    if (t == NULL) {
        return reply(req, 17, "topic not exist", NULL, RJ_BYTES_NULL);
    }
    if (p.queue_id < 0 || p.queue_id >= t->queue_nums) {
        return reply(req, 1, "queueId illegal", NULL, RJ_BYTES_NULL);
    }
    if (sys_flag & 0x1) {
        set_offset_locked(fc, p.group, p.topic, b->index, p.queue_id,
                          ext_i64(cmd, "commitOffset", 0));
    }
    if (sys_flag & 0x4) {
        ext_str(cmd, "subscription", p.expr, sizeof(p.expr));
    } else {
        snprintf(p.expr, sizeof(p.expr), "*");
        for (int i = 0; i < fc->client_count; i++) {
            client_t *c = &fc->clients[i];
            if (c->producer || strcmp(c->group, p.group) != 0) {
                continue;
            }
            for (int k = 0; k < c->sub_count; k++) {
                if (strcmp(c->subs[k][0], p.topic) == 0) {
                    snprintf(p.expr, sizeof(p.expr), "%s", c->subs[k][1]);
                }
            }
        }
    }
    rj_command_t resp;
    rj_buf_t body = RJ_BUF_INIT;
    char texts[4][24];
    bool suspend = (sys_flag & 0x2) != 0 && fc->parked_count < MAX_PARKED;
    int rc = 0;
    if (try_pull_locked(fc, &p, !suspend, &resp, &body, texts)) {
        rc = rj_request_reply(req, &resp);
    } else {
        p.d = rj_request_defer(req);
        p.deadline = rj_clock_mono_ms() + ext_i64(cmd, "suspendTimeoutMillis", 15000);
        if (p.d == NULL) {
            rc = -1;
        } else {
            fc->parked[fc->parked_count++] = p;
        }
    }
    rj_buf_cleanup(&body);
    return rc;
}

static int
handle_send_back(broker_t *b, rj_request_t *req, const rj_command_t *cmd)
{
    fake_cluster_t *fc = b->fc;
    char group[128];
    int64_t off = ext_i64(cmd, "offset", -1);
    int64_t max = ext_i64(cmd, "maxReconsumeTimes", 16);

    ext_str(cmd, "group", group, sizeof(group));
    for (size_t i = 0; i < fc->stored_count; i++) {
        if (fc->stored[i].phy != off || fc->stored[i].broker != b->index) {
            continue;
        }
        rj_message_record_t rec;
        rj_buf_t copy = RJ_BUF_INIT;
        rj_buf_append(&copy, fc->stored[i].rec.data, fc->stored[i].rec.len);
        rj_message_record_decode(copy.data, copy.len, &rec, 0);
        rj_buf_t props = RJ_BUF_INIT;
        rj_buf_append(&props, rec.properties.data, rec.properties.len);
        rj_bytes_t v;
        if (!rj_message_properties_get(rec.properties, RJ_PROP_RETRY_TOPIC, &v)) {
            char topic[128];
            rj_bytes_copy_cstr(rec.topic, topic, sizeof(topic));
            rj_message_properties_append_cstr(&props, RJ_PROP_RETRY_TOPIC, topic);
        }
        char target[160];
        int32_t reconsume = rec.reconsume_times + 1;
        if (rec.reconsume_times >= max) {
            snprintf(target, sizeof(target), "%%DLQ%%%s", group);
        } else {
            snprintf(target, sizeof(target), "%%RETRY%%%s", group);
        }
        if (find_topic(fc, target) == NULL) {
            add_topic_locked(fc, target, 1);
        }
        int64_t qoff, phy;
        store_locked(fc, b->index, target, 0, rec.flag, rec.sys_flag, rec.born_timestamp, NULL,
                     reconsume, rec.body, rj_buf_view(&props), &qoff, &phy);
        rj_buf_cleanup(&props);
        rj_buf_cleanup(&copy);
        return reply(req, 0, NULL, NULL, RJ_BYTES_NULL);
    }
    char remark[64];
    snprintf(remark, sizeof(remark), "look message by offset failed, %" PRId64, off);
    return reply(req, 1, remark, NULL, RJ_BYTES_NULL);
}

static int
handle_lock(broker_t *b, rj_request_t *req, const rj_command_t *cmd)
{
    fake_cluster_t *fc = b->fc;
    json_t *root = rj_json_parse(cmd->body.data, cmd->body.len, NULL, 0);
    const char *cid = rj_json_get_str(root, "clientId", "");
    const char *group = rj_json_get_str(root, "consumerGroup", "");
    rj_buf_t body = RJ_BUF_INIT;
    rj_json_writer_t w;
    size_t i;
    const json_t *mq;

    rj_jw_init(&w, &body, 0);
    rj_jw_object_begin(&w);
    rj_jw_key(&w, "lockOKMQSet");
    rj_jw_array_begin(&w);
    json_array_foreach(json_object_get(root, "mqSet"), i, mq)
    {
        char key[400];
        snprintf(key, sizeof(key), "%s@%s@%s@%" PRId64, group, rj_json_get_str(mq, "topic", ""),
                 rj_json_get_str(mq, "brokerName", ""), rj_json_get_int(mq, "queueId", 0));
        int found = -1;
        for (int k = 0; k < fc->lock_count; k++) {
            if (strcmp(fc->locks[k].key, key) == 0) {
                found = k;
            }
        }
        if (cmd->code == 42) {
            if (found >= 0 && strcmp(fc->locks[found].client_id, cid) == 0) {
                fc->locks[found] = fc->locks[--fc->lock_count];
            }
            continue;
        }
        if (found < 0 && fc->lock_count < 256) {
            found = fc->lock_count++;
            snprintf(fc->locks[found].key, sizeof(fc->locks[found].key), "%s", key);
            snprintf(fc->locks[found].client_id, sizeof(fc->locks[found].client_id), "%s", cid);
        }
        if (found >= 0 && strcmp(fc->locks[found].client_id, cid) == 0) {
            rj_jw_object_begin(&w);
            rj_jw_key(&w, "brokerName");
            rj_jw_string(&w, rj_json_get_str(mq, "brokerName", ""));
            rj_jw_key(&w, "queueId");
            rj_jw_int(&w, rj_json_get_int(mq, "queueId", 0));
            rj_jw_key(&w, "topic");
            rj_jw_string(&w, rj_json_get_str(mq, "topic", ""));
            rj_jw_object_end(&w);
        }
    }
    rj_jw_array_end(&w);
    rj_jw_object_end(&w);
    rj_jw_finish(&w);
    json_decref(root);
    int rc = cmd->code == 41 ? reply(req, 0, NULL, NULL, rj_buf_view(&body))
                             : reply(req, 0, NULL, NULL, RJ_BYTES_NULL);
    rj_buf_cleanup(&body);
    return rc;
}

static int
broker_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    broker_t *b = arg;
    fake_cluster_t *fc = b->fc;
    int rc;

    pthread_mutex_lock(&fc->lock);
    record_request(fc, cmd);
    switch (cmd->code) {
    case 310:
    case 320:
        rc = handle_send(b, req, cmd);
        break;
    case 34:
        rc = handle_heartbeat(b, req, cmd);
        break;
    case 35:
        rc = handle_unregister(b, req, cmd);
        break;
    case 38:
        rc = handle_consumer_list(b, req, cmd);
        break;
    case 11:
        rc = handle_pull(b, req, cmd);
        break;
    case 14:
    case 15:
    case 30:
    case 31:
    case 29:
        rc = handle_offsets(b, req, cmd);
        break;
    case 36:
        rc = handle_send_back(b, req, cmd);
        break;
    case 41:
    case 42:
        rc = handle_lock(b, req, cmd);
        break;
    case 17: {
        char topic[128];
        ext_str(cmd, "topic", topic, sizeof(topic));
        add_topic_locked(fc, topic, (int)ext_i64(cmd, "writeQueueNums", 4));
        rc = reply(req, 0, NULL, NULL, RJ_BYTES_NULL);
        break;
    }
    case 37: /* END_TRANSACTION, one-way: recorded only */
        rc = 0;
        break;
    default:
        rc = reply(req, 3, "not supported", NULL, RJ_BYTES_NULL);
        break;
    }
    pthread_mutex_unlock(&fc->lock);
    return rc;
}

static void
on_close(rj_connection_t *conn, void *arg)
{
    broker_t *b = arg;
    fake_cluster_t *fc = b->fc;

    pthread_mutex_lock(&fc->lock);
    for (int i = fc->client_count - 1; i >= 0; i--) {
        if (fc->clients[i].conn == conn) {
            remove_client_locked(fc, i);
        }
    }
    pthread_mutex_unlock(&fc->lock);
}

static void *
poller_main(void *arg)
{
    fake_cluster_t *fc = arg;

    pthread_mutex_lock(&fc->lock);
    while (!fc->stopping) {
        int64_t now = rj_clock_mono_ms();
        for (int i = 0; i < fc->parked_count; i++) {
            parked_t *p = &fc->parked[i];
            rj_command_t resp;
            rj_buf_t body = RJ_BUF_INIT;
            char texts[4][24];
            if (try_pull_locked(fc, p, now >= p->deadline, &resp, &body, texts)) {
                rj_deferred_reply(p->d, &resp);
                fc->parked[i--] = fc->parked[--fc->parked_count];
            }
            rj_buf_cleanup(&body);
        }
        pthread_mutex_unlock(&fc->lock);
        rj_clock_sleep_ms(3);
        pthread_mutex_lock(&fc->lock);
    }
    for (int i = 0; i < fc->parked_count; i++) {
        rj_deferred_cancel(fc->parked[i].d);
    }
    fc->parked_count = 0;
    for (int i = 0; i < fc->held_count; i++) {
        rj_deferred_cancel(fc->held[i]);
    }
    fc->held_count = 0;
    pthread_mutex_unlock(&fc->lock);
    return NULL;
}

/* ------------------------------------------------------------------ set up */

static int
start_server(rj_server_t **srv, char *addr, rj_request_handler_cb h, void *arg, bool broker,
             int port)
{
    rj_server_options_t o;
    static const int32_t broker_codes[] = {310, 320, 34, 35, 38, 11, 14, 15,
                                           30,  31,  29, 36, 41, 42, 17, 37};

    rj_server_options_init(&o);
    o.name = broker ? "fakebroker" : "fakens";
    o.bind_host = "127.0.0.1";
    o.port = port;
    o.io_threads = 1;
    if (broker) {
        o.on_close = on_close;
        o.cb_arg = arg;
    }
    if (rj_server_create(&o, srv) != 0) {
        return -1;
    }
    if (broker) {
        for (size_t i = 0; i < sizeof(broker_codes) / sizeof(broker_codes[0]); i++) {
            rj_server_register(*srv, broker_codes[i], RJ_DISPATCH_INLINE, h, arg);
        }
    } else {
        rj_server_register(*srv, 105, RJ_DISPATCH_INLINE, h, arg);
        rj_server_register(*srv, 106, RJ_DISPATCH_INLINE, h, arg);
    }
    if (rj_server_start(*srv) != 0) {
        rj_server_destroy(*srv);
        *srv = NULL;
        return -1;
    }
    snprintf(addr, 64, "127.0.0.1:%d", rj_server_port(*srv));
    return 0;
}

int
fake_cluster_start(int brokers, fake_cluster_t **out)
{
    fake_cluster_t *fc = rj_calloc(1, sizeof(*fc));

    if (fc == NULL || brokers < 1 || brokers > MAX_BROKERS) {
        rj_free(fc);
        return -1;
    }
    pthread_mutex_init(&fc->lock, NULL);
    fc->fail_broker = -1;
    if (start_server(&fc->ns, fc->ns_addr, ns_handler, fc, false, 0) != 0) {
        rj_free(fc);
        return -1;
    }
    for (int i = 0; i < brokers; i++) {
        broker_t *b = &fc->brokers[i];
        b->fc = fc;
        b->index = i;
        b->routed = true;
        if (start_server(&b->srv, b->addr, broker_handler, b, true, 0) != 0) {
            fake_cluster_destroy(fc);
            return -1;
        }
        fc->broker_count++;
    }
    pthread_create(&fc->poller, NULL, poller_main, fc);
    *out = fc;
    return 0;
}

void
fake_cluster_destroy(fake_cluster_t *fc)
{
    if (fc == NULL) {
        return;
    }
    pthread_mutex_lock(&fc->lock);
    fc->stopping = true;
    pthread_mutex_unlock(&fc->lock);
    if (fc->poller) {
        pthread_join(fc->poller, NULL);
    }
    rj_server_destroy(fc->ns);
    for (int i = 0; i < fc->broker_count; i++) {
        rj_server_destroy(fc->brokers[i].srv);
    }
    for (int i = 0; i < fc->client_count; i++) {
        rj_connection_release(fc->clients[i].conn);
    }
    for (size_t i = 0; i < fc->stored_count; i++) {
        rj_buf_cleanup(&fc->stored[i].rec);
    }
    for (int i = 0; i < MAX_CODES; i++) {
        rj_command_destroy(fc->last_cmd[i]);
    }
    rj_free(fc->stored);
    rj_free(fc->offsets);
    pthread_mutex_destroy(&fc->lock);
    rj_free(fc);
}

const char *
fake_cluster_namesrv(const fake_cluster_t *fc)
{
    return fc->ns_addr;
}

const char *
fake_cluster_broker_addr(const fake_cluster_t *fc, int broker)
{
    return fc->brokers[broker].addr;
}

void
fake_cluster_add_topic(fake_cluster_t *fc, const char *topic, int queue_nums)
{
    pthread_mutex_lock(&fc->lock);
    add_topic_locked(fc, topic, queue_nums);
    pthread_mutex_unlock(&fc->lock);
}

void
fake_cluster_set_auto_create(fake_cluster_t *fc, bool enable)
{
    pthread_mutex_lock(&fc->lock);
    fc->auto_create = enable;
    pthread_mutex_unlock(&fc->lock);
}

void
fake_cluster_set_offset_not_found(fake_cluster_t *fc, bool not_found)
{
    pthread_mutex_lock(&fc->lock);
    fc->offset_not_found = not_found;
    pthread_mutex_unlock(&fc->lock);
}

void
fake_cluster_fail_sends(fake_cluster_t *fc, int broker, int count, int32_t code)
{
    pthread_mutex_lock(&fc->lock);
    fc->fail_broker = broker;
    fc->fail_count = count;
    fc->fail_code = code;
    pthread_mutex_unlock(&fc->lock);
}

void
fake_cluster_stop_broker(fake_cluster_t *fc, int broker)
{
    rj_server_stop(fc->brokers[broker].srv);
    pthread_mutex_lock(&fc->lock);
    fc->brokers[broker].stopped = true;
    pthread_mutex_unlock(&fc->lock);
}

void
fake_cluster_unroute_broker(fake_cluster_t *fc, int broker)
{
    pthread_mutex_lock(&fc->lock);
    fc->brokers[broker].routed = false;
    pthread_mutex_unlock(&fc->lock);
}

void
fake_cluster_stop_namesrv(fake_cluster_t *fc)
{
    rj_server_stop(fc->ns);
}

size_t
fake_cluster_count(fake_cluster_t *fc, const char *topic)
{
    size_t n = 0;
    pthread_mutex_lock(&fc->lock);
    for (size_t i = 0; i < fc->stored_count; i++) {
        n += strcmp(fc->stored[i].topic, topic) == 0;
    }
    pthread_mutex_unlock(&fc->lock);
    return n;
}

bool
fake_cluster_get(fake_cluster_t *fc, const char *topic, size_t index, fake_msg_t *out)
{
    bool found = false;
    size_t k = 0;

    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&fc->lock);
    for (size_t i = 0; i < fc->stored_count && !found; i++) {
        const stored_t *s = &fc->stored[i];
        if (strcmp(s->topic, topic) != 0 || k++ != index) {
            continue;
        }
        rj_message_record_t rec;
        if (rj_message_record_decode(s->rec.data, s->rec.len, &rec, 0) > 0) {
            out->broker = s->broker;
            snprintf(out->topic, sizeof(out->topic), "%s", s->topic);
            out->queue_id = rec.queue_id;
            out->queue_offset = rec.queue_offset;
            out->sys_flag = rec.sys_flag;
            out->flag = rec.flag;
            out->reconsume_times = rec.reconsume_times;
            rj_bytes_copy_cstr(rec.properties, out->props, sizeof(out->props));
            rj_buf_init(&out->body);
            rj_buf_append(&out->body, rec.body.data, rec.body.len);
            found = true;
        }
    }
    pthread_mutex_unlock(&fc->lock);
    return found;
}

void
fake_msg_cleanup(fake_msg_t *m)
{
    rj_buf_cleanup(&m->body);
}

int
fake_cluster_requests(fake_cluster_t *fc, int32_t code)
{
    pthread_mutex_lock(&fc->lock);
    int n = fc->code_counts[code_slot(code)];
    pthread_mutex_unlock(&fc->lock);
    return n;
}

char *
fake_cluster_last_body(fake_cluster_t *fc, int32_t code)
{
    pthread_mutex_lock(&fc->lock);
    const rj_command_t *c = fc->last_cmd[code_slot(code)];
    char *out = rj_bytes_dup(c != NULL ? c->body : RJ_BYTES_NULL);
    pthread_mutex_unlock(&fc->lock);
    return out;
}

char *
fake_cluster_last_ext(fake_cluster_t *fc, int32_t code, const char *key)
{
    rj_bytes_t v;
    char *out = NULL;

    pthread_mutex_lock(&fc->lock);
    const rj_command_t *c = fc->last_cmd[code_slot(code)];
    if (c != NULL && rj_command_ext_get(c, key, &v)) {
        out = rj_bytes_dup(v);
    }
    pthread_mutex_unlock(&fc->lock);
    return out;
}

int64_t
fake_cluster_consumer_offset(fake_cluster_t *fc, const char *group, const char *topic, int broker,
                             int32_t queue_id)
{
    char key[400];
    offset_key(key, sizeof(key), group, topic, broker, queue_id);
    pthread_mutex_lock(&fc->lock);
    offset_t *o = find_offset(fc, key);
    int64_t v = o != NULL ? o->offset : -1;
    pthread_mutex_unlock(&fc->lock);
    return v;
}

size_t
fake_cluster_consumer_count(fake_cluster_t *fc, const char *group)
{
    size_t n = 0;
    pthread_mutex_lock(&fc->lock);
    for (int i = 0; i < fc->client_count; i++) {
        bool dup = false;
        for (int k = 0; k < i; k++) {
            dup |= strcmp(fc->clients[k].client_id, fc->clients[i].client_id) == 0 &&
                   strcmp(fc->clients[k].group, fc->clients[i].group) == 0;
        }
        n += !dup && !fc->clients[i].producer && strcmp(fc->clients[i].group, group) == 0;
    }
    pthread_mutex_unlock(&fc->lock);
    return n;
}

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    int32_t code;
    char *body;
} call_wait_t;

static void
call_done(int status, const rj_command_t *resp, void *arg)
{
    call_wait_t *w = arg;
    pthread_mutex_lock(&w->lock);
    w->code = status == 0 ? resp->code : -1;
    w->body = status == 0 ? rj_bytes_dup(resp->body) : NULL;
    w->done = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

int
fake_cluster_call_client(fake_cluster_t *fc, int broker, const char *group, const char *client_id,
                         int32_t code, bool oneway, const char *const *kv, const void *body,
                         size_t body_len, int32_t *resp_code, char **resp_body)
{
    rj_connection_t *conn = NULL;
    rj_command_t req;
    int rc;

    pthread_mutex_lock(&fc->lock);
    for (int i = 0; i < fc->client_count; i++) {
        client_t *c = &fc->clients[i];
        if (c->broker == broker && (group == NULL || strcmp(c->group, group) == 0) &&
            (client_id == NULL || strcmp(c->client_id, client_id) == 0)) {
            conn = c->conn;
            rj_connection_retain(conn);
            break;
        }
    }
    pthread_mutex_unlock(&fc->lock);
    if (conn == NULL) {
        return -1;
    }
    rj_command_init_request(&req, code);
    for (int i = 0; kv != NULL && kv[i] != NULL; i += 2) {
        rj_command_add_ext_cstr(&req, kv[i], kv[i + 1]);
    }
    req.body = rj_bytes(body, body_len);
    if (oneway) {
        rc = rj_connection_invoke_oneway(conn, &req);
        rj_connection_release(conn);
        return rc == 0 ? 0 : -1;
    }
    call_wait_t w = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
    rc = rj_connection_invoke_async(conn, &req, 5000, call_done, &w);
    rj_connection_release(conn);
    if (rc != 0) {
        return -1;
    }
    pthread_mutex_lock(&w.lock);
    while (!w.done) {
        pthread_cond_wait(&w.cond, &w.lock);
    }
    pthread_mutex_unlock(&w.lock);
    if (resp_code != NULL) {
        *resp_code = w.code;
    }
    if (resp_body != NULL) {
        *resp_body = w.body;
    } else {
        rj_free(w.body);
    }
    return w.code >= 0 ? 0 : -1;
}
