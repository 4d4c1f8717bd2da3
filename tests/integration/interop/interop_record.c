/*
 * Stored records fetched with raw requests and decoded field by field (see
 * interop_record.h). Independent of the client library's decoder on purpose:
 * a test that used the same code on both ends could not see a symmetric bug.
 */
#include "interop_record.h"

#include "common/buf.h"
#include "common/endian.h"
#include "support/raw_client.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>

#define REQ_QUERY_MESSAGE 12
#define REQ_VIEW_MESSAGE_BY_ID 33
#define SYSFLAG_COMPRESSED 0x1
#define SYSFLAG_BORNHOST_V6 0x10
#define SYSFLAG_STOREHOST_V6 0x20

static void
host_text(const uint8_t *p, char *out, size_t size)
{
    snprintf(out, size, "%u.%u.%u.%u:%d", p[0], p[1], p[2], p[3], (int32_t)rj_load_be32(p + 4));
}

size_t
it_record_decode(const uint8_t *data, size_t len, it_record_t *out)
{
    memset(out, 0, sizeof(*out));
    if (len < 91) {
        fail_msg("record of %zu bytes: shorter than the fixed part", len);
    }
    out->total_size = rj_load_be32(data);
    out->magic = rj_load_be32(data + 4);
    if (out->magic != IT_MAGIC_V1) {
        fail_msg("record magic 0x%08X, want the v1 layout 0x%08X (ali-ons decodes v1 only)",
                 out->magic, IT_MAGIC_V1);
    }
    if (out->total_size > len) {
        fail_msg("record TOTALSIZE %u beyond the %zu bytes received", out->total_size, len);
    }
    out->body_crc = (int32_t)rj_load_be32(data + 8);
    out->queue_id = (int32_t)rj_load_be32(data + 12);
    out->flag = (int32_t)rj_load_be32(data + 16);
    out->queue_offset = (int64_t)rj_load_be64(data + 20);
    out->phy_offset = (int64_t)rj_load_be64(data + 28);
    out->sys_flag = (int32_t)rj_load_be32(data + 36);
    if ((out->sys_flag & (SYSFLAG_BORNHOST_V6 | SYSFLAG_STOREHOST_V6)) != 0) {
        fail_msg("record sysFlag 0x%x marks an IPv6 host; ali-ons reads 4-byte hosts only",
                 out->sys_flag);
    }
    out->born_timestamp = (int64_t)rj_load_be64(data + 40);
    host_text(data + 48, out->born_host, sizeof(out->born_host));
    out->store_timestamp = (int64_t)rj_load_be64(data + 56);
    host_text(data + 64, out->store_host, sizeof(out->store_host));
    out->reconsume_times = (int32_t)rj_load_be32(data + 72);
    out->prepared_transaction_offset = (int64_t)rj_load_be64(data + 76);
    int32_t body_len = (int32_t)rj_load_be32(data + 84);
    if (body_len < 0 || (size_t)body_len + 91 > out->total_size) {
        fail_msg("record BODYLEN %d does not fit TOTALSIZE %u", body_len, out->total_size);
    }
    out->body = data + 88;
    out->body_len = (size_t)body_len;
    size_t pos = 88 + (size_t)body_len;
    int8_t topic_len = (int8_t)data[pos++];
    if (topic_len < 0 || pos + (size_t)topic_len + 2 > out->total_size) {
        fail_msg("record TOPICLEN %d does not fit TOTALSIZE %u", topic_len, out->total_size);
    }
    memcpy(out->topic, data + pos, (size_t)topic_len);
    out->topic[topic_len] = '\0';
    pos += (size_t)topic_len;
    int16_t props_len = (int16_t)rj_load_be16(data + pos);
    pos += 2;
    if (props_len < 0 || pos + (size_t)props_len != out->total_size) {
        fail_msg("record TOTALSIZE %u != 91 + body %zu + topic %d + properties %d", out->total_size,
                 out->body_len, topic_len, props_len);
    }
    out->properties = (const char *)data + pos;
    out->properties_len = (size_t)props_len;
    return out->total_size;
}

