/*
 * JSON remoting header (serialize type 0): decoder and encoder.
 *
 * DESIGN. Every request a broker serves carries one of these headers, so the
 * decoder is a small dedicated parser for the flat header object instead of
 * jansson: jansson would allocate a tree (an object per field, a string per
 * key and value) for every request on the I/O thread's hot path. This parser
 * allocates nothing: strings are unescaped in place inside the frame buffer
 * (an escape never decodes to more bytes than its text, so the output never
 * overtakes the input) and the command holds views into that buffer.
 *
 * Accepted input (what Java's fastjson and ali-ons produce, see wire.md §2):
 * any JSON whitespace; unknown keys at any level, their values skipped however
 * nested; `language` as enum name or number; extFields values that are
 * strings, numbers or booleans (kept as their literal text: `0`, `false`), null
 * (field absent), or nested objects/arrays (kept as raw JSON text); full
 * \uXXXX escapes including surrogate pairs (a lone surrogate becomes '?', as
 * Java's UTF-8 encoder writes it). Anything else is RJ_EMALFORMED.
 *
 * The encoder writes exactly what Java 4.9.8 writes: keys in alphabetical
 * order, compact, null fields omitted, extFields values as JSON strings.
 */
#include "remoting/command_internal.h"

#include "common/json_writer.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <string.h>

/* Nesting allowed inside skipped values; deeper input is rejected, not recursed into. */
#define SKIP_MAX_DEPTH 32

typedef struct {
    uint8_t *p;
    uint8_t *end;
    const char *err; /* first error, for the DEBUG log line */
} parser_t;

/*
 * Byte classes for the string scanners: 1 = ends a plain run inside a string
 * ('"' or '\\'); 2 = must be escaped on output (control characters too).
 */
static const uint8_t str_class[256] = {
    ['"'] = 3,  ['\\'] = 3, [0x00] = 2, [0x01] = 2, [0x02] = 2, [0x03] = 2, [0x04] = 2,
    [0x05] = 2, [0x06] = 2, [0x07] = 2, [0x08] = 2, [0x09] = 2, [0x0A] = 2, [0x0B] = 2,
    [0x0C] = 2, [0x0D] = 2, [0x0E] = 2, [0x0F] = 2, [0x10] = 2, [0x11] = 2, [0x12] = 2,
    [0x13] = 2, [0x14] = 2, [0x15] = 2, [0x16] = 2, [0x17] = 2, [0x18] = 2, [0x19] = 2,
    [0x1A] = 2, [0x1B] = 2, [0x1C] = 2, [0x1D] = 2, [0x1E] = 2, [0x1F] = 2,
};

static int
fail(parser_t *ps, const char *why)
{
    if (ps->err == NULL) {
        ps->err = why;
    }
    return RJ_EMALFORMED;
}

static inline void
skip_ws(parser_t *ps)
{
    /* Compact headers (what Java and ali-ons send) have no whitespace: one test. */
    if (ps->p<ps->end && * ps->p> ' ') {
        return;
    }
    while (ps->p < ps->end &&
           (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) {
        ps->p++;
    }
}

static int
expect(parser_t *ps, uint8_t c)
{
    skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != c) {
        return fail(ps, "unexpected character");
    }
    ps->p++;
    return 0;
}

/*
 * First '"' or '\\' at or after r (or end). Eight bytes at a time: a byte of
 * x equal to c makes (x ^ c*0x01..) zero, found with the classic has-zero-byte
 * test; the lowest flagged byte is exact, which is the one taken.
 */
static inline uint8_t *
scan_plain(uint8_t *r, const uint8_t *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (end - r >= 8) {
        uint64_t x;
        memcpy(&x, r, 8);
        uint64_t q = x ^ (ones * '"');
        uint64_t b = x ^ (ones * '\\');
        uint64_t hit = (((q - ones) & ~q) | ((b - ones) & ~b)) & highs;
        if (hit != 0) {
            return r + (__builtin_ctzll(hit) >> 3);
        }
        r += 8;
    }
#endif
    while (r < end && !(str_class[*r] & 1)) {
        r++;
    }
    return r;
}

