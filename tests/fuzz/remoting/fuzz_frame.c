/*
 * Fuzz target for the remoting frame codec: frame check, in-place decode of
 * every frame in the input (as a connection would see them), re-encode in the
 * same and in the other header type, and decode again, checking that the
 * fields survive. The raw input is also fed to both header decoders directly.
 * Must never crash, leak, hang or lose a field.
 */
#include "remoting/command.h"

#include "common/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)           \
    do {                      \
        if (!(cond)) {        \
            __builtin_trap(); \
        }                     \
    } while (0)

/* Remark as ROCKETMQ headers carry it: an empty remark reads back as null. */
static bool
same_remark(const rj_command_t *a, const rj_command_t *b, bool binary)
{
    bool ha = a->has_remark && (!binary || a->remark.len > 0);
    bool hb = b->has_remark && (!binary || b->remark.len > 0);
    return ha == hb && (!ha || rj_bytes_eq(a->remark, b->remark));
}

/* Ext fields in order; ROCKETMQ headers drop empty keys and values. */
static bool
same_ext(const rj_command_t *a, const rj_command_t *b, bool binary)
{
    uint32_t j = 0;
    for (uint32_t i = 0; i < a->ext_count; i++) {
        const rj_ext_field_t *f = &a->ext[i];
        if (binary && (f->key.len == 0 || f->value.len == 0)) {
            continue;
        }
        if (j >= b->ext_count || !rj_bytes_eq(f->key, b->ext[j].key) ||
            !rj_bytes_eq(f->value, b->ext[j].value)) {
            return false;
        }
        j++;
    }
    return j == b->ext_count;
}

static void
round_trip(const rj_command_t *cmd, uint8_t type)
{
    rj_command_t copy = *cmd, again;
    rj_buf_t out = RJ_BUF_INIT;
    copy.serialize_type = type;
    int rc = rj_command_encode(&copy, &out);
    if (type == RJ_SERIALIZE_JSON) {
        CHECK(rc == 0); /* JSON can carry any decoded command */
    }
    if (rc == 0) {
        int64_t n = rj_command_decode(out.data, out.len, UINT32_MAX, &again);
        CHECK(n == (int64_t)out.len);
        bool binary = type == RJ_SERIALIZE_ROCKETMQ;
        CHECK(again.code == cmd->code && again.opaque == cmd->opaque && again.flag == cmd->flag);
        CHECK(again.version == cmd->version && again.language == cmd->language);
        CHECK(again.serialize_type == type);
        CHECK(same_remark(cmd, &again, binary));
        CHECK(same_ext(cmd, &again, binary));
        CHECK(rj_bytes_eq(again.body, cmd->body));
        if (!binary) {
            CHECK(again.has_ext_fields == (cmd->has_ext_fields || cmd->ext_count > 0));
        }
        /* The owned copy is equal too. */
        rj_command_t *dup = rj_command_dup(&again);
        if (dup != NULL) {
            CHECK(dup->code == again.code && same_ext(&again, dup, false) &&
                  rj_bytes_eq(dup->body, again.body) && same_remark(&again, dup, false));
            rj_command_destroy(dup);
        }
    }
    rj_buf_cleanup(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size > 0 ? size : 1);
    if (buf == NULL) {
        return 0;
    }
    /* Every incomplete prefix is "need more", never an error the full input would not give. */
    int64_t whole = rj_frame_check(data, size, 0);
    if (whole > 0) {
        for (size_t cut = 0; cut < (size_t)whole; cut += 1 + cut / 8) {
            int64_t r = rj_frame_check(data, cut, 0);
            CHECK(r == 0 || r < 0);
        }
    }
    /* The input as a stream of frames. */
    memcpy(buf, data, size);
    size_t off = 0;
    while (off < size) {
        rj_command_t cmd;
        int64_t n = rj_command_decode(buf + off, size - off, 0, &cmd);
        if (n <= 0) {
            break;
        }
        CHECK((size_t)n <= size - off);
        round_trip(&cmd, RJ_SERIALIZE_JSON);
        round_trip(&cmd, RJ_SERIALIZE_ROCKETMQ);
        off += (size_t)n;
    }
    /* The input as a bare header of each type. */
    for (uint8_t type = 0; type <= 1; type++) {
        rj_command_t cmd;
        memcpy(buf, data, size);
        if (rj_command_decode_header(type, buf, size, &cmd) == 0) {
            round_trip(&cmd, RJ_SERIALIZE_JSON);
            round_trip(&cmd, RJ_SERIALIZE_ROCKETMQ);
        }
    }
    free(buf);
    return 0;
}
