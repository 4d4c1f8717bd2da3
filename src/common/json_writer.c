/* Streaming JSON writer. */
#include "common/json_writer.h"

#include "ramjet/status.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
rj_jw_init(rj_json_writer_t *w, rj_buf_t *out, unsigned flags)
{
    w->out = out;
    w->flags = flags;
    w->depth = 0;
    w->err = 0;
    w->after_key = false;
    w->has_items = 0;
}

int
rj_jw_finish(rj_json_writer_t *w)
{
    if (w->err == 0 && w->depth != 0) {
        w->err = RJ_EINVAL;
    }
    return w->err;
}

static void
put(rj_json_writer_t *w, const void *p, size_t n)
{
    if (w->err == 0) {
        w->err = rj_buf_append(w->out, p, n);
    }
}

static void
put_char(rj_json_writer_t *w, char c)
{
    put(w, &c, 1);
}

/* Comma handling before a value or key in the current container. */
static void
before_item(rj_json_writer_t *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth > 0) {
        uint64_t bit = 1ull << (w->depth - 1);
        if (w->has_items & bit) {
            put_char(w, ',');
        }
        w->has_items |= bit;
    }
}

static void
open_container(rj_json_writer_t *w, char c)
{
    before_item(w);
    if (w->depth >= RJ_JSON_MAX_DEPTH) {
        if (w->err == 0) {
            w->err = RJ_ETOOLARGE;
        }
        return;
    }
    put_char(w, c);
    w->depth++;
    w->has_items &= ~(1ull << (w->depth - 1));
}

static void
close_container(rj_json_writer_t *w, char c)
{
    if (w->depth == 0) {
        if (w->err == 0) {
            w->err = RJ_EINVAL;
        }
        return;
    }
    w->depth--;
    put_char(w, c);
}

void
rj_jw_object_begin(rj_json_writer_t *w)
{
    open_container(w, '{');
}

void
rj_jw_object_end(rj_json_writer_t *w)
{
    close_container(w, '}');
}

void
rj_jw_array_begin(rj_json_writer_t *w)
{
    open_container(w, '[');
}

void
rj_jw_array_end(rj_json_writer_t *w)
{
    close_container(w, ']');
}

static const char hex_digits[] = "0123456789abcdef";

static int
append_u_escape(rj_buf_t *out, unsigned unit)
{
    char e[6] = {'\\',
                 'u',
                 hex_digits[(unit >> 12) & 0xF],
                 hex_digits[(unit >> 8) & 0xF],
                 hex_digits[(unit >> 4) & 0xF],
                 hex_digits[unit & 0xF]};
    return rj_buf_append(out, e, sizeof(e));
}

/* Decodes one UTF-8 code point; malformed bytes yield U+FFFD one at a time. */
static uint32_t
next_code_point(const uint8_t *p, size_t n, size_t *used)
{
    uint8_t c = p[0];
    size_t need = c >= 0xF0 && c <= 0xF4 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 ? 1 : 0;
    uint32_t cp = need == 3 ? (c & 0x07u) : need == 2 ? (c & 0x0Fu) : (c & 0x1Fu);
    if (need == 0 || c >= 0xF5 || need >= n) {
        *used = 1;
        return 0xFFFD;
    }
    for (size_t i = 1; i <= need; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *used = 1;
            return 0xFFFD;
        }
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    *used = need + 1;
    return cp;
}

int
rj_json_append_string(rj_buf_t *out, const char *s, size_t len, unsigned flags)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t run = 0; /* start of the pending run of bytes that need no escaping */
    int rc = rj_buf_reserve(out, len + 2);
    if (rc != 0) {
        return rc;
    }
    out->data[out->len++] = '"';
    for (size_t i = 0; i < len;) {
        uint8_t c = p[i];
        const char *esc = NULL;
        if (c >= 0x20 && c != '"' && c != '\\' && (c < 0x80 || !(flags & RJ_JW_ASCII_ONLY))) {
            i++;
            continue;
        }
        if ((rc = rj_buf_append(out, p + run, i - run)) != 0) {
            return rc;
        }
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        default:
            break;
        }
        if (esc != NULL) {
            rc = rj_buf_append(out, esc, 2);
            i++;
        } else if (c < 0x80) {
            rc = append_u_escape(out, c);
            i++;
        } else {
            size_t used;
            uint32_t cp = next_code_point(p + i, len - i, &used);
            i += used;
            if (cp >= 0x10000) {
                cp -= 0x10000;
                rc = append_u_escape(out, 0xD800 + (cp >> 10));
                if (rc == 0) {
                    rc = append_u_escape(out, 0xDC00 + (cp & 0x3FF));
                }
            } else {
                rc = append_u_escape(out, cp);
            }
        }
        if (rc != 0) {
            return rc;
        }
        run = i;
    }
    if ((rc = rj_buf_append(out, p + run, len - run)) != 0) {
        return rc;
    }
    return rj_buf_append_u8(out, '"');
}