static int
hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20;
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* Reads 4 hex digits at p (bounds checked by the caller); -1 if not hex. */
static long
read_hex4(const uint8_t *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(p[i]);
        if (h < 0) {
            return -1;
        }
        v = v << 4 | h;
    }
    return v;
}

static uint8_t *
put_utf8(uint8_t *w, uint32_t cp)
{
    if (cp < 0x80) {
        *w++ = (uint8_t)cp;
    } else if (cp < 0x800) {
        *w++ = (uint8_t)(0xC0 | cp >> 6);
        *w++ = (uint8_t)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *w++ = (uint8_t)(0xE0 | cp >> 12);
        *w++ = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        *w++ = (uint8_t)(0x80 | (cp & 0x3F));
    } else {
        *w++ = (uint8_t)(0xF0 | cp >> 18);
        *w++ = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
        *w++ = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        *w++ = (uint8_t)(0x80 | (cp & 0x3F));
    }
    return w;
}

/*
 * Parses a string at ps->p (after whitespace, at the opening quote) and unescapes
 * it in place. The output pointer w never passes the read pointer r: each escape
 * is at least as long as its UTF-8 (\n: 2 → 1, \uXXXX: 6 → ≤ 3, pair: 12 → 4).
 */
static __attribute__((noinline)) int
parse_string_escaped(parser_t *ps, uint8_t *start, uint8_t *r, rj_bytes_t *out)
{
    uint8_t *w = r;
    while (r < ps->end && *r != '"') {
        if (*r != '\\') {
            /* A plain run after an escape: move it down in one go. */
            uint8_t *run_end = scan_plain(r, ps->end);
            memmove(w, r, (size_t)(run_end - r));
            w += run_end - r;
            r = run_end;
            continue;
        }
        if (ps->end - r < 2) {
            return fail(ps, "unterminated escape");
        }
        uint8_t e = r[1];
        r += 2;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            *w++ = e;
            break;
        case 'b':
            *w++ = '\b';
            break;
        case 'f':
            *w++ = '\f';
            break;
        case 'n':
            *w++ = '\n';
            break;
        case 'r':
            *w++ = '\r';
            break;
        case 't':
            *w++ = '\t';
            break;
        case 'u': {
            if (ps->end - r < 4) {
                return fail(ps, "short \\u escape");
            }
            long u = read_hex4(r);
            if (u < 0) {
                return fail(ps, "bad \\u escape");
            }
            r += 4;
            uint32_t cp = (uint32_t)u;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                long lo = -1;
                if (ps->end - r >= 6 && r[0] == '\\' && r[1] == 'u') {
                    lo = read_hex4(r + 2);
                }
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                    r += 6;
                } else {
                    cp = '?'; /* lone high surrogate */
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = '?'; /* lone low surrogate */
            }
            w = put_utf8(w, cp);
            break;
        }
        default:
            return fail(ps, "bad escape");
        }
    }
    if (r >= ps->end) {
        return fail(ps, "unterminated string");
    }
    ps->p = r + 1;
    *out = rj_bytes(start, (size_t)(w - start));
    return 0;
}

/* Parses a string; the common case (no escape) stays inline in the callers. */
static inline int
parse_string(parser_t *ps, rj_bytes_t *out)
{
    skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != '"') {
        return fail(ps, "string expected");
    }
    uint8_t *start = ++ps->p;
    uint8_t *r = scan_plain(start, ps->end);
    if (r < ps->end && *r == '"') {
        ps->p = r + 1;
        *out = rj_bytes(start, (size_t)(r - start));
        return 0;
    }
    return parse_string_escaped(ps, start, r, out);
}

/* Skips a string without unescaping (values of unknown keys), checking its escapes. */
static int
skip_string(parser_t *ps)
{
    uint8_t *r = ps->p + 1;
    while (r < ps->end && *r != '"') {
        if (*r == '\\') {
            if (ps->end - r < 2) {
                return fail(ps, "unterminated escape");
            }
            if (r[1] == 'u') {
                if (ps->end - r < 6 || read_hex4(r + 2) < 0) {
                    return fail(ps, "bad \\u escape");
                }
                r += 6;
                continue;
            }
            if (strchr("\"\\/bfnrt", r[1]) == NULL || r[1] == 0) {
                return fail(ps, "bad escape");
            }
            r += 2;
            continue;
        }
        r++;
    }
    if (r >= ps->end) {
        return fail(ps, "unterminated string");
    }
    ps->p = r + 1;
    return 0;
}

