/*
 * The SQL92 filter's tokens, as SelectorParser.jj's token manager produces
 * them: the longest match wins, a keyword beats an identifier of the same
 * length, white space and comments separate tokens. A `--` comment needs its
 * line end (without one the text reads as two minus signs); an unterminated
 * block comment or string is no token.
 */
#include "broker/sql92_internal.h"

#include "ramjet/status.h"

#include <string.h>
#include <strings.h>

static const struct {
    const char *word;
    rj_sql92_token_kind_t kind;
} keywords[] = {
    {"NOT", TK_NOT},         {"AND", TK_AND},   {"OR", TK_OR},
    {"BETWEEN", TK_BETWEEN}, {"IN", TK_IN},     {"TRUE", TK_TRUE},
    {"FALSE", TK_FALSE},     {"NULL", TK_NULL}, {"IS", TK_IS},
};

const char *
rj_sql92_token_name(rj_sql92_token_kind_t kind)
{
    static const char *const names[] = {
        [TK_EOF] = "<EOF>",
        [TK_NOT] = "NOT",
        [TK_AND] = "AND",
        [TK_OR] = "OR",
        [TK_BETWEEN] = "BETWEEN",
        [TK_IN] = "IN",
        [TK_TRUE] = "TRUE",
        [TK_FALSE] = "FALSE",
        [TK_NULL] = "NULL",
        [TK_IS] = "IS",
        [TK_DECIMAL] = "<DECIMAL_LITERAL>",
        [TK_FLOAT] = "<FLOATING_POINT_LITERAL>",
        [TK_STRING] = "<STRING_LITERAL>",
        [TK_ID] = "<ID>",
        [TK_EQ] = "\"=\"",
        [TK_NE] = "\"<>\"",
        [TK_GT] = "\">\"",
        [TK_GE] = "\">=\"",
        [TK_LT] = "\"<\"",
        [TK_LE] = "\"<=\"",
        [TK_LPAREN] = "\"(\"",
        [TK_COMMA] = "\",\"",
        [TK_RPAREN] = "\")\"",
        [TK_PLUS] = "\"+\"",
        [TK_MINUS] = "\"-\"",
    };
    return (size_t)kind < sizeof(names) / sizeof(names[0]) && names[kind] ? names[kind] : "?";
}

static bool
is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static bool
is_id_start(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}

static bool
is_id_part(uint8_t c)
{
    return is_id_start(c) || is_digit(c);
}

static size_t
digits(rj_bytes_t s, size_t i)
{
    size_t n = 0;
    while (i + n < s.len && is_digit(s.data[i + n])) {
        n++;
    }
    return n;
}

/* Length of an exponent ([eE][+-]?[0-9]+) at i, 0 if there is none. */
static size_t
exponent(rj_bytes_t s, size_t i)
{
    if (i >= s.len || (s.data[i] != 'e' && s.data[i] != 'E')) {
        return 0;
    }
    size_t n = 1;
    if (i + n < s.len && (s.data[i + n] == '+' || s.data[i + n] == '-')) {
        n++;
    }
    size_t d = digits(s, i + n);
    return d > 0 ? n + d : 0;
}

/* Longest number token at i: DECIMAL or FLOAT. Returns its length, 0 if none. */
static size_t
number(rj_bytes_t s, size_t i, rj_sql92_token_kind_t *kind)
{
    size_t dec = 0, flt = 0;
    size_t d = digits(s, i);
    if (d > 0) {
        if (s.data[i] == '0') {
            dec = 1;
        } else {
            dec = d;
            if (i + d < s.len && (s.data[i + d] == 'l' || s.data[i + d] == 'L')) {
                dec++;
            }
        }
        if (i + d < s.len && s.data[i + d] == '.') {
            size_t frac = digits(s, i + d + 1);
            flt = d + 1 + frac;
            flt += exponent(s, i + flt);
        } else {
            size_t e = exponent(s, i + d);
            flt = e > 0 ? d + e : 0;
        }
    } else if (s.data[i] == '.') {
        size_t frac = digits(s, i + 1);
        if (frac > 0) {
            flt = 1 + frac;
            flt += exponent(s, i + flt);
        }
    }
    /* On a tie the earlier definition (DECIMAL) wins; ties cannot happen, but say so. */
    if (flt > dec) {
        *kind = TK_FLOAT;
        return flt;
    }
    *kind = TK_DECIMAL;
    return dec;
}

