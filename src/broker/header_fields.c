/*
 * One-pass request header reading: a per-spec table from a name's first byte
 * to the ids of the names starting with it, so each ext field costs a table
 * load and, usually, one length check and one memcmp.
 */
#include "broker/header_fields.h"

#include "common/assert.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <string.h>

static pthread_mutex_t spec_lock = PTHREAD_MUTEX_INITIALIZER;

static void
spec_build(rj_header_spec_t *spec)
{
    pthread_mutex_lock(&spec_lock);
    if (!atomic_load_explicit(&spec->ready, memory_order_relaxed)) {
        memset(spec->by_first, 0, sizeof(spec->by_first));
        for (size_t i = 0; i < spec->n && i < RJ_HEADER_SPEC_MAX; i++) {
            size_t len = strlen(spec->names[i]);
            if (len == 0 || len > UINT8_MAX) {
                continue;
            }
            spec->lens[i] = (uint8_t)len;
            spec->by_first[(uint8_t)spec->names[i][0]] |= 1u << i;
        }
        atomic_store_explicit(&spec->ready, true, memory_order_release);
    }
    pthread_mutex_unlock(&spec_lock);
}

void
rj_header_fields_scan(rj_header_fields_t *hf, const rj_command_t *cmd, rj_header_spec_t *spec)
{
    if (!atomic_load_explicit(&spec->ready, memory_order_acquire)) {
        spec_build(spec);
    }
    hf->rd.cmd = cmd;
    hf->rd.missing = NULL;
    hf->rd.invalid = NULL;
    hf->spec = spec;
    memset(hf->f, 0, sizeof(hf->f));
    uint32_t count =
        cmd->ext_count < RJ_CMD_MAX_EXT_FIELDS ? cmd->ext_count : RJ_CMD_MAX_EXT_FIELDS;
    for (uint32_t i = 0; i < count; i++) {
        const rj_ext_field_t *f = &cmd->ext[i];
        if (f->key.len == 0) {
            continue;
        }
        uint32_t ids = spec->by_first[f->key.data[0]];
        while (ids != 0) {
            unsigned id = (unsigned)__builtin_ctz(ids);
            ids &= ids - 1;
            if (spec->lens[id] == f->key.len &&
                memcmp(spec->names[id] + 1, f->key.data + 1, f->key.len - 1) == 0) {
                hf->f[id] = f; /* later duplicates win, as in Java's HashMap */
                break;
            }
        }
    }
}

/*
 * Plain decimal numbers of up to 18 digits (what clients send: offsets,
 * queue ids, flags) cannot overflow an int64: parsed here in one loop.
 * Anything else (a sign '+', longer numbers, junk) goes through
 * rj_bytes_parse_i64, whose Java rules decide. True when parsed here.
 */
static bool
parse_short_decimal(rj_bytes_t v, int64_t *out)
{
    size_t i = v.len > 0 && v.data[0] == '-' ? 1 : 0;
    if (v.len <= i || v.len - i > 18) {
        return false;
    }
    int64_t n = 0;
    for (size_t k = i; k < v.len; k++) {
        unsigned d = (unsigned)v.data[k] - '0';
        if (d > 9) {
            return false;
        }
        n = n * 10 + (int64_t)d;
    }
    *out = i ? -n : n;
    return true;
}

static int
parse_i64(rj_bytes_t v, int64_t *out)
{
    return parse_short_decimal(v, out) ? 0 : rj_bytes_parse_i64(v, out);
}

static int
parse_i32(rj_bytes_t v, int32_t *out)
{
    int64_t n;
    if (parse_short_decimal(v, &n) && n >= INT32_MIN && n <= INT32_MAX) {
        *out = (int32_t)n;
        return 0;
    }
    return rj_bytes_parse_i32(v, out);
}

/* As broker_reply.c: the first failed required field is kept. */
static void
note_failure(rj_header_fields_t *hf, size_t id, bool required, int rc)
{
    if (required && hf->rd.missing == NULL && hf->rd.invalid == NULL) {
        if (rc == RJ_ENOTFOUND) {
            hf->rd.missing = hf->spec->names[id];
        } else {
            hf->rd.invalid = hf->spec->names[id];
        }
    }
}

bool
rj_header_fields_failed(const rj_header_fields_t *hf)
{
    return hf->rd.missing != NULL || hf->rd.invalid != NULL;
}

bool
rj_header_fields_has(const rj_header_fields_t *hf, size_t id)
{
    return id < RJ_HEADER_SPEC_MAX && hf->f[id] != NULL;
}

rj_bytes_t
rj_header_fields_str(rj_header_fields_t *hf, size_t id, bool required)
{
    const rj_ext_field_t *f = id < RJ_HEADER_SPEC_MAX ? hf->f[id] : NULL;
    if (f != NULL && !f->is_int) {
        return f->value;
    }
    note_failure(hf, id, required, RJ_ENOTFOUND);
    return RJ_BYTES_NULL;
}

int64_t
rj_header_fields_i64(rj_header_fields_t *hf, size_t id, bool required, int64_t def)
{
    const rj_ext_field_t *f = id < RJ_HEADER_SPEC_MAX ? hf->f[id] : NULL;
    int64_t v;
    int rc = RJ_ENOTFOUND;
    if (f != NULL) {
        if (f->is_int) {
            return f->num;
        }
        rc = parse_i64(f->value, &v);
        if (rc == 0) {
            return v;
        }
    }
    note_failure(hf, id, required, rc);
    return def;
}

int
rj_header_fields_try_i32(const rj_header_fields_t *hf, size_t id, int32_t *out)
{
    const rj_ext_field_t *f = id < RJ_HEADER_SPEC_MAX ? hf->f[id] : NULL;
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
    return parse_i32(f->value, out);
}

int32_t
rj_header_fields_i32(rj_header_fields_t *hf, size_t id, bool required, int32_t def)
{
    int32_t v;
    int rc = rj_header_fields_try_i32(hf, id, &v);
    if (rc == 0) {
        return v;
    }
    note_failure(hf, id, required, rc);
    return def;
}

bool
rj_header_fields_bool(const rj_header_fields_t *hf, size_t id, bool def)
{
    const rj_ext_field_t *f = id < RJ_HEADER_SPEC_MAX ? hf->f[id] : NULL;
    if (f == NULL) {
        return def;
    }
    return !f->is_int && rj_bytes_parse_java_bool(f->value);
}
