/*
 * Decoding and printing of stored message records for mqadmin, and the
 * one-shot pull (see mqadmin_msg.h). Answers are copied once into the list, so
 * the decoded views outlive the response that carried them. Compressed
 * bodies are inflated with zlib, as MessageDecoder does for clients.
 */
#include "tools/mqadmin/mqadmin_msg.h"

#include "common/alloc.h"
#include "common/fs.h"
#include "common/message_properties.h"
#include "ramjet/status.h"
#include "remoting/request_code.h"
#include "remoting/response_code.h"
#include "tools/mqadmin/mqadmin_print.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Largest inflated body shown (RocketMQ bodies are at most 4 MiB before compression). */
#define MAX_INFLATED_BYTES (64u * 1024u * 1024u)
/* Bytes of the body echoed in MessageExt's "body=[...]". */
#define BODY_ECHO_BYTES 64

static int
inflate_body(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit(&zs) != Z_OK) {
        return RJ_ENOMEM;
    }
    size_t cap = len * 4 + 64, used = 0;
    uint8_t *buf = NULL;
    int zrc = Z_OK, rc = 0;
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    while (zrc != Z_STREAM_END) {
        if (buf == NULL || used == cap) {
            if (buf != NULL) {
                cap *= 2;
            }
            if (cap > MAX_INFLATED_BYTES) {
                rc = RJ_ETOOLARGE;
                break;
            }
            uint8_t *grown = rj_realloc(buf, cap);
            if (grown == NULL) {
                rc = RJ_ENOMEM;
                break;
            }
            buf = grown;
        }
        zs.next_out = buf + used;
        zs.avail_out = (uInt)(cap - used);
        zrc = inflate(&zs, Z_NO_FLUSH);
        used = cap - zs.avail_out;
        if (zrc != Z_OK && zrc != Z_STREAM_END) {
            rc = RJ_ECORRUPT;
            break;
        }
        if (zrc == Z_OK && zs.avail_in == 0 && used < cap) {
            rc = RJ_ECORRUPT; /* input ended before the stream did */
            break;
        }
    }
    inflateEnd(&zs);
    if (rc != 0) {
        rj_free(buf);
        return rc;
    }
    *out = buf;
    *out_len = used;
    return 0;
}

static int
grow_items(rj_mqadmin_msg_list_t *list)
{
    if (list->count < list->cap) {
        return 0;
    }
    size_t cap = list->cap ? list->cap * 2 : 16;
    rj_mqadmin_msg_t *items = rj_realloc(list->items, cap * sizeof(*items));
    if (items == NULL) {
        return RJ_ENOMEM;
    }
    list->items = items;
    list->cap = cap;
    return 0;
}

int
rj_mqadmin_msg_list_decode(rj_mqadmin_msg_list_t *list, const uint8_t *body, size_t len)
{
    if (len == 0) {
        return 0;
    }
    uint8_t **blocks = rj_realloc(list->blocks, (list->nblocks + 1) * sizeof(*blocks));
    if (blocks == NULL) {
        return RJ_ENOMEM;
    }
    list->blocks = blocks;
    uint8_t *copy = rj_malloc(len);
    if (copy == NULL) {
        return RJ_ENOMEM;
    }
    memcpy(copy, body, len);
    list->blocks[list->nblocks++] = copy;

    size_t off = 0;
    while (off < len) {
        if (grow_items(list) != 0) {
            return RJ_ENOMEM;
        }
        rj_mqadmin_msg_t *m = &list->items[list->count];
        memset(m, 0, sizeof(*m));
        int n = rj_message_record_decode(copy + off, len - off, &m->rec, 0);
        if (n <= 0) {
            return RJ_EMALFORMED; /* truncated (0) or malformed: stop, keep what decoded */
        }
        off += (size_t)n;
        if (rj_message_id_encode(&m->rec.store_host, m->rec.phy_offset, m->offset_msg_id,
                                 sizeof(m->offset_msg_id)) < 0) {
            m->offset_msg_id[0] = '\0';
        }
        rj_bytes_t uniq;
        if (!rj_message_properties_get(m->rec.properties, RJ_PROP_UNIQ_CLIENT_MESSAGE_ID_KEYIDX,
                                       &uniq) ||
            !rj_bytes_copy_cstr(uniq, m->msg_id, sizeof(m->msg_id))) {
            snprintf(m->msg_id, sizeof(m->msg_id), "%s", m->offset_msg_id);
        }
        rj_msg_host_format(&m->rec.born_host, m->born_host, sizeof(m->born_host));
        rj_msg_host_format(&m->rec.store_host, m->store_host, sizeof(m->store_host));
        if ((m->rec.sys_flag & RJ_SYSFLAG_COMPRESSED) != 0 && m->rec.body.len > 0 &&
            inflate_body(m->rec.body.data, m->rec.body.len, &m->inflated, &m->inflated_len) != 0) {
            m->inflated = NULL; /* not a zlib stream: show the stored bytes */
        }
        list->count++;
    }
    return 0;
}