/* Skips white space and complete comments. */
static void
skip_blank(rj_bytes_t s, size_t *pos)
{
    size_t i = *pos;
    for (;;) {
        if (i >= s.len) {
            break;
        }
        uint8_t c = s.data[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            i++;
            continue;
        }
        if (c == '-' && i + 1 < s.len && s.data[i + 1] == '-') {
            size_t j = i + 2;
            while (j < s.len && s.data[j] != '\n' && s.data[j] != '\r') {
                j++;
            }
            if (j >= s.len) {
                break; /* no line end: not a comment */
            }
            if (s.data[j] == '\r' && j + 1 < s.len && s.data[j + 1] == '\n') {
                j++;
            }
            i = j + 1;
            continue;
        }
        if (c == '/' && i + 1 < s.len && s.data[i + 1] == '*') {
            size_t j = i + 2;
            while (j + 1 < s.len && !(s.data[j] == '*' && s.data[j + 1] == '/')) {
                j++;
            }
            if (j + 1 >= s.len) {
                break; /* unterminated: "/" is then no token */
            }
            i = j + 2;
            continue;
        }
        break;
    }
    *pos = i;
}

int
rj_sql92_lex_next(rj_bytes_t src, size_t *pos, rj_sql92_token_t *tok)
{
    size_t i = *pos;
    skip_blank(src, &i);
    tok->start = i;
    tok->len = 0;
    if (i >= src.len) {
        tok->kind = TK_EOF;
        *pos = i;
        return 0;
    }
    uint8_t c = src.data[i];
    size_t n = 0;
    if (is_id_start(c)) {
        while (i + n < src.len && is_id_part(src.data[i + n])) {
            n++;
        }
        tok->kind = TK_ID;
        for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++) {
            if (strlen(keywords[k].word) == n &&
                strncasecmp(keywords[k].word, (const char *)src.data + i, n) == 0) {
                tok->kind = keywords[k].kind;
                break;
            }
        }
    } else if (is_digit(c) || c == '.') {
        n = number(src, i, &tok->kind);
    } else if (c == '\'') {
        size_t j = i + 1;
        for (;;) {
            if (j >= src.len) {
                tok->kind = TK_EOF;
                return RJ_EMALFORMED; /* unterminated string */
            }
            if (src.data[j] == '\'') {
                if (j + 1 < src.len && src.data[j + 1] == '\'') {
                    j += 2;
                    continue;
                }
                break;
            }
            j++;
        }
        tok->kind = TK_STRING;
        n = j + 1 - i;
    } else {
        uint8_t d = i + 1 < src.len ? src.data[i + 1] : 0;
        n = 1;
        switch (c) {
        case '=':
            tok->kind = TK_EQ;
            break;
        case '<':
            if (d == '>') {
                tok->kind = TK_NE;
                n = 2;
            } else if (d == '=') {
                tok->kind = TK_LE;
                n = 2;
            } else {
                tok->kind = TK_LT;
            }
            break;
        case '>':
            if (d == '=') {
                tok->kind = TK_GE;
                n = 2;
            } else {
                tok->kind = TK_GT;
            }
            break;
        case '(':
            tok->kind = TK_LPAREN;
            break;
        case ',':
            tok->kind = TK_COMMA;
            break;
        case ')':
            tok->kind = TK_RPAREN;
            break;
        case '+':
            tok->kind = TK_PLUS;
            break;
        case '-':
            tok->kind = TK_MINUS;
            break;
        default:
            n = 0;
            break;
        }
    }
    if (n == 0) {
        tok->kind = TK_EOF;
        return RJ_EMALFORMED;
    }
    tok->len = n;
    *pos = i + n;
    return 0;
}