void
rj_jw_key_n(rj_json_writer_t *w, const char *key, size_t len)
{
    before_item(w);
    if (w->err == 0) {
        w->err = rj_json_append_string(w->out, key, len, w->flags);
    }
    put_char(w, ':');
    w->after_key = true;
}

void
rj_jw_key(rj_json_writer_t *w, const char *key)
{
    rj_jw_key_n(w, key, strlen(key));
}

void
rj_jw_key_int_unquoted(rj_json_writer_t *w, int64_t key)
{
    char t[24];
    int n = snprintf(t, sizeof(t), "%" PRId64 ":", key);
    before_item(w);
    put(w, t, (size_t)n);
    w->after_key = true;
}

void
rj_jw_key_raw(rj_json_writer_t *w, const char *json, size_t len)
{
    before_item(w);
    put(w, json, len);
    put_char(w, ':');
    w->after_key = true;
}

void
rj_jw_string_n(rj_json_writer_t *w, const char *s, size_t len)
{
    before_item(w);
    if (w->err == 0) {
        w->err = rj_json_append_string(w->out, s, len, w->flags);
    }
}

void
rj_jw_string(rj_json_writer_t *w, const char *s)
{
    if (s == NULL) {
        rj_jw_null(w);
        return;
    }
    rj_jw_string_n(w, s, strlen(s));
}

/* Formats v in decimal at the end of t[24]; returns the start. */
static char *
format_i64(char *end, int64_t v)
{
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    char *p = end;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0) {
        *--p = '-';
    }
    return p;
}

void
rj_jw_int(rj_json_writer_t *w, int64_t v)
{
    char t[24];
    char *p = format_i64(t + sizeof(t), v);
    before_item(w);
    put(w, p, (size_t)(t + sizeof(t) - p));
}

void
rj_jw_int_string(rj_json_writer_t *w, int64_t v)
{
    char t[24];
    char *end = t + sizeof(t) - 1;
    *end = '"';
    char *p = format_i64(end, v);
    *--p = '"';
    before_item(w);
    put(w, p, (size_t)(t + sizeof(t) - p));
}

void
rj_jw_bool(rj_json_writer_t *w, bool v)
{
    before_item(w);
    if (v) {
        put(w, "true", 4);
    } else {
        put(w, "false", 5);
    }
}

void
rj_jw_null(rj_json_writer_t *w)
{
    before_item(w);
    put(w, "null", 4);
}

void
rj_jw_double(rj_json_writer_t *w, double v)
{
    char t[40];
    int n;
    if (!isfinite(v)) {
        rj_jw_null(w);
        return;
    }
    if (v == (double)(int64_t)v && fabs(v) < 1e15) {
        n = snprintf(t, sizeof(t), "%" PRId64 ".0", (int64_t)v);
    } else {
        n = snprintf(t, sizeof(t), "%.17g", v);
        /* Shortest form that reads back the same value, as Java prints. */
        for (int prec = 1; prec < 17; prec++) {
            char s[40];
            int m = snprintf(s, sizeof(s), "%.*g", prec, v);
            if (strtod(s, NULL) == v) {
                memcpy(t, s, (size_t)m + 1);
                n = m;
                break;
            }
        }
    }
    before_item(w);
    put(w, t, (size_t)n);
}

void
rj_jw_raw(rj_json_writer_t *w, const char *json, size_t len)
{
    before_item(w);
    put(w, json, len);
}
