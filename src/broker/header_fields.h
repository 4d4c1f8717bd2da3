/*
 * Request headers read in one pass. A processor describes the fields of a
 * header once (rj_header_spec_t, a static table of names); one pass over the
 * request's ext fields then finds them all, instead of one linear scan of the
 * ext fields per field. Values are read with the same rules as
 * broker_reply.h's rj_header_* functions (Java's parsing, the first failed
 * required field is remembered for rj_header_reply_error()).
 */
#ifndef RJ_BROKER_HEADER_FIELDS_H
#define RJ_BROKER_HEADER_FIELDS_H

#include "broker/broker_reply.h"
#include "common/assert.h"
#include "remoting/command.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most fields a spec may name. */
#define RJ_HEADER_SPEC_MAX 32

/*
 * The names of a header's fields; the index of a name is the field's id.
 * Define with RJ_HEADER_SPEC(names) as a static object; its lookup table is
 * built on first use (any thread).
 */
typedef struct {
    const char *const *names;
    size_t n;
    atomic_bool ready;
    uint8_t lens[RJ_HEADER_SPEC_MAX];
    uint32_t by_first[256]; /* first byte of a name -> bit set of the ids starting with it */
} rj_header_spec_t;

#define RJ_HEADER_SPEC(name_array)                            \
    {                                                         \
        .names = (name_array), .n = RJ_ARRAY_SIZE(name_array) \
    }

/* The fields of one request found by rj_header_fields_scan(). */
typedef struct {
    rj_header_reader_t rd; /* failures, for rj_header_failed / rj_header_reply_error */
    const rj_header_spec_t *spec;
    const rj_ext_field_t *f[RJ_HEADER_SPEC_MAX]; /* NULL: absent; duplicates: the last one */
} rj_header_fields_t;

/* One pass over cmd->ext. Names longer than 255 bytes or specs over the maximum never match. */
void rj_header_fields_scan(rj_header_fields_t *hf, const rj_command_t *cmd, rj_header_spec_t *spec);

/* As rj_header_str / rj_header_i64 / rj_header_i32 / rj_header_bool for field `id`. */
rj_bytes_t rj_header_fields_str(rj_header_fields_t *hf, size_t id, bool required);
int64_t rj_header_fields_i64(rj_header_fields_t *hf, size_t id, bool required, int64_t def);
int32_t rj_header_fields_i32(rj_header_fields_t *hf, size_t id, bool required, int32_t def);
bool rj_header_fields_bool(const rj_header_fields_t *hf, size_t id, bool def);

/* Field `id` parsed like rj_command_ext_i32: 0, RJ_ENOTFOUND, RJ_EINVAL or RJ_ETOOLARGE. */
int rj_header_fields_try_i32(const rj_header_fields_t *hf, size_t id, int32_t *out);

/* A required field was missing or malformed (as rj_header_failed(&hf->rd)). */
bool rj_header_fields_failed(const rj_header_fields_t *hf);

/* The field was present. */
bool rj_header_fields_has(const rj_header_fields_t *hf, size_t id);

#endif
