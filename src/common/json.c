/*
 * fastjson dialect normalisation and tolerant getters over jansson.
 *
 * The normaliser is a small recursive-descent copier: values are copied as
 * they are, while object keys that are not strings (bare numbers or words, or
 * whole objects/arrays) are turned into JSON strings. Nesting is bounded, so
 * hostile input cannot exhaust the stack.
 */
#include "common/json.h"

#include "common/bytes.h"
#include "common/json_writer.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define NORMALIZE_MAX_DEPTH 64

typedef struct {
    const char *p;
    const char *end;
} cursor_t;

static void
skip_ws(cursor_t *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) {
        c->p++;
    }
}

static int norm_value(cursor_t *c, rj_buf_t *out, int depth);

/* Copies a double-quoted string token verbatim. */
static int
copy_string(cursor_t *c, rj_buf_t *out)
{
    const char *start = c->p++;
    while (c->p < c->end) {
        char ch = *c->p++;
        if (ch == '\\') {
            if (c->p >= c->end) {
                return RJ_EMALFORMED;
            }
            c->p++;
        } else if (ch == '"') {
            return rj_buf_append(out, start, (size_t)(c->p - start));
        }
    }
    return RJ_EMALFORMED;
}

static bool
is_delimiter(char ch)
{
    return ch == ',' || ch == ':' || ch == ']' || ch == '}' || ch == ' ' || ch == '\t' ||
           ch == '\n' || ch == '\r' || ch == '{' || ch == '[' || ch == '"';
}

/* A bare token (number, true/false/null, or an unquoted key). */
static int
scan_bare(cursor_t *c, const char **start, size_t *len)
{
    *start = c->p;
    while (c->p < c->end && !is_delimiter(*c->p)) {
        c->p++;
    }
    *len = (size_t)(c->p - *start);
    return *len > 0 ? 0 : RJ_EMALFORMED;
}

static int
norm_key(cursor_t *c, rj_buf_t *out, int depth)
{
    if (c->p >= c->end) {
        return RJ_EMALFORMED;
    }
    if (*c->p == '"') {
        return copy_string(c, out);
    }
    if (*c->p == '{' || *c->p == '[') {
        /* An object as key: normalise it into a scratch buffer, then quote it. */
        rj_buf_t key = RJ_BUF_INIT;
        int rc = norm_value(c, &key, depth + 1);
        if (rc == 0) {
            rc = rj_json_append_string(out, (const char *)key.data, key.len, 0);
        }
        rj_buf_cleanup(&key);
        return rc;
    }
    const char *start;
    size_t len;
    int rc = scan_bare(c, &start, &len);
    if (rc != 0) {
        return rc;
    }
    return rj_json_append_string(out, start, len, 0);
}

static int
norm_object(cursor_t *c, rj_buf_t *out, int depth)
{
    int rc = rj_buf_append_u8(out, '{');
    c->p++;
    skip_ws(c);
    if (c->p < c->end && *c->p == '}') {
        c->p++;
        return rc ? rc : rj_buf_append_u8(out, '}');
    }
    while (rc == 0) {
        skip_ws(c);
        if ((rc = norm_key(c, out, depth)) != 0) {
            return rc;
        }
        skip_ws(c);
        if (c->p >= c->end || *c->p != ':') {
            return RJ_EMALFORMED;
        }
        c->p++;
        if ((rc = rj_buf_append_u8(out, ':')) != 0 || (rc = norm_value(c, out, depth + 1)) != 0) {
            return rc;
        }
        skip_ws(c);
        if (c->p >= c->end) {
            return RJ_EMALFORMED;
        }
        if (*c->p == '}') {
            c->p++;
            return rj_buf_append_u8(out, '}');
        }
        if (*c->p != ',') {
            return RJ_EMALFORMED;
        }
        c->p++;
        skip_ws(c);
        /* fastjson tolerates a trailing comma before '}'. */
        if (c->p < c->end && *c->p == '}') {
            c->p++;
            return rj_buf_append_u8(out, '}');
        }
        rc = rj_buf_append_u8(out, ',');
    }
    return rc;
}