static bool
is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* A JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? ; *is_int if no fraction/exponent.
 */
static int
parse_number(parser_t *ps, rj_bytes_t *out, bool *is_int)
{
    uint8_t *s = ps->p, *p = ps->p, *e = ps->end;
    *is_int = true;
    if (p < e && *p == '-') {
        p++;
    }
    if (p >= e || !is_digit(*p)) {
        return fail(ps, "bad number");
    }
    if (*p == '0') {
        p++;
    } else {
        while (p < e && is_digit(*p)) {
            p++;
        }
    }
    if (p < e && *p == '.') {
        *is_int = false;
        p++;
        if (p >= e || !is_digit(*p)) {
            return fail(ps, "bad number fraction");
        }
        while (p < e && is_digit(*p)) {
            p++;
        }
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        *is_int = false;
        p++;
        if (p < e && (*p == '+' || *p == '-')) {
            p++;
        }
        if (p >= e || !is_digit(*p)) {
            return fail(ps, "bad number exponent");
        }
        while (p < e && is_digit(*p)) {
            p++;
        }
    }
    ps->p = p;
    *out = rj_bytes(s, (size_t)(p - s));
    return 0;
}

static bool
match_literal(parser_t *ps, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, lit, n) == 0) {
        ps->p += n;
        return true;
    }
    return false;
}

/*
 * Skips any JSON value. Nesting is tracked with an explicit bit stack (1 = object)
 * instead of recursion, so hostile input cannot exhaust the stack.
 */
static int
skip_value(parser_t *ps)
{
    uint32_t stack = 0; /* bit d: container at depth d is an object */
    int depth = 0;
    for (;;) {
        skip_ws(ps);
        if (ps->p >= ps->end) {
            return fail(ps, "truncated value");
        }
        uint8_t c = *ps->p;
        bool value_done = true;
        if (c == '{' || c == '[') {
            if (depth >= SKIP_MAX_DEPTH) {
                return fail(ps, "nested too deep");
            }
            ps->p++;
            stack = (stack & ~(1u << depth)) | ((c == '{') ? 1u << depth : 0);
            depth++;
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == (c == '{' ? '}' : ']')) {
                ps->p++;
                depth--;
            } else {
                value_done = false;
                if (c == '{') {
                    if (ps->p >= ps->end || *ps->p != '"' || skip_string(ps) != 0 ||
                        expect(ps, ':') != 0) {
                        return fail(ps, "bad object member");
                    }
                }
            }
        } else if (c == '"') {
            if (skip_string(ps) != 0) {
                return RJ_EMALFORMED;
            }
        } else if (c == '-' || is_digit(c)) {
            rj_bytes_t num;
            bool is_int;
            if (parse_number(ps, &num, &is_int) != 0) {
                return RJ_EMALFORMED;
            }
        } else if (!match_literal(ps, "true") && !match_literal(ps, "false") &&
                   !match_literal(ps, "null")) {
            return fail(ps, "bad value");
        }
        if (!value_done) {
            continue; /* now parse the first element / member value */
        }
        /* After a complete value: close containers or move to the next item. */
        for (;;) {
            if (depth == 0) {
                return 0;
            }
            bool in_object = (stack >> (depth - 1)) & 1u;
            skip_ws(ps);
            if (ps->p >= ps->end) {
                return fail(ps, "truncated container");
            }
            if (*ps->p == ',') {
                ps->p++;
                if (in_object) {
                    skip_ws(ps);
                    if (ps->p >= ps->end || *ps->p != '"' || skip_string(ps) != 0 ||
                        expect(ps, ':') != 0) {
                        return fail(ps, "bad object member");
                    }
                }
                break;
            }
            if (*ps->p == (in_object ? '}' : ']')) {
                ps->p++;
                depth--;
                continue;
            }
            return fail(ps, "expected , or close");
        }
    }
}

