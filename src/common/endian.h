/*
 * Big-endian loads and stores. RocketMQ's wire and disk formats are big-endian;
 * fields are encoded one by one through these, never by copying a struct.
 */
#ifndef RJ_COMMON_ENDIAN_H
#define RJ_COMMON_ENDIAN_H

#include <stdint.h>

static inline uint16_t
rj_load_be16(const void *p)
{
    const uint8_t *b = p;
    return (uint16_t)((uint16_t)b[0] << 8 | b[1]);
}

static inline uint32_t
rj_load_be32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline uint64_t
rj_load_be64(const void *p)
{
    const uint8_t *b = p;
    return (uint64_t)rj_load_be32(b) << 32 | rj_load_be32(b + 4);
}

static inline void
rj_store_be16(void *p, uint16_t v)
{
    uint8_t *b = p;
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static inline void
rj_store_be32(void *p, uint32_t v)
{
    uint8_t *b = p;
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

static inline void
rj_store_be64(void *p, uint64_t v)
{
    uint8_t *b = p;
    rj_store_be32(b, (uint32_t)(v >> 32));
    rj_store_be32(b + 4, (uint32_t)v);
}

#endif
