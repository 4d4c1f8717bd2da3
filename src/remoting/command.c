/*
 * Remoting command: frame check, decode dispatch by serialize type, command
 * building, ext field lookups, frame encoding and owned copies. The header
 * formats themselves live in header_json.c and header_binary.c.
 *
 * Lengths from the wire are never trusted: the length field is read unsigned
 * and bounded by the frame limit before anything else uses it, the header
 * length is bounded by the frame, and every sum is done in 64 bits.
 */
#include "remoting/command.h"

#include "common/alloc.h"
#include "common/log.h"
#include "ramjet/status.h"
#include "remoting/command_internal.h"

#include <string.h>

/* "00".."99": two digits per division in rj_command_format_i64. */
static const char digit_pairs[201] = "00010203040506070809"
                                     "10111213141516171819"
                                     "20212223242526272829"
                                     "30313233343536373839"
                                     "40414243444546474849"
                                     "50515253545556575859"
                                     "60616263646566676869"
                                     "70717273747576777879"
                                     "80818283848586878889"
                                     "90919293949596979899";

size_t
rj_command_format_i64(char buf[24], int64_t v)
{
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    size_t digits = 1;
    for (uint64_t t = u; t >= 10; t /= 10) {
        digits++;
    }
    size_t n = digits + (v < 0);
    char *p = buf + n;
    while (u >= 100) {
        unsigned d = (unsigned)(u % 100) * 2;
        u /= 100;
        *--p = digit_pairs[d + 1];
        *--p = digit_pairs[d];
    }
    if (u >= 10) {
        unsigned d = (unsigned)u * 2;
        *--p = digit_pairs[d + 1];
        *--p = digit_pairs[d];
    } else {
        *--p = (char)('0' + u);
    }
    if (v < 0) {
        *--p = '-';
    }
    return n;
}

/* ------------------------------------------------------------------ frames */

int64_t
rj_frame_check(const uint8_t *data, size_t len, uint32_t max_frame_bytes)
{
    if (max_frame_bytes == 0) {
        max_frame_bytes = RJ_FRAME_MAX_DEFAULT;
    }
    if (len < 4) {
        return 0;
    }
    /* Read unsigned: a negative int32 length is simply too large. */
    uint32_t length = rj_load_be32(data);
    if (length > max_frame_bytes) {
        return RJ_ETOOLARGE;
    }
    if (length < 4) {
        return RJ_EMALFORMED;
    }
    if (len < RJ_FRAME_PREFIX_LEN) {
        return 0;
    }
    uint32_t word = rj_load_be32(data + 4);
    uint32_t type = word >> 24;
    uint32_t header_len = word & RJ_FRAME_MAX_HEADER_LEN;
    if (type != RJ_SERIALIZE_JSON && type != RJ_SERIALIZE_ROCKETMQ) {
        return RJ_EMALFORMED;
    }
    if (header_len > length - 4) {
        return RJ_EMALFORMED;
    }
    if (len - 4 < length) {
        return 0;
    }
    return (int64_t)length + 4;
}

/* ---------------------------------------------------------------- decoding */

int
rj_command_decode_header(uint8_t serialize_type, uint8_t *header, size_t len, rj_command_t *cmd)
{
    switch (serialize_type) {
    case RJ_SERIALIZE_JSON:
        return rj_header_json_decode(header, len, cmd);
    case RJ_SERIALIZE_ROCKETMQ:
        return rj_header_binary_decode(header, len, cmd);
    default:
        return RJ_EMALFORMED;
    }
}

int64_t
rj_command_decode(uint8_t *data, size_t len, uint32_t max_frame_bytes, rj_command_t *cmd)
{
    int64_t frame_len = rj_frame_check(data, len, max_frame_bytes);
    if (frame_len <= 0) {
        return frame_len;
    }
    uint32_t word = rj_load_be32(data + 4);
    size_t header_len = word & RJ_FRAME_MAX_HEADER_LEN;
    int rc = rj_command_decode_header((uint8_t)(word >> 24), data + RJ_FRAME_PREFIX_LEN, header_len,
                                      cmd);
    if (rc != 0) {
        return rc;
    }
    size_t body_off = RJ_FRAME_PREFIX_LEN + header_len;
    size_t body_len = (size_t)frame_len - body_off;
    cmd->body = body_len > 0 ? rj_bytes(data + body_off, body_len) : RJ_BYTES_NULL;
    return frame_len;
}

/* ---------------------------------------------------------------- building */