/* Scalar kinds a header value can have. */
typedef enum { V_NULL, V_STRING, V_INT, V_NUMBER, V_BOOL, V_RAW } value_kind_t;

/*
 * Parses any value into a text view: strings unescaped, numbers and booleans as
 * their literal text, objects/arrays as their raw JSON text, null as V_NULL.
 */
static int
parse_value_text(parser_t *ps, rj_bytes_t *text, value_kind_t *kind)
{
    skip_ws(ps);
    if (ps->p >= ps->end) {
        return fail(ps, "value expected");
    }
    uint8_t c = *ps->p;
    uint8_t *start = ps->p;
    if (c == '"') {
        *kind = V_STRING;
        return parse_string(ps, text);
    }
    if (c == '-' || is_digit(c)) {
        bool is_int;
        int rc = parse_number(ps, text, &is_int);
        *kind = is_int ? V_INT : V_NUMBER;
        return rc;
    }
    if (match_literal(ps, "true") || match_literal(ps, "false")) {
        *kind = V_BOOL;
        *text = rj_bytes(start, (size_t)(ps->p - start));
        return 0;
    }
    if (match_literal(ps, "null")) {
        *kind = V_NULL;
        *text = RJ_BYTES_NULL;
        return 0;
    }
    if (c == '{' || c == '[') {
        int rc = skip_value(ps);
        *kind = V_RAW;
        *text = rj_bytes(start, (size_t)(ps->p - start));
        return rc;
    }
    return fail(ps, "bad value");
}

/*
 * An int32 header field: a JSON integer, or a string holding one (fastjson
 * coerces both). null leaves the field as it is.
 */
static int
parse_int_field(parser_t *ps, int32_t *field)
{
    rj_bytes_t text;
    value_kind_t kind;
    int32_t v;
    if (parse_value_text(ps, &text, &kind) != 0) {
        return RJ_EMALFORMED;
    }
    if (kind == V_NULL) {
        return 0;
    }
    if ((kind != V_INT && kind != V_STRING) || rj_bytes_parse_i32(text, &v) != 0) {
        return fail(ps, "integer field expected");
    }
    *field = v;
    return 0;
}

static int
parse_language(parser_t *ps, int32_t *field)
{
    rj_bytes_t text;
    value_kind_t kind;
    if (parse_value_text(ps, &text, &kind) != 0) {
        return RJ_EMALFORMED;
    }
    if (kind == V_NULL) {
        return 0;
    }
    if (kind == V_STRING) {
        int32_t code = rj_language_code_parse(text);
        /* An unknown name is not an error for fastjson either; say OTHER. */
        *field = code >= 0 ? code : RJ_LANG_OTHER;
        return 0;
    }
    if (kind == V_INT && rj_bytes_parse_i32(text, field) == 0) {
        return 0;
    }
    return fail(ps, "bad language");
}

static int
parse_remark(parser_t *ps, rj_command_t *cmd)
{
    rj_bytes_t text;
    value_kind_t kind;
    if (parse_value_text(ps, &text, &kind) != 0) {
        return RJ_EMALFORMED;
    }
    cmd->has_remark = kind != V_NULL;
    cmd->remark = text;
    return 0;
}

static int
parse_ext_fields(parser_t *ps, rj_command_t *cmd)
{
    skip_ws(ps);
    if (match_literal(ps, "null")) {
        cmd->has_ext_fields = false;
        cmd->ext_count = 0;
        return 0;
    }
    if (expect(ps, '{') != 0) {
        return fail(ps, "extFields must be an object");
    }
    cmd->has_ext_fields = true;
    cmd->ext_count = 0; /* a repeated extFields key replaces the earlier object */
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return 0;
    }
    for (;;) {
        rj_bytes_t key, value;
        value_kind_t kind;
        if (parse_string(ps, &key) != 0 || expect(ps, ':') != 0 ||
            parse_value_text(ps, &value, &kind) != 0) {
            return RJ_EMALFORMED;
        }
        if (kind != V_NULL) {
            if (cmd->ext_count >= RJ_CMD_MAX_EXT_FIELDS) {
                rj_log_ratelimited(10000, RJ_LOG_WARN, 0,
                                   "remoting: header has more than %d extFields, rejected",
                                   RJ_CMD_MAX_EXT_FIELDS);
                return fail(ps, "too many extFields");
            }
            rj_ext_field_t *f = &cmd->ext[cmd->ext_count++];
            f->key = key;
            f->value = value;
            f->num = 0;
            f->is_int = false;
        }
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        return expect(ps, '}');
    }
}

