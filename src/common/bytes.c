/* Byte-view helpers: Java-compatible number and boolean parsing. */
#include "common/bytes.h"

#include "common/alloc.h"
#include "ramjet/status.h"

#include <ctype.h>
#include <limits.h>

int
rj_bytes_parse_i64(rj_bytes_t b, int64_t *out)
{
    size_t i = 0;
    bool negative = false;
    uint64_t limit = (uint64_t)INT64_MAX;
    uint64_t v = 0;

    if (b.len == 0) {
        return RJ_EINVAL;
    }
    if (b.data[0] == '-' || b.data[0] == '+') {
        negative = b.data[0] == '-';
        if (negative) {
            limit = (uint64_t)INT64_MAX + 1;
        }
        i = 1;
        if (b.len == 1) {
            return RJ_EINVAL;
        }
    }
    for (; i < b.len; i++) {
        unsigned d = (unsigned)b.data[i] - '0';
        if (d > 9) {
            return RJ_EINVAL;
        }
        if (v > (limit - d) / 10) {
            return RJ_ETOOLARGE;
        }
        v = v * 10 + d;
    }
    *out = negative ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

int
rj_bytes_parse_i32(rj_bytes_t b, int32_t *out)
{
    int64_t v;
    int rc = rj_bytes_parse_i64(b, &v);
    if (rc != 0) {
        return rc;
    }
    if (v < INT32_MIN || v > INT32_MAX) {
        return RJ_ETOOLARGE;
    }
    *out = (int32_t)v;
    return 0;
}

bool
rj_bytes_parse_java_bool(rj_bytes_t b)
{
    static const char t[] = "true";
    if (b.len != 4) {
        return false;
    }
    for (size_t i = 0; i < 4; i++) {
        if (tolower(b.data[i]) != t[i]) {
            return false;
        }
    }
    return true;
}

char *
rj_bytes_dup(rj_bytes_t b)
{
    return rj_strndup(b.len ? (const char *)b.data : "", b.len);
}

bool
rj_bytes_copy_cstr(rj_bytes_t b, char *dst, size_t size)
{
    if (size == 0) {
        return b.len == 0;
    }
    size_t n = b.len < size - 1 ? b.len : size - 1;
    if (n > 0) {
        memcpy(dst, b.data, n);
    }
    dst[n] = '\0';
    return n == b.len;
}

rj_bytes_t
rj_bytes_trim(rj_bytes_t b)
{
    while (b.len > 0 && isspace(b.data[0])) {
        b.data++;
        b.len--;
    }
    while (b.len > 0 && isspace(b.data[b.len - 1])) {
        b.len--;
    }
    return b;
}