void
rj_command_init_request(rj_command_t *cmd, int32_t code)
{
    cmd->code = code;
    cmd->language = RJ_LANG_JAVA;
    cmd->version = RJ_REMOTING_VERSION;
    cmd->opaque = 0;
    cmd->flag = 0;
    cmd->serialize_type = RJ_SERIALIZE_JSON;
    cmd->has_remark = false;
    cmd->has_ext_fields = false;
    cmd->remark = RJ_BYTES_NULL;
    cmd->body = RJ_BYTES_NULL;
    cmd->ext_count = 0;
}

void
rj_command_init_response(rj_command_t *resp, const rj_command_t *req, int32_t code)
{
    rj_command_init_request(resp, code);
    resp->opaque = req->opaque;
    resp->serialize_type = req->serialize_type;
    resp->flag = RJ_CMD_FLAG_RESPONSE;
}

void
rj_command_set_remark(rj_command_t *cmd, rj_bytes_t remark)
{
    cmd->has_remark = true;
    cmd->remark = remark;
}

void
rj_command_set_remark_cstr(rj_command_t *cmd, const char *remark)
{
    cmd->has_remark = remark != NULL;
    cmd->remark = rj_bytes_from_cstr(remark);
}

void
rj_command_mark_ext_fields(rj_command_t *cmd)
{
    cmd->has_ext_fields = true;
}

static rj_ext_field_t *
add_field(rj_command_t *cmd, rj_bytes_t key)
{
    if (cmd->ext_count >= RJ_CMD_MAX_EXT_FIELDS) {
        return NULL;
    }
    rj_ext_field_t *f = &cmd->ext[cmd->ext_count++];
    cmd->has_ext_fields = true;
    f->key = key;
    f->value = RJ_BYTES_NULL;
    f->num = 0;
    f->is_int = false;
    return f;
}

int
rj_command_add_ext(rj_command_t *cmd, rj_bytes_t key, rj_bytes_t value)
{
    rj_ext_field_t *f = add_field(cmd, key);
    if (f == NULL) {
        return RJ_ETOOLARGE;
    }
    f->value = value;
    return 0;
}

int
rj_command_add_ext_cstr(rj_command_t *cmd, const char *key, const char *value)
{
    if (value == NULL) {
        return 0;
    }
    return rj_command_add_ext(cmd, rj_bytes_from_cstr(key), rj_bytes_from_cstr(value));
}

int
rj_command_add_ext_i64(rj_command_t *cmd, const char *key, int64_t value)
{
    rj_ext_field_t *f = add_field(cmd, rj_bytes_from_cstr(key));
    if (f == NULL) {
        return RJ_ETOOLARGE;
    }
    f->num = value;
    f->is_int = true;
    return 0;
}

int
rj_command_add_ext_bool(rj_command_t *cmd, const char *key, bool value)
{
    return rj_command_add_ext(cmd, rj_bytes_from_cstr(key),
                              value ? RJ_BYTES_LIT("true") : RJ_BYTES_LIT("false"));
}

/* ---------------------------------------------------------------- lookups */

const rj_ext_field_t *
rj_command_ext_find(const rj_command_t *cmd, const char *key)
{
    size_t n = strlen(key);
    /* Length and first byte first: SEND_MESSAGE_V2's keys are all one letter long. */
    uint8_t first = (uint8_t)key[0];
    for (uint32_t i = cmd->ext_count; i-- > 0;) {
        const rj_ext_field_t *f = &cmd->ext[i];
        if (f->key.len == n &&
            (n == 0 || (f->key.data[0] == first &&
                        (n == 1 || memcmp(f->key.data + 1, key + 1, n - 1) == 0)))) {
            return f;
        }
    }
    return NULL;
}

bool
rj_command_ext_get(const rj_command_t *cmd, const char *key, rj_bytes_t *out)
{
    const rj_ext_field_t *f = rj_command_ext_find(cmd, key);
    if (f == NULL || f->is_int) {
        return false;
    }
    *out = f->value;
    return true;
}

int
rj_command_ext_i64(const rj_command_t *cmd, const char *key, int64_t *out)
{
    const rj_ext_field_t *f = rj_command_ext_find(cmd, key);
    if (f == NULL) {
        return RJ_ENOTFOUND;
    }
    if (f->is_int) {
        *out = f->num;
        return 0;
    }
    return rj_bytes_parse_i64(f->value, out);
}

int
rj_command_ext_i32(const rj_command_t *cmd, const char *key, int32_t *out)
{
    const rj_ext_field_t *f = rj_command_ext_find(cmd, key);
    if (f == NULL) {
        return RJ_ENOTFOUND;
    }
    if (f->is_int) {
        if (f->num < INT32_MIN || f->num > INT32_MAX) {
            return RJ_ETOOLARGE;
        }
        *out = (int32_t)f->num;
        return 0;
    }
    return rj_bytes_parse_i32(f->value, out);
}