void
rj_mqadmin_msg_list_cleanup(rj_mqadmin_msg_list_t *list)
{
    for (size_t i = 0; i < list->count; i++) {
        rj_free(list->items[i].inflated);
    }
    for (size_t i = 0; i < list->nblocks; i++) {
        rj_free(list->blocks[i]);
    }
    rj_free(list->items);
    rj_free(list->blocks);
    memset(list, 0, sizeof(*list));
}

const uint8_t *
rj_mqadmin_msg_body(const rj_mqadmin_msg_t *m, size_t *len)
{
    if (m->inflated != NULL) {
        *len = m->inflated_len;
        return m->inflated;
    }
    *len = m->rec.body.len;
    return m->rec.body.data;
}

bool
rj_mqadmin_msg_property(const rj_mqadmin_msg_t *m, const char *key, char *buf, size_t size)
{
    rj_bytes_t v;
    return rj_message_properties_get(m->rec.properties, key, &v) &&
           rj_bytes_copy_cstr(v, buf, size);
}

int
rj_mqadmin_msg_write_body_file(const rj_mqadmin_msg_t *m, int index, char *path, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/rocketmq/msgbodys", tmp != NULL && tmp[0] ? tmp : "/tmp");
    int rc = rj_fs_mkdirs(dir, 0755);
    if (rc != 0) {
        return rc;
    }
    if (index > 0) {
        snprintf(path, size, "%s/%s_%d", dir, m->msg_id, index);
    } else {
        snprintf(path, size, "%s/%s", dir, m->msg_id);
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return -errno;
    }
    size_t len;
    const uint8_t *body = rj_mqadmin_msg_body(m, &len);
    bool ok = fwrite(body, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    return ok ? 0 : -EIO;
}

/* Java's Map.toString of the properties: "{KEYS=k, TAGS=t}". */
static void
print_properties(FILE *out, rj_bytes_t props)
{
    rj_message_properties_iter_t it;
    rj_bytes_t key, value;
    rj_message_properties_iter_init(&it, props);
    fputc('{', out);
    for (bool first = true; rj_message_properties_next(&it, &key, &value); first = false) {
        fprintf(out, "%s%.*s=%.*s", first ? "" : ", ", (int)key.len, (const char *)key.data,
                (int)value.len, (const char *)value.data);
    }
    fputc('}', out);
}

void
rj_mqadmin_msg_print_fields(FILE *out, const rj_mqadmin_msg_t *m, bool with_offset_id,
                            const char *body_path)
{
    char tags[1024], keys[1024], born[64], store[64];
    if (!rj_mqadmin_msg_property(m, RJ_PROP_TAGS, tags, sizeof(tags))) {
        snprintf(tags, sizeof(tags), "null");
    }
    if (!rj_mqadmin_msg_property(m, RJ_PROP_KEYS, keys, sizeof(keys))) {
        snprintf(keys, sizeof(keys), "null");
    }
    rj_mqadmin_print_millis(m->rec.born_timestamp, born, sizeof(born));
    rj_mqadmin_print_millis(m->rec.store_timestamp, store, sizeof(store));
    if (with_offset_id) {
        fprintf(out, "%-20s %s\n", "OffsetID:", m->offset_msg_id);
    }
    fprintf(out, "%-20s %.*s\n", "Topic:", (int)m->rec.topic.len, (const char *)m->rec.topic.data);
    fprintf(out, "%-20s [%s]\n", "Tags:", tags);
    fprintf(out, "%-20s [%s]\n", "Keys:", keys);
    fprintf(out, "%-20s %d\n", "Queue ID:", m->rec.queue_id);
    fprintf(out, "%-20s %lld\n", "Queue Offset:", (long long)m->rec.queue_offset);
    fprintf(out, "%-20s %lld\n", "CommitLog Offset:", (long long)m->rec.phy_offset);
    fprintf(out, "%-20s %d\n", "Reconsume Times:", m->rec.reconsume_times);
    fprintf(out, "%-20s %s\n", "Born Timestamp:", born);
    fprintf(out, "%-20s %s\n", "Store Timestamp:", store);
    fprintf(out, "%-20s %s\n", "Born Host:", m->born_host);
    fprintf(out, "%-20s %s\n", "Store Host:", m->store_host);
    fprintf(out, "%-20s %d\n", "System Flag:", m->rec.sys_flag);
    fprintf(out, "%-20s ", "Properties:");
    print_properties(out, m->rec.properties);
    fputc('\n', out);
    fprintf(out, "%-20s %s\n", "Message Body Path:", body_path);
}

bool
rj_mqadmin_msg_matches(const rj_mqadmin_msg_t *m, const char *expression)
{
    rj_bytes_t expr = rj_bytes_trim(rj_bytes_from_cstr(expression));
    if (expr.len == 0 || rj_bytes_eq_cstr(expr, "*")) {
        return true;
    }
    rj_bytes_t tag;
    if (!rj_message_properties_get(m->rec.properties, RJ_PROP_TAGS, &tag)) {
        return false;
    }
    const char *p = (const char *)expr.data, *end = p + expr.len;
    while (p < end) {
        const char *bar = strstr(p, "||");
        const char *stop = bar != NULL && bar < end ? bar : end;
        if (rj_bytes_eq(rj_bytes_trim(rj_bytes(p, (size_t)(stop - p))), tag)) {
            return true;
        }
        p = stop + (stop < end ? 2 : 0);
    }
    return false;
}

void
rj_mqadmin_msg_print_line(FILE *out, const rj_mqadmin_msg_t *m, const char *broker_name,
                          bool print_body)
{
    const rj_message_record_t *r = &m->rec;
    size_t len;
    const uint8_t *body = rj_mqadmin_msg_body(m, &len);
    fprintf(out,
            "MSGID: %s MessageExt [brokerName=%s, queueId=%d, storeSize=%d, queueOffset=%lld, "
            "sysFlag=%d, bornTimestamp=%lld, bornHost=/%s, storeTimestamp=%lld, storeHost=/%s, "
            "msgId=%s, commitLogOffset=%lld, bodyCRC=%d, reconsumeTimes=%d, "
            "preparedTransactionOffset=%lld, toString()=Message{topic='%.*s', flag=%d, "
            "properties=",
            m->msg_id, broker_name != NULL ? broker_name : "null", r->queue_id, r->total_size,
            (long long)r->queue_offset, r->sys_flag, (long long)r->born_timestamp, m->born_host,
            (long long)r->store_timestamp, m->store_host, m->offset_msg_id,
            (long long)r->phy_offset, r->body_crc, r->reconsume_times,
            (long long)r->prepared_transaction_offset, (int)r->topic.len,
            (const char *)r->topic.data, r->flag);
    print_properties(out, r->properties);
    fputs(", body=[", out);
    for (size_t i = 0; i < len && i < BODY_ECHO_BYTES; i++) {
        fprintf(out, "%s%d", i ? ", " : "", (int)(int8_t)body[i]);
    }
    if (len > BODY_ECHO_BYTES) {
        fprintf(out, ", ... %zu bytes", len);
    }
    fputs("], transactionId='null'}] BODY: ", out);
    if (print_body) {
        fwrite(body, 1, len, out);
    } else {
        fputs("NOT PRINT BODY", out);
    }
    fputc('\n', out);
}

int
rj_mqadmin_msg_pull(rj_mqadmin_ctx_t *ctx, const char *addr, const char *group, const char *topic,
                    const char *broker_name, int32_t queue_id, int64_t offset, int32_t max_nums,
                    const char *subscription, rj_mqadmin_msg_pull_result_t *out)
{
    memset(out, 0, sizeof(*out));
    rj_command_t req, *resp = NULL;
    rj_command_init_request(&req, RJ_REQ_PULL_MESSAGE);
    rj_command_add_ext_cstr(&req, "consumerGroup", group);
    rj_command_add_ext_cstr(&req, "topic", topic);
    rj_command_add_ext_i64(&req, "queueId", queue_id);
    rj_command_add_ext_i64(&req, "queueOffset", offset);
    rj_command_add_ext_i64(&req, "maxMsgNums", max_nums);
    rj_command_add_ext_i64(&req, "sysFlag", 0x4); /* SUBSCRIPTION: filter "*" given here */
    rj_command_add_ext_i64(&req, "commitOffset", 0);
    rj_command_add_ext_i64(&req, "suspendTimeoutMillis", 20000);
    rj_command_add_ext_cstr(&req, "subscription", subscription != NULL ? subscription : "*");
    rj_command_add_ext_i64(&req, "subVersion", 0);
    rj_command_add_ext_cstr(&req, "expressionType", "TAG");
    rj_command_add_ext_cstr(&req, "bname", broker_name);
    int rc = rj_mqadmin_ctx_invoke(ctx, addr, &req, &resp);
    if (rc != 0) {
        return rc;
    }
    out->code = resp->code;
    switch (resp->code) {
    case RJ_RESP_SUCCESS:
    case RJ_RESP_PULL_NOT_FOUND:
    case RJ_RESP_PULL_RETRY_IMMEDIATELY:
    case RJ_RESP_PULL_OFFSET_MOVED:
        break;
    default:
        return rj_mqadmin_ctx_answer_ok(ctx, addr, &req, resp, NULL); /* words the refusal */
    }
    if (rj_command_ext_i64(resp, "nextBeginOffset", &out->next_begin_offset) != 0 ||
        rj_command_ext_i64(resp, "minOffset", &out->min_offset) != 0 ||
        rj_command_ext_i64(resp, "maxOffset", &out->max_offset) != 0) {
        rc = rj_mqadmin_ctx_fail(ctx, RJ_EMALFORMED, "the pull answer of %s lacks its offsets",
                                 addr);
    } else if (resp->code == RJ_RESP_SUCCESS) {
        rc = rj_mqadmin_msg_list_decode(&out->msgs, resp->body.data, resp->body.len);
        if (rc != 0) {
            rc = rj_mqadmin_ctx_fail(ctx, rc,
                                     "the pull answer of %s holds a bad message record (%s)", addr,
                                     rj_strerror(rc));
        }
    }
    rj_command_destroy(resp);
    if (rc != 0) {
        rj_mqadmin_msg_list_cleanup(&out->msgs);
    }
    return rc;
}
