/* CRC-32 (zlib's, the IEEE polynomial) as RocketMQ uses it for bodies and registrations. */
#ifndef RJ_COMMON_CRC_H
#define RJ_COMMON_CRC_H

#include <stddef.h>
#include <stdint.h>

uint32_t rj_crc32(const void *data, size_t len);
uint32_t rj_crc32_update(uint32_t crc, const void *data, size_t len);

/* crc32 & 0x7FFFFFFF: the BODYCRC of a commit-log record and REGISTER_BROKER's bodyCrc32. */
static inline int32_t
rj_crc32_masked(const void *data, size_t len)
{
    return (int32_t)(rj_crc32(data, len) & 0x7FFFFFFFu);
}

#endif
