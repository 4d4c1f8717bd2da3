/*
 * ROCKETMQ binary remoting header (serialize type 1, wire.md §3): decoder and
 * encoder.
 *
 * Layout: code int16 | language u8 | version int16 | opaque int32 | flag int32 |
 * remarkLen int32 | remark | extLen int32 | { keyLen int16 | key | valLen int32 |
 * value }*. Every length is checked against the bytes that remain, so a
 * hostile length can neither read past the header nor overflow an offset.
 * A zero-length remark, key or value decodes as null, as in Java; null
 * pairs are left out.
 */
#include "remoting/command_internal.h"

#include "common/assert.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <string.h>

/* code + language + version + opaque + flag + remarkLen + extLen */
#define FIXED_LEN (2 + 1 + 2 + 4 + 4 + 4 + 4)

static int
bad(const char *why, size_t at, size_t len)
{
    rj_log(RJ_LOG_DEBUG, 0, "remoting: bad ROCKETMQ header at byte %zu of %zu: %s", at, len, why);
    return RJ_EMALFORMED;
}

int
rj_header_binary_decode(const uint8_t *header, size_t len, rj_command_t *cmd)
{
    size_t pos = 0;
    if (len < FIXED_LEN) {
        return bad("shorter than the fixed fields", 0, len);
    }
    cmd->code = (int16_t)rj_load_be16(header);
    cmd->language = header[2];
    cmd->version = (int16_t)rj_load_be16(header + 3);
    cmd->opaque = (int32_t)rj_load_be32(header + 5);
    cmd->flag = (int32_t)rj_load_be32(header + 9);
    cmd->serialize_type = RJ_SERIALIZE_ROCKETMQ;
    cmd->has_ext_fields = false;
    cmd->ext_count = 0;
    cmd->body = RJ_BYTES_NULL;
    pos = 13;

    uint32_t remark_len = rj_load_be32(header + pos);
    pos += 4;
    /* len - pos - 4 leaves room for extLen; unsigned compare also rejects negatives. */
    if (remark_len > len - pos - 4) {
        return bad("remark length beyond the header", pos - 4, len);
    }
    cmd->has_remark = remark_len > 0;
    cmd->remark = rj_bytes(header + pos, remark_len);
    if (remark_len == 0) {
        cmd->remark = RJ_BYTES_NULL;
    }
    pos += remark_len;

    uint32_t ext_len = rj_load_be32(header + pos);
    pos += 4;
    if (ext_len > len - pos) {
        return bad("extFields length beyond the header", pos - 4, len);
    }
    size_t ext_end = pos + ext_len;
    if (ext_len > 0) {
        cmd->has_ext_fields = true;
    }
    while (pos < ext_end) {
        if (ext_end - pos < 2) {
            return bad("truncated key length", pos, len);
        }
        uint16_t key_len = rj_load_be16(header + pos);
        pos += 2;
        /* Java reads the length as a signed short: above 32767 it is negative. */
        if (key_len > 0x7FFF || key_len > ext_end - pos) {
            return bad("key length beyond the extFields area", pos - 2, len);
        }
        rj_bytes_t key = rj_bytes(header + pos, key_len);
        pos += key_len;
        if (ext_end - pos < 4) {
            return bad("truncated value length", pos, len);
        }
        uint32_t val_len = rj_load_be32(header + pos);
        pos += 4;
        if (val_len > ext_end - pos) {
            return bad("value length beyond the extFields area", pos - 4, len);
        }
        rj_bytes_t value = rj_bytes(header + pos, val_len);
        pos += val_len;
        if (key_len == 0 || val_len == 0) {
            continue; /* null key or value */
        }
        if (cmd->ext_count >= RJ_CMD_MAX_EXT_FIELDS) {
            rj_log_ratelimited(10000, RJ_LOG_WARN, 0,
                               "remoting: header has more than %d extFields, rejected",
                               RJ_CMD_MAX_EXT_FIELDS);
            return bad("too many extFields", pos, len);
        }
        rj_ext_field_t *f = &cmd->ext[cmd->ext_count++];
        f->key = key;
        f->value = value;
        f->num = 0;
        f->is_int = false;
    }
    /* Java ignores bytes after the extFields area; so do we. */
    return 0;
}

