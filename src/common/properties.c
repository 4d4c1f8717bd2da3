/* java.util.Properties.load() text format. */
#include "common/properties.h"

#include "common/buf.h"
#include "ramjet/status.h"

#include <stdbool.h>

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\f';
}

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static int
append_utf8(rj_buf_t *out, unsigned cp)
{
    uint8_t b[3];
    size_t n;
    if (cp < 0x80) {
        b[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (uint8_t)(0xC0 | (cp >> 6));
        b[1] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 2;
    } else {
        b[0] = (uint8_t)(0xE0 | (cp >> 12));
        b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    }
    return rj_buf_append(out, b, n);
}

/*
 * Reads one logical line (natural lines joined at odd trailing backslashes,
 * leading blanks of continuation lines dropped) into `line`, raw (still escaped).
 * Returns false at end of input.
 */
static bool
next_logical_line(const char *text, size_t len, size_t *pos, int *line_no, rj_buf_t *line)
{
    rj_buf_reset(line);
    bool have = false;
    bool continuation = false;

    while (*pos < len) {
        size_t start = *pos, end = start;
        while (end < len && text[end] != '\n' && text[end] != '\r') {
            end++;
        }
        /* Consume the terminator: \n, \r or \r\n. */
        *pos = end;
        if (*pos < len && text[*pos] == '\r') {
            (*pos)++;
        }
        if (*pos < len && text[*pos] == '\n') {
            (*pos)++;
        }
        (*line_no)++;

        size_t s = start;
        while (s < end && is_blank(text[s])) {
            s++;
        }
        if (!continuation) {
            if (s == end || text[s] == '#' || text[s] == '!') {
                continue; /* blank or comment line */
            }
        }
        size_t backslashes = 0;
        for (size_t i = end; i > s && text[i - 1] == '\\'; i--) {
            backslashes++;
        }
        have = true;
        if (backslashes % 2 == 1) {
            rj_buf_append(line, text + s, end - s - 1);
            continuation = true;
            if (*pos >= len) {
                break;
            }
            continue;
        }
        rj_buf_append(line, text + s, end - s);
        break;
    }
    return have;
}

/* Unescapes raw[from..to) into out. */
static int
unescape(const char *raw, size_t from, size_t to, rj_buf_t *out)
{
    for (size_t i = from; i < to; i++) {
        char c = raw[i];
        int rc;
        if (c != '\\' || i + 1 >= to) {
            rc = rj_buf_append_u8(out, (uint8_t)c);
        } else {
            c = raw[++i];
            switch (c) {
            case 't':
                rc = rj_buf_append_u8(out, '\t');
                break;
            case 'n':
                rc = rj_buf_append_u8(out, '\n');
                break;
            case 'r':
                rc = rj_buf_append_u8(out, '\r');
                break;
            case 'f':
                rc = rj_buf_append_u8(out, '\f');
                break;
            case 'u': {
                unsigned cp = 0;
                int k;
                for (k = 0; k < 4 && i + 1 < to; k++) {
                    int h = hex_value(raw[i + 1]);
                    if (h < 0) {
                        break;
                    }
                    cp = cp * 16 + (unsigned)h;
                    i++;
                }
                rc = k == 4 ? append_utf8(out, cp) : rj_buf_append_u8(out, 'u');
                break;
            }
            default:
                rc = rj_buf_append_u8(out, (uint8_t)c);
                break;
            }
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int
rj_properties_parse(const char *text, size_t len, rj_properties_cb cb, void *arg)
{
    rj_buf_t line = RJ_BUF_INIT, key = RJ_BUF_INIT, value = RJ_BUF_INIT;
    size_t pos = 0;
    int line_no = 0;
    int rc = 0;

    while (rc == 0 && next_logical_line(text, len, &pos, &line_no, &line)) {
        const char *raw = (const char *)line.data;
        size_t n = line.len, k = 0;
        bool escaped = false;

        while (k < n) {
            char c = raw[k];
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '=' || c == ':' || is_blank(c)) {
                break;
            }
            k++;
        }
        size_t v = k;
        while (v < n && is_blank(raw[v])) {
            v++;
        }
        if (v < n && (raw[v] == '=' || raw[v] == ':')) {
            v++;
            while (v < n && is_blank(raw[v])) {
                v++;
            }
        }
        rj_buf_reset(&key);
        rj_buf_reset(&value);
        if ((rc = unescape(raw, 0, k, &key)) != 0 || (rc = unescape(raw, v, n, &value)) != 0 ||
            (rc = rj_buf_terminate(&key)) != 0 || (rc = rj_buf_terminate(&value)) != 0) {
            break;
        }
        rc = cb((const char *)key.data, (const char *)value.data, line_no, arg);
    }
    rj_buf_cleanup(&line);
    rj_buf_cleanup(&key);
    rj_buf_cleanup(&value);
    return rc;
}
