/* CRC-32 through zlib, which has the fast table and hardware paths. */
#include "common/crc.h"

#include <limits.h>
#include <zlib.h>

uint32_t
rj_crc32_update(uint32_t crc, const void *data, size_t len)
{
    const Bytef *p = data;
    uLong c = crc;
    /* zlib takes uInt lengths; feed huge buffers in pieces. */
    while (len > 0) {
        uInt n = len > UINT_MAX ? UINT_MAX : (uInt)len;
        c = crc32(c, p, n);
        p += n;
        len -= n;
    }
    return (uint32_t)c;
}

uint32_t
rj_crc32(const void *data, size_t len)
{
    return rj_crc32_update(0, data, len);
}
