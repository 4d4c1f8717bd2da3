/*
 * Byte views: a pointer and a length into memory owned by someone else (a read
 * buffer, a mapped file). Decoders hand out views instead of copies; whoever
 * keeps data beyond the owner's lifetime copies it (rj_bytes_dup).
 */
#ifndef RJ_COMMON_BYTES_H
#define RJ_COMMON_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t len;
} rj_bytes_t;

#define RJ_BYTES_NULL ((rj_bytes_t){NULL, 0})
#define RJ_BYTES_LIT(s) ((rj_bytes_t){(const uint8_t *)(s), sizeof(s) - 1})

static inline rj_bytes_t
rj_bytes(const void *data, size_t len)
{
    return (rj_bytes_t){(const uint8_t *)data, len};
}

static inline rj_bytes_t
rj_bytes_from_cstr(const char *s)
{
    return (rj_bytes_t){(const uint8_t *)s, s ? strlen(s) : 0};
}

static inline bool
rj_bytes_eq(rj_bytes_t a, rj_bytes_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
}

static inline bool
rj_bytes_eq_cstr(rj_bytes_t a, const char *s)
{
    size_t n = strlen(s);
    return a.len == n && (n == 0 || memcmp(a.data, s, n) == 0);
}

static inline bool
rj_bytes_starts_with(rj_bytes_t a, const char *prefix)
{
    size_t n = strlen(prefix);
    return a.len >= n && memcmp(a.data, prefix, n) == 0;
}

/*
 * Java Long.parseLong / Integer.parseInt: optional sign, decimal digits only, no
 * spaces, range-checked. Return 0, or RJ_EINVAL / RJ_ETOOLARGE (overflow).
 */
int rj_bytes_parse_i64(rj_bytes_t b, int64_t *out);
int rj_bytes_parse_i32(rj_bytes_t b, int32_t *out);

/* Java Boolean.parseBoolean: true iff the text is "true" in any case. */
bool rj_bytes_parse_java_bool(rj_bytes_t b);

/* NUL-terminated heap copy (rj_malloc); NULL when out of memory. */
char *rj_bytes_dup(rj_bytes_t b);

/* Copies into `dst` of `size` bytes, NUL-terminated and truncated; returns false if truncated. */
bool rj_bytes_copy_cstr(rj_bytes_t b, char *dst, size_t size);

/* Leading and trailing ASCII whitespace removed. */
rj_bytes_t rj_bytes_trim(rj_bytes_t b);

#endif