static int
norm_array(cursor_t *c, rj_buf_t *out, int depth)
{
    int rc = rj_buf_append_u8(out, '[');
    c->p++;
    skip_ws(c);
    if (c->p < c->end && *c->p == ']') {
        c->p++;
        return rc ? rc : rj_buf_append_u8(out, ']');
    }
    while (rc == 0) {
        if ((rc = norm_value(c, out, depth + 1)) != 0) {
            return rc;
        }
        skip_ws(c);
        if (c->p >= c->end) {
            return RJ_EMALFORMED;
        }
        if (*c->p == ']') {
            c->p++;
            return rj_buf_append_u8(out, ']');
        }
        if (*c->p != ',') {
            return RJ_EMALFORMED;
        }
        c->p++;
        rc = rj_buf_append_u8(out, ',');
    }
    return rc;
}

static int
norm_value(cursor_t *c, rj_buf_t *out, int depth)
{
    if (depth > NORMALIZE_MAX_DEPTH) {
        return RJ_EMALFORMED;
    }
    skip_ws(c);
    if (c->p >= c->end) {
        return RJ_EMALFORMED;
    }
    switch (*c->p) {
    case '{':
        return norm_object(c, out, depth);
    case '[':
        return norm_array(c, out, depth);
    case '"':
        return copy_string(c, out);
    default: {
        const char *start;
        size_t len;
        int rc = scan_bare(c, &start, &len);
        return rc ? rc : rj_buf_append(out, start, len);
    }
    }
}

int
rj_json_fastjson_normalize(const void *text, size_t len, rj_buf_t *out)
{
    cursor_t c = {text, (const char *)text + len};
    size_t start = out->len;
    int rc = norm_value(&c, out, 0);
    if (rc == 0) {
        skip_ws(&c);
        if (c.p != c.end) {
            rc = RJ_EMALFORMED;
        }
    }
    if (rc != 0) {
        out->len = start;
    }
    return rc;
}

json_t *
rj_json_parse(const void *text, size_t len, char *err, size_t err_size)
{
    json_error_t jerr;
    /* Most input is standard JSON: try it directly, normalise only on failure. */
    json_t *v = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (v != NULL) {
        return v;
    }
    rj_buf_t norm = RJ_BUF_INIT;
    if (rj_json_fastjson_normalize(text, len, &norm) == 0) {
        v = json_loadb((const char *)norm.data, norm.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    }
    rj_buf_cleanup(&norm);
    if (v == NULL && err != NULL && err_size > 0) {
        snprintf(err, err_size, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column,
                 jerr.text);
    }
    return v;
}

const char *
rj_json_get_str(const json_t *obj, const char *key, const char *def)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : def;
}

bool
rj_json_as_int(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        /* Converting a double outside int64's range is undefined: refuse it. */
        double d = json_real_value(v);
        if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) {
            return false;
        }
        *out = (int64_t)d;
        return true;
    }
    if (json_is_string(v)) {
        return rj_bytes_parse_i64(rj_bytes(json_string_value(v), json_string_length(v)), out) == 0;
    }
    return false;
}

int64_t
rj_json_get_int(const json_t *obj, const char *key, int64_t def)
{
    int64_t out;
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return v != NULL && rj_json_as_int(v, &out) ? out : def;
}

bool
rj_json_get_bool(const json_t *obj, const char *key, bool def)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (json_is_boolean(v)) {
        return json_is_true(v);
    }
    if (json_is_string(v)) {
        if (strcasecmp(json_string_value(v), "true") == 0) {
            return true;
        }
        if (strcasecmp(json_string_value(v), "false") == 0) {
            return false;
        }
    }
    return def;
}

int
rj_json_dump(const json_t *value, rj_buf_t *out)
{
    size_t n = json_dumpb(value, NULL, 0, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (n == 0) {
        return RJ_EINVAL;
    }
    int rc = rj_buf_reserve(out, n);
    if (rc != 0) {
        return rc;
    }
    json_dumpb(value, (char *)out->data + out->len, n,
               JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    out->len += n;
    return 0;
}
