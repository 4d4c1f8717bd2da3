/* Java String.hashCode over UTF-8 text, decoding to UTF-16 code units on the fly. */
#include "common/java_hash.h"

#define REPLACEMENT 0xFFFDu

/* Decodes one code point at p[0..n), sets *used; malformed input yields U+FFFD for one byte. */
static uint32_t
decode_utf8(const uint8_t *p, size_t n, size_t *used)
{
    uint8_t c = p[0];
    uint32_t cp;
    size_t need;

    if (c < 0x80) {
        *used = 1;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        cp = c & 0x07;
    } else {
        *used = 1;
        return REPLACEMENT;
    }
    if (need >= n) {
        *used = 1;
        return REPLACEMENT;
    }
    for (size_t i = 1; i <= need; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *used = 1;
            return REPLACEMENT;
        }
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are malformed. */
    if ((need == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (need == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
        *used = 1;
        return REPLACEMENT;
    }
    *used = need + 1;
    return cp;
}

int32_t
rj_java_hash(const void *utf8, size_t len)
{
    const uint8_t *p = utf8;
    uint32_t h = 0;
    size_t i = 0;

    while (i < len) {
        size_t used;
        uint32_t cp = decode_utf8(p + i, len - i, &used);
        i += used;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            h = 31 * h + (0xD800u + (cp >> 10));
            h = 31 * h + (0xDC00u + (cp & 0x3FF));
        } else {
            h = 31 * h + cp;
        }
    }
    return (int32_t)h;
}
