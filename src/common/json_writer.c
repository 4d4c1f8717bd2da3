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

/*
 * Bytes the escaper must rewrite: control characters, '"' and '\\'; in
 * ASCII-only mode also every byte >= 0x80 (one table per mode, so the scan
 * loop tests one byte with one load).
 */
#define RJ_JW_CONTROLS                                                                  \
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, \
    [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0A] = 1, [0x0B] = 1, [0x0C] = 1, [0x0D] = 1, \
    [0x0E] = 1, [0x0F] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, \
    [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1A] = 1, [0x1B] = 1, \
    [0x1C] = 1, [0x1D] = 1, [0x1E] = 1, [0x1F] = 1, ['"'] = 1, ['\\'] = 1
#define RJ_JW_HIGH8(b)                                                                         \
    [b + 0] = 1, [b + 1] = 1, [b + 2] = 1, [b + 3] = 1, [b + 4] = 1, [b + 5] = 1, [b + 6] = 1, \
         [b + 7] = 1
#define RJ_JW_HIGH32(b) RJ_JW_HIGH8(b), RJ_JW_HIGH8(b + 8), RJ_JW_HIGH8(b + 16), RJ_JW_HIGH8(b + 24)

static const uint8_t escape_utf8[256] = {RJ_JW_CONTROLS};
static const uint8_t escape_ascii[256] = {RJ_JW_CONTROLS, RJ_JW_HIGH32(0x80), RJ_JW_HIGH32(0xA0),
                                          RJ_JW_HIGH32(0xC0), RJ_JW_HIGH32(0xE0)};

#undef RJ_JW_HIGH32
#undef RJ_JW_HIGH8
#undef RJ_JW_CONTROLS

/* Two-character escapes of the ASCII bytes that have one (0: \u00XX). */
static const char short_escape[128] = {
    ['"'] = '"',  ['\\'] = '\\', ['\n'] = 'n', ['\r'] = 'r',
    ['\t'] = 't', ['\b'] = 'b',  ['\f'] = 'f',
};

#define ONES8 0x0101010101010101ull
#define HIGHS8 0x8080808080808080ull

/*
 * True when none of the 8 bytes of `x` needs escaping: no byte below 0x20, no
 * '"' or '\\', and (ascii_only) no byte >= 0x80. The zero-byte test may give
 * false positives only above a true one, so "none" is exact.
 */
static inline bool
word_is_plain(uint64_t x, uint64_t high_mask)
{
    uint64_t quote = x ^ (ONES8 * '"');
    uint64_t bslash = x ^ (ONES8 * '\\');
    uint64_t hits =
        ((x - ONES8 * 0x20) & ~x) | ((quote - ONES8) & ~quote) | ((bslash - ONES8) & ~bslash);
    return ((hits & HIGHS8) | (x & high_mask)) == 0;
}

/* Writes \uXXXX at w; returns the end. */
static inline uint8_t *
put_u_escape(uint8_t *w, unsigned unit)
{
    w[0] = '\\';
    w[1] = 'u';
    w[2] = (uint8_t)hex_digits[(unit >> 12) & 0xF];
    w[3] = (uint8_t)hex_digits[(unit >> 8) & 0xF];
    w[4] = (uint8_t)hex_digits[(unit >> 4) & 0xF];
    w[5] = (uint8_t)hex_digits[unit & 0xF];
    return w + 6;
}

/* Longest output of one escape: a 4-byte UTF-8 sequence as a \uXXXX\uXXXX pair. */
#define MAX_ESCAPE_BYTES 12

/*
 * DESIGN. Header values (message properties with their \001/\002 separators)
 * are mostly plain bytes with an escape every few dozen, so the plain runs
 * are found 8 bytes at a time (then byte by byte through a table) and copied
 * with one memcpy, and escapes are written straight into the buffer. Room is
 * kept for every remaining input byte plus the closing quote, so a run never
 * needs a capacity check; only an escape (which may grow the text) does.
 */
int
rj_json_append_string(rj_buf_t *out, const char *s, size_t len, unsigned flags)
{
    const uint8_t *p = (const uint8_t *)s;
    const uint8_t *end = p + len;
    const uint8_t *needs_escape = (flags & RJ_JW_ASCII_ONLY) ? escape_ascii : escape_utf8;
    const uint64_t high_mask = (flags & RJ_JW_ASCII_ONLY) ? HIGHS8 : 0;
    size_t start = out->len;
    int rc = rj_buf_reserve(out, len + 2);
    if (rc != 0) {
        return rc;
    }
    out->data[out->len++] = '"';
    while (p < end) {
        const uint8_t *run = p;
        while (end - p >= 8) {
            uint64_t x;
            memcpy(&x, p, sizeof(x));
            if (!word_is_plain(x, high_mask)) {
                break;
            }
            p += 8;
        }
        while (p < end && !needs_escape[*p]) {
            p++;
        }
        if (p > run) {
            memcpy(out->data + out->len, run, (size_t)(p - run));
            out->len += (size_t)(p - run);
        }
        if (p == end) {
            break;
        }
        /* An escape: make room for it on top of the rest of the input and the quote. */
        if (out->cap - out->len < MAX_ESCAPE_BYTES + (size_t)(end - p) + 1 &&
            (rc = rj_buf_reserve(out, MAX_ESCAPE_BYTES + (size_t)(end - p) + 1)) != 0) {
            out->len = start;
            return rc;
        }
        uint8_t *w = out->data + out->len;
        uint8_t c = *p;
        if (c < 0x80) {
            char e = short_escape[c];
            if (e != 0) {
                w[0] = '\\';
                w[1] = (uint8_t)e;
                w += 2;
            } else {
                w = put_u_escape(w, c);
            }
            p++;
        } else {
            size_t used;
            uint32_t cp = next_code_point(p, (size_t)(end - p), &used);
            p += used;
            if (cp >= 0x10000) {
                cp -= 0x10000;
                w = put_u_escape(w, 0xD800 + (cp >> 10));
                w = put_u_escape(w, 0xDC00 + (cp & 0x3FF));
            } else {
                w = put_u_escape(w, cp);
            }
        }
        out->len = (size_t)(w - out->data);
    }
    out->data[out->len++] = '"';
    return 0;
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