bool
it_record_property(const it_record_t *r, const char *key, char *buf, size_t size)
{
    const char *p = r->properties, *end = r->properties + r->properties_len;
    size_t klen = strlen(key);
    while (p < end) {
        const char *sep = memchr(p, '\002', (size_t)(end - p));
        const char *item_end = sep != NULL ? sep : end;
        const char *eq = memchr(p, '\001', (size_t)(item_end - p));
        if (eq != NULL && (size_t)(eq - p) == klen && memcmp(p, key, klen) == 0) {
            snprintf(buf, size, "%.*s", (int)(item_end - eq - 1), eq + 1);
            return true;
        }
        p = item_end + 1;
    }
    return false;
}

void
it_msgid_decode(const char *msg_id, char *addr, size_t size, int64_t *offset)
{
    uint8_t b[16];
    assert_int_equal(strlen(msg_id), 32);
    for (size_t i = 0; i < 16; i++) {
        unsigned v;
        assert_int_equal(sscanf(msg_id + 2 * i, "%2X", &v), 1);
        b[i] = (uint8_t)v;
    }
    host_text(b, addr, size);
    *offset = (int64_t)rj_load_be64(b + 8);
}

static void
call(const char *addr, int32_t code, const char *ext_json, rj_raw_reply_t *reply)
{
    rj_raw_client_t *c;
    rj_buf_t req = RJ_BUF_INIT;
    assert_int_equal(rj_raw_client_connect(addr, 5000, &c), 0);
    assert_int_equal(rj_raw_request_json(&req, code, 409, 1, 0, ext_json, NULL, 0), 0);
    assert_int_equal(rj_raw_client_call(c, &req, 5000, reply), 0);
    assert_non_null(reply->json); /* JSON request, JSON answer */
    rj_buf_cleanup(&req);
    rj_raw_client_close(c);
}

uint8_t *
it_view_message(const char *addr, int64_t offset, size_t *len)
{
    char ext[64];
    rj_raw_reply_t r;
    snprintf(ext, sizeof(ext), "{\"offset\":\"%lld\"}", (long long)offset);
    call(addr, REQ_VIEW_MESSAGE_BY_ID, ext, &r);
    if (r.code != 0) {
        fail_msg("VIEW_MESSAGE_BY_ID %lld at %s: code %d %s", (long long)offset, addr, r.code,
                 r.remark != NULL ? r.remark : "");
    }
    uint8_t *out = malloc(r.body.len + 1);
    assert_non_null(out);
    memcpy(out, r.body.data, r.body.len);
    *len = r.body.len;
    rj_raw_reply_cleanup(&r);
    return out;
}

int
it_query_message(const char *addr, const char *topic, const char *key, uint8_t **records,
                 size_t *len)
{
    json_t *ext = json_pack("{s:s, s:s, s:s, s:s, s:s}", "topic", topic, "key", key, "maxNum", "32",
                            "beginTimestamp", "0", "endTimestamp", "9223372036854775807");
    char *text = json_dumps(ext, JSON_COMPACT);
    rj_raw_reply_t r;
    call(addr, REQ_QUERY_MESSAGE, text, &r);
    free(text);
    json_decref(ext);
    int code = r.code;
    *records = NULL;
    *len = 0;
    if (code == 0) {
        *records = malloc(r.body.len + 1);
        assert_non_null(*records);
        memcpy(*records, r.body.data, r.body.len);
        *len = r.body.len;
    }
    rj_raw_reply_cleanup(&r);
    return code;
}

uint8_t *
it_record_plain_body(const it_record_t *r, size_t *len)
{
    if ((r->sys_flag & SYSFLAG_COMPRESSED) == 0) {
        uint8_t *out = malloc(r->body_len + 1);
        assert_non_null(out);
        memcpy(out, r->body, r->body_len);
        *len = r->body_len;
        return out;
    }
    rj_buf_t out = RJ_BUF_INIT;
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(inflateInit(&zs), Z_OK);
    zs.next_in = (Bytef *)r->body;
    zs.avail_in = (uInt)r->body_len;
    int zrc;
    do {
        assert_int_equal(rj_buf_reserve(&out, 16384), 0);
        zs.next_out = out.data + out.len;
        zs.avail_out = 16384;
        zrc = inflate(&zs, Z_NO_FLUSH);
        if (zrc != Z_OK && zrc != Z_STREAM_END) {
            fail_msg("stored body flagged compressed does not inflate: zlib %d", zrc);
        }
        out.len += 16384 - zs.avail_out;
    } while (zrc != Z_STREAM_END);
    inflateEnd(&zs);
    return (uint8_t *)rj_buf_detach(&out, len);
}
