/* Growable byte buffer. */
#include "common/buf.h"

#include "common/alloc.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <string.h>

void
rj_buf_init(rj_buf_t *b)
{
    *b = RJ_BUF_INIT;
}

void
rj_buf_cleanup(rj_buf_t *b)
{
    rj_free(b->data);
    *b = RJ_BUF_INIT;
}

int
rj_buf_reserve(rj_buf_t *b, size_t extra)
{
    if (extra <= b->cap - b->len) {
        return 0;
    }
    if (extra > SIZE_MAX / 2 - b->len) {
        return RJ_ENOMEM;
    }
    size_t need = b->len + extra;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        cap *= 2;
    }
    uint8_t *p = rj_realloc(b->data, cap);
    if (p == NULL) {
        return RJ_ENOMEM;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int
rj_buf_append(rj_buf_t *b, const void *data, size_t len)
{
    if (len == 0) {
        return 0;
    }
    int rc = rj_buf_reserve(b, len);
    if (rc != 0) {
        return rc;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

int
rj_buf_append_cstr(rj_buf_t *b, const char *s)
{
    return rj_buf_append(b, s, strlen(s));
}

int
rj_buf_append_u8(rj_buf_t *b, uint8_t v)
{
    return rj_buf_append(b, &v, 1);
}

int
rj_buf_append_be16(rj_buf_t *b, uint16_t v)
{
    uint8_t t[2];
    rj_store_be16(t, v);
    return rj_buf_append(b, t, sizeof(t));
}

int
rj_buf_append_be32(rj_buf_t *b, uint32_t v)
{
    uint8_t t[4];
    rj_store_be32(t, v);
    return rj_buf_append(b, t, sizeof(t));
}

int
rj_buf_append_be64(rj_buf_t *b, uint64_t v)
{
    uint8_t t[8];
    rj_store_be64(t, v);
    return rj_buf_append(b, t, sizeof(t));
}

int
rj_buf_vappendf(rj_buf_t *b, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    char small[256];
    int n = vsnprintf(small, sizeof(small), fmt, copy);
    va_end(copy);
    if (n < 0) {
        return RJ_EINVAL;
    }
    if ((size_t)n < sizeof(small)) {
        return rj_buf_append(b, small, (size_t)n);
    }
    int rc = rj_buf_reserve(b, (size_t)n + 1);
    if (rc != 0) {
        return rc;
    }
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int
rj_buf_appendf(rj_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = rj_buf_vappendf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int
rj_buf_terminate(rj_buf_t *b)
{
    int rc = rj_buf_reserve(b, 1);
    if (rc == 0) {
        b->data[b->len] = '\0';
    }
    return rc;
}

void
rj_buf_consume(rj_buf_t *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

char *
rj_buf_detach(rj_buf_t *b, size_t *len)
{
    if (rj_buf_terminate(b) != 0) {
        return NULL;
    }
    char *p = (char *)b->data;
    if (len != NULL) {
        *len = b->len;
    }
    *b = RJ_BUF_INIT;
    return p;
}
