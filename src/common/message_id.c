/* Offset message ids: host + port + commit-log offset in uppercase hex. */
#include "common/message_id.h"

#include "common/endian.h"
#include "ramjet/status.h"

#include <string.h>

static const char HEX_UPPER[] = "0123456789ABCDEF";

void
rj_hex_encode_upper(const uint8_t *data, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = HEX_UPPER[data[i] >> 4];
        out[2 * i + 1] = HEX_UPPER[data[i] & 0xF];
    }
    out[2 * len] = '\0';
}

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

int
rj_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t size)
{
    if (hex_len % 2 != 0 || hex_len / 2 > size) {
        return RJ_EMALFORMED;
    }
    for (size_t i = 0; i < hex_len / 2; i++) {
        int hi = hex_value(hex[2 * i]);
        int lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return RJ_EMALFORMED;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return (int)(hex_len / 2);
}

int
rj_message_id_encode(const rj_msg_host_t *store_host, int64_t phy_offset, char *out, size_t size)
{
    uint8_t raw[RJ_MSG_ID_V6_BYTES];
    size_t ip_len = store_host->family == 6 ? 16 : 4;
    size_t n = ip_len + 4 + 8;
    if (size < 2 * n + 1) {
        return RJ_ETOOLARGE;
    }
    memcpy(raw, store_host->addr, ip_len);
    rj_store_be32(raw + ip_len, (uint32_t)store_host->port);
    rj_store_be64(raw + ip_len + 4, (uint64_t)phy_offset);
    rj_hex_encode_upper(raw, n, out);
    return (int)(2 * n);
}

int
rj_message_id_decode(const char *hex, size_t len, rj_msg_host_t *store_host, int64_t *phy_offset)
{
    uint8_t raw[RJ_MSG_ID_V6_BYTES];
    size_t ip_len;
    if (len == RJ_MSG_ID_V4_HEX_LEN) {
        ip_len = 4;
    } else if (len == RJ_MSG_ID_V6_HEX_LEN) {
        ip_len = 16;
    } else {
        return RJ_EMALFORMED;
    }
    if (rj_hex_decode(hex, len, raw, sizeof(raw)) < 0) {
        return RJ_EMALFORMED;
    }
    memset(store_host, 0, sizeof(*store_host));
    store_host->family = ip_len == 16 ? 6 : 4;
    memcpy(store_host->addr, raw, ip_len);
    store_host->port = (int32_t)rj_load_be32(raw + ip_len);
    *phy_offset = (int64_t)rj_load_be64(raw + ip_len + 4);
    return 0;
}