static void
init_decoded(rj_command_t *cmd)
{
    cmd->code = 0;
    cmd->language = RJ_LANG_JAVA;
    cmd->version = 0;
    cmd->opaque = 0;
    cmd->flag = 0;
    cmd->serialize_type = RJ_SERIALIZE_JSON;
    cmd->has_remark = false;
    cmd->has_ext_fields = false;
    cmd->remark = RJ_BYTES_NULL;
    cmd->body = RJ_BYTES_NULL;
    cmd->ext_count = 0;
}

static int
parse_member(parser_t *ps, rj_command_t *cmd)
{
    rj_bytes_t key;
    if (parse_string(ps, &key) != 0 || expect(ps, ':') != 0) {
        return RJ_EMALFORMED;
    }
    /* Dispatch on length first: one compare for most keys. */
    switch (key.len) {
    case 4:
        if (memcmp(key.data, "code", 4) == 0) {
            return parse_int_field(ps, &cmd->code);
        }
        if (memcmp(key.data, "flag", 4) == 0) {
            return parse_int_field(ps, &cmd->flag);
        }
        break;
    case 6:
        if (memcmp(key.data, "opaque", 6) == 0) {
            return parse_int_field(ps, &cmd->opaque);
        }
        if (memcmp(key.data, "remark", 6) == 0) {
            return parse_remark(ps, cmd);
        }
        break;
    case 7:
        if (memcmp(key.data, "version", 7) == 0) {
            return parse_int_field(ps, &cmd->version);
        }
        break;
    case 8:
        if (memcmp(key.data, "language", 8) == 0) {
            return parse_language(ps, &cmd->language);
        }
        break;
    case 9:
        if (memcmp(key.data, "extFields", 9) == 0) {
            return parse_ext_fields(ps, cmd);
        }
        break;
    default:
        break;
    }
    /* serializeTypeCurrentRPC is informational; it and unknown keys are skipped. */
    return skip_value(ps);
}

int
rj_header_json_decode(uint8_t *header, size_t len, rj_command_t *cmd)
{
    parser_t ps = {header, header + len, NULL};
    int rc;
    init_decoded(cmd);
    if ((rc = expect(&ps, '{')) != 0) {
        goto fail;
    }
    skip_ws(&ps);
    if (ps.p < ps.end && *ps.p == '}') {
        ps.p++;
    } else {
        for (;;) {
            if ((rc = parse_member(&ps, cmd)) != 0) {
                goto fail;
            }
            skip_ws(&ps);
            if (ps.p < ps.end && *ps.p == ',') {
                ps.p++;
                continue;
            }
            if ((rc = expect(&ps, '}')) != 0) {
                goto fail;
            }
            break;
        }
    }
    skip_ws(&ps);
    if (ps.p != ps.end) {
        rc = fail(&ps, "trailing bytes after the header object");
        goto fail;
    }
    return 0;
fail:
    rj_log(RJ_LOG_DEBUG, 0, "remoting: bad JSON header at byte %zu of %zu: %s",
           (size_t)(ps.p - header), len, ps.err ? ps.err : "malformed");
    return RJ_EMALFORMED;
}

/* ------------------------------------------------------------------ encoder */

/* rj_buf_append without the call when the room is there (it is: encode reserves ahead). */
static inline int
put(rj_buf_t *out, const void *p, size_t n)
{
    if (out->cap - out->len >= n) {
        memcpy(out->data + out->len, p, n);
        out->len += n;
        return 0;
    }
    return rj_buf_append(out, p, n);
}

/* A string literal, its length known at compile time. */
#define append_lit(out, lit) put((out), (lit), sizeof(lit) - 1)

static int
append_int(rj_buf_t *out, int64_t v)
{
    char t[24];
    size_t n = rj_command_format_i64(t, v);
    return put(out, t, n);
}

/* Header strings up to this length are checked and copied inline. */
#define SHORT_STR_MAX 16