static void
put16(uint8_t **p, uint16_t v)
{
    rj_store_be16(*p, v);
    *p += 2;
}

static void
put32(uint8_t **p, uint32_t v)
{
    rj_store_be32(*p, v);
    *p += 4;
}

static void
put_bytes(uint8_t **p, const void *data, size_t n)
{
    if (n > 0) {
        memcpy(*p, data, n);
        *p += n;
    }
}

int
rj_header_binary_encode(const rj_command_t *cmd, rj_buf_t *out)
{
    char nums[RJ_CMD_MAX_EXT_FIELDS][24];
    size_t num_len[RJ_CMD_MAX_EXT_FIELDS];
    size_t ext_len = 0;
    size_t remark_len = cmd->has_remark ? cmd->remark.len : 0;
    uint32_t count = cmd->ext_count;

    if (count > RJ_CMD_MAX_EXT_FIELDS) {
        return RJ_EINVAL;
    }
    if (cmd->code < INT16_MIN || cmd->code > INT16_MAX || cmd->version < INT16_MIN ||
        cmd->version > INT16_MAX || cmd->language < 0 || cmd->language > 0xFF) {
        return RJ_EINVAL;
    }
    if (remark_len > RJ_FRAME_MAX_HEADER_LEN) {
        return RJ_ETOOLARGE;
    }
    for (uint32_t i = 0; i < count; i++) {
        const rj_ext_field_t *f = &cmd->ext[i];
        size_t vlen = f->value.len;
        if (f->is_int) {
            num_len[i] = rj_command_format_i64(nums[i], f->num);
            vlen = num_len[i];
        }
        if (f->key.len > 0x7FFF) {
            return RJ_EINVAL;
        }
        if (vlen > RJ_FRAME_MAX_HEADER_LEN) {
            return RJ_ETOOLARGE;
        }
        if (f->key.len == 0 || vlen == 0) {
            continue; /* would decode as null: Java leaves such pairs out */
        }
        ext_len += 2 + f->key.len + 4 + vlen;
    }
    size_t total = FIXED_LEN + remark_len + ext_len;
    if (total > RJ_FRAME_MAX_HEADER_LEN) {
        return RJ_ETOOLARGE;
    }
    int rc = rj_buf_reserve(out, total);
    if (rc != 0) {
        return rc;
    }
    uint8_t *p = out->data + out->len;
    put16(&p, (uint16_t)(int16_t)cmd->code);
    *p++ = (uint8_t)cmd->language;
    put16(&p, (uint16_t)(int16_t)cmd->version);
    put32(&p, (uint32_t)cmd->opaque);
    put32(&p, (uint32_t)cmd->flag);
    put32(&p, (uint32_t)remark_len);
    put_bytes(&p, cmd->remark.data, remark_len);
    put32(&p, (uint32_t)ext_len);
    for (uint32_t i = 0; i < count; i++) {
        const rj_ext_field_t *f = &cmd->ext[i];
        const void *v = f->is_int ? (const void *)nums[i] : (const void *)f->value.data;
        size_t vlen = f->is_int ? num_len[i] : f->value.len;
        if (f->key.len == 0 || vlen == 0) {
            continue;
        }
        put16(&p, (uint16_t)f->key.len);
        put_bytes(&p, f->key.data, f->key.len);
        put32(&p, (uint32_t)vlen);
        put_bytes(&p, v, vlen);
    }
    RJ_ASSERT((size_t)(p - (out->data + out->len)) == total);
    out->len += total;
    return 0;
}
