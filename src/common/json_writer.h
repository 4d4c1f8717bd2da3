/*
 * Streaming JSON writer into an rj_buf_t: no tree, no allocation beyond the
 * buffer's growth, so it serves hot paths (remoting headers on every response)
 * as well as bodies. Commas are placed automatically. It can also write the two
 * fastjson forms Java peers produce and expect: unquoted integer keys
 * (`{0:"addr"}`) and whole objects as keys (`{{"brokerName":...}:{...}}`).
 *
 * Errors (out of memory, nesting deeper than RJ_JSON_MAX_DEPTH) are sticky:
 * calls after the first error do nothing, and rj_jw_finish() reports it.
 */
#ifndef RJ_COMMON_JSON_WRITER_H
#define RJ_COMMON_JSON_WRITER_H

#include "common/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RJ_JSON_MAX_DEPTH 64

enum {
    /* Escape every non-ASCII character as \uXXXX (fastjson BrowserCompatible). */
    RJ_JW_ASCII_ONLY = 1u << 0,
};

typedef struct {
    rj_buf_t *out;
    unsigned flags;
    int depth;
    int err;
    bool after_key;
    uint64_t has_items; /* bit d: container at depth d already holds an item */
} rj_json_writer_t;

void rj_jw_init(rj_json_writer_t *w, rj_buf_t *out, unsigned flags);
int rj_jw_finish(rj_json_writer_t *w);

void rj_jw_object_begin(rj_json_writer_t *w);
void rj_jw_object_end(rj_json_writer_t *w);
void rj_jw_array_begin(rj_json_writer_t *w);
void rj_jw_array_end(rj_json_writer_t *w);

void rj_jw_key(rj_json_writer_t *w, const char *key);
void rj_jw_key_n(rj_json_writer_t *w, const char *key, size_t len);
/* fastjson numeric key, written unquoted: `0:`. */
void rj_jw_key_int_unquoted(rj_json_writer_t *w, int64_t key);
/* Raw JSON text (e.g. an object) used as a key, fastjson style: `{...}:`. */
void rj_jw_key_raw(rj_json_writer_t *w, const char *json, size_t len);

void rj_jw_string(rj_json_writer_t *w, const char *s);
void rj_jw_string_n(rj_json_writer_t *w, const char *s, size_t len);
void rj_jw_int(rj_json_writer_t *w, int64_t v);
/* An integer written as a JSON string: "123" (remoting extFields values). */
void rj_jw_int_string(rj_json_writer_t *w, int64_t v);
void rj_jw_bool(rj_json_writer_t *w, bool v);
void rj_jw_null(rj_json_writer_t *w);
/* Java's Double.toString style for simple values: 0.0, 12.5. */
void rj_jw_double(rj_json_writer_t *w, double v);
/* A complete JSON value written verbatim. */
void rj_jw_raw(rj_json_writer_t *w, const char *json, size_t len);

/* Appends `s` as a quoted JSON string to `out` (no writer state). */
int rj_json_append_string(rj_buf_t *out, const char *s, size_t len, unsigned flags);

#endif