/*
 * Appends `s` as a JSON string. Short strings without a byte to escape (keys,
 * names, numbers: nearly all header values) are written inline; the others
 * go through the common JSON writer's escaper (control characters as
 * \u00XX, as fastjson writes them), which copies plain runs in bulk.
 */
static inline int
append_str(rj_buf_t *out, rj_bytes_t s)
{
    if (s.len <= SHORT_STR_MAX) {
        uint8_t any = 0;
        for (size_t i = 0; i < s.len; i++) {
            any |= str_class[s.data[i]];
        }
        if (any == 0 && out->cap - out->len >= s.len + 2) {
            uint8_t *w = out->data + out->len;
            *w = '"';
            for (size_t i = 0; i < s.len; i++) {
                w[1 + i] = s.data[i];
            }
            w[s.len + 1] = '"';
            out->len += s.len + 2;
            return 0;
        }
    }
    return rj_json_append_string(out, (const char *)s.data, s.len, 0);
}

static int
append_ext_fields(const rj_command_t *cmd, rj_buf_t *out)
{
    int rc = append_lit(out, "\"extFields\":{");
    for (uint32_t i = 0; i < cmd->ext_count && rc == 0; i++) {
        const rj_ext_field_t *f = &cmd->ext[i];
        if (i > 0) {
            rc = put(out, ",", 1);
        }
        if (rc == 0) {
            rc = append_str(out, f->key);
        }
        if (rc == 0) {
            rc = put(out, ":", 1);
        }
        if (rc == 0 && f->is_int) {
            char t[26];
            size_t n = rj_command_format_i64(t + 1, f->num);
            t[0] = '"';
            t[n + 1] = '"';
            rc = put(out, t, n + 2);
        } else if (rc == 0) {
            rc = append_str(out, f->value);
        }
    }
    if (rc == 0) {
        rc = append_lit(out, "},");
    }
    return rc;
}

int
rj_header_json_encode(const rj_command_t *cmd, rj_buf_t *out)
{
    size_t start = out->len;
    const char *lang = rj_language_code_name(cmd->language);
    /* Room for the usual case at once: fixed keys, numbers, unescaped strings. */
    size_t estimate = 160 + (cmd->has_remark ? cmd->remark.len : 0);
    for (uint32_t i = 0; i < cmd->ext_count; i++) {
        estimate += cmd->ext[i].key.len + (cmd->ext[i].is_int ? 20 : cmd->ext[i].value.len) + 6;
    }
    int rc = rj_buf_reserve(out, estimate);
    if (rc == 0) {
        rc = append_lit(out, "{\"code\":");
    }
    if (rc == 0) {
        rc = append_int(out, cmd->code);
    }
    if (rc == 0) {
        rc = put(out, ",", 1);
    }
    if (rc == 0 && (cmd->has_ext_fields || cmd->ext_count > 0)) {
        rc = append_ext_fields(cmd, out);
    }
    if (rc == 0) {
        rc = append_lit(out, "\"flag\":");
    }
    if (rc == 0) {
        rc = append_int(out, cmd->flag);
    }
    if (rc == 0) {
        rc = append_lit(out, ",\"language\":");
    }
    if (rc == 0) {
        /* A value without a name (only from a peer) goes back as the ordinal fastjson accepts. */
        rc = lang ? append_str(out, rj_bytes_from_cstr(lang)) : append_int(out, cmd->language);
    }
    if (rc == 0) {
        rc = append_lit(out, ",\"opaque\":");
    }
    if (rc == 0) {
        rc = append_int(out, cmd->opaque);
    }
    if (rc == 0 && cmd->has_remark) {
        rc = append_lit(out, ",\"remark\":");
        if (rc == 0) {
            rc = append_str(out, cmd->remark);
        }
    }
    if (rc == 0) {
        rc = append_lit(out, ",\"serializeTypeCurrentRPC\":\"JSON\",\"version\":");
    }
    if (rc == 0) {
        rc = append_int(out, cmd->version);
    }
    if (rc == 0) {
        rc = put(out, "}", 1);
    }
    if (rc != 0) {
        out->len = start;
    }
    return rc;
}
