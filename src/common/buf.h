/*
 * Growable byte buffer for encoders. It grows geometrically and keeps its
 * capacity across rj_buf_reset(), so an encoder reusing one buffer stops
 * allocating once the buffer has reached its working size.
 * Appends return 0 or RJ_ENOMEM; on failure the contents are unchanged.
 */
#ifndef RJ_COMMON_BUF_H
#define RJ_COMMON_BUF_H

#include "common/bytes.h"
#include "common/endian.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *data;
    size_t len;
    size_t cap;
} rj_buf_t;

#define RJ_BUF_INIT ((rj_buf_t){NULL, 0, 0})

void rj_buf_init(rj_buf_t *b);
void rj_buf_cleanup(rj_buf_t *b);

/* Makes room for `extra` more bytes. */
int rj_buf_reserve(rj_buf_t *b, size_t extra);

static inline void
rj_buf_reset(rj_buf_t *b)
{
    b->len = 0;
}

int rj_buf_append(rj_buf_t *b, const void *data, size_t len);
int rj_buf_append_cstr(rj_buf_t *b, const char *s);
int rj_buf_append_u8(rj_buf_t *b, uint8_t v);
int rj_buf_append_be16(rj_buf_t *b, uint16_t v);
int rj_buf_append_be32(rj_buf_t *b, uint32_t v);
int rj_buf_append_be64(rj_buf_t *b, uint64_t v);
int rj_buf_appendf(rj_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int rj_buf_vappendf(rj_buf_t *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Appends a NUL without counting it in len, so data can be used as a C string. */
int rj_buf_terminate(rj_buf_t *b);

/* Removes the first `n` bytes. */
void rj_buf_consume(rj_buf_t *b, size_t n);

static inline rj_bytes_t
rj_buf_view(const rj_buf_t *b)
{
    return (rj_bytes_t){b->data, b->len};
}

/* Hands the storage to the caller (NUL-terminated) and leaves the buffer empty. */
char *rj_buf_detach(rj_buf_t *b, size_t *len);

#endif