int
rj_command_ext_bool(const rj_command_t *cmd, const char *key, bool *out)
{
    const rj_ext_field_t *f = rj_command_ext_find(cmd, key);
    if (f == NULL) {
        return RJ_ENOTFOUND;
    }
    *out = !f->is_int && rj_bytes_parse_java_bool(f->value);
    return 0;
}

/* ---------------------------------------------------------------- encoding */

int
rj_command_encode_header(const rj_command_t *cmd, size_t body_len, rj_buf_t *out)
{
    size_t start = out->len;
    int rc;
    if (cmd->ext_count > RJ_CMD_MAX_EXT_FIELDS) {
        return RJ_EINVAL;
    }
    /* Room for the prefix, filled in once the header length is known. */
    if ((rc = rj_buf_append_be32(out, 0)) != 0 || (rc = rj_buf_append_be32(out, 0)) != 0) {
        goto fail;
    }
    switch (cmd->serialize_type) {
    case RJ_SERIALIZE_JSON:
        rc = rj_header_json_encode(cmd, out);
        break;
    case RJ_SERIALIZE_ROCKETMQ:
        rc = rj_header_binary_encode(cmd, out);
        break;
    default:
        rc = RJ_EINVAL;
        break;
    }
    if (rc != 0) {
        goto fail;
    }
    size_t header_len = out->len - start - RJ_FRAME_PREFIX_LEN;
    if (header_len > RJ_FRAME_MAX_HEADER_LEN) {
        rc = RJ_ETOOLARGE;
        goto fail;
    }
    uint64_t length = 4 + (uint64_t)header_len + body_len;
    if (length > INT32_MAX) {
        rc = RJ_ETOOLARGE;
        goto fail;
    }
    rj_store_be32(out->data + start, (uint32_t)length);
    rj_store_be32(out->data + start + 4,
                  (uint32_t)cmd->serialize_type << 24 | (uint32_t)header_len);
    return 0;
fail:
    out->len = start;
    return rc;
}

int
rj_command_encode(const rj_command_t *cmd, rj_buf_t *out)
{
    size_t start = out->len;
    int rc = rj_command_encode_header(cmd, cmd->body.len, out);
    if (rc == 0 && cmd->body.len > 0) {
        rc = rj_buf_append(out, cmd->body.data, cmd->body.len);
        if (rc != 0) {
            out->len = start;
        }
    }
    return rc;
}

/* ---------------------------------------------------------------- copies */

static rj_bytes_t
copy_view(rj_bytes_t v, uint8_t **p)
{
    if (v.len == 0) {
        return rj_bytes(v.data != NULL ? *p : NULL, 0);
    }
    memcpy(*p, v.data, v.len);
    rj_bytes_t r = rj_bytes(*p, v.len);
    *p += v.len;
    return r;
}

rj_command_t *
rj_command_dup(const rj_command_t *cmd)
{
    size_t extra = cmd->body.len + (cmd->has_remark ? cmd->remark.len : 0);
    uint32_t count = cmd->ext_count <= RJ_CMD_MAX_EXT_FIELDS ? cmd->ext_count : 0;
    for (uint32_t i = 0; i < count; i++) {
        extra += cmd->ext[i].key.len + (cmd->ext[i].is_int ? 0 : cmd->ext[i].value.len);
    }
    if (extra > SIZE_MAX - sizeof(rj_command_t)) {
        return NULL;
    }
    rj_command_t *copy = rj_malloc(sizeof(rj_command_t) + extra);
    if (copy == NULL) {
        return NULL;
    }
    uint8_t *p = (uint8_t *)(copy + 1);
    /* Scalars and the used part of the ext array; the rest stays unset as in any command. */
    memcpy(copy, cmd, offsetof(rj_command_t, ext));
    copy->ext_count = count;
    copy->remark = cmd->has_remark ? copy_view(cmd->remark, &p) : RJ_BYTES_NULL;
    for (uint32_t i = 0; i < count; i++) {
        copy->ext[i] = cmd->ext[i];
        copy->ext[i].key = copy_view(cmd->ext[i].key, &p);
        if (!cmd->ext[i].is_int) {
            copy->ext[i].value = copy_view(cmd->ext[i].value, &p);
        }
    }
    copy->body = copy_view(cmd->body, &p);
    return copy;
}

void
rj_command_destroy(rj_command_t *cmd)
{
    rj_free(cmd);
}
