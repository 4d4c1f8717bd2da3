/*
 * Commit-log record codec (store.md §2) and SEND_BATCH_MESSAGE inner messages.
 * Decoding never trusts a length field: every field is bounds-checked against
 * both the available bytes and TOTALSIZE before it is read.
 */
#include "common/message_record.h"

#include "common/crc.h"
#include "common/endian.h"
#include "ramjet/status.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

int
rj_msg_host_from_sockaddr(const struct sockaddr *sa, rj_msg_host_t *out)
{
    memset(out, 0, sizeof(*out));
    if (sa == NULL) {
        return RJ_EINVAL;
    }
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        out->family = 4;
        memcpy(out->addr, &in->sin_addr, 4);
        out->port = ntohs(in->sin_port);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        out->family = 6;
        memcpy(out->addr, &in6->sin6_addr, 16);
        out->port = ntohs(in6->sin6_port);
        return 0;
    }
    return RJ_EINVAL;
}

int
rj_msg_host_to_sockaddr(const rj_msg_host_t *h, struct sockaddr_storage *out)
{
    memset(out, 0, sizeof(*out));
    if (h->port < 0 || h->port > 65535) {
        return RJ_EINVAL;
    }
    if (h->family == 4) {
        struct sockaddr_in *in = (struct sockaddr_in *)(void *)out;
        in->sin_family = AF_INET;
        memcpy(&in->sin_addr, h->addr, 4);
        in->sin_port = htons((uint16_t)h->port);
        return 0;
    }
    if (h->family == 6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)out;
        in6->sin6_family = AF_INET6;
        memcpy(&in6->sin6_addr, h->addr, 16);
        in6->sin6_port = htons((uint16_t)h->port);
        return 0;
    }
    return RJ_EINVAL;
}

size_t
rj_msg_host_format(const rj_msg_host_t *h, char *out, size_t size)
{
    char ip[INET6_ADDRSTRLEN];
    int n;
    if (h->family == 6) {
        inet_ntop(AF_INET6, h->addr, ip, sizeof(ip));
        n = snprintf(out, size, "[%s]:%d", ip, (int)h->port);
    } else {
        inet_ntop(AF_INET, h->addr, ip, sizeof(ip));
        n = snprintf(out, size, "%s:%d", ip, (int)h->port);
    }
    if (n < 0) {
        return 0;
    }
    return (size_t)n < size ? (size_t)n : size - 1;
}

size_t
rj_message_record_length(int32_t sys_flag, size_t body_len, size_t topic_len, size_t properties_len,
                         bool v2)
{
    size_t len = RJ_MSG_FIXED_LEN + body_len + topic_len + properties_len;
    if (sys_flag & RJ_SYSFLAG_BORNHOST_V6) {
        len += 12;
    }
    if (sys_flag & RJ_SYSFLAG_STOREHOST_V6) {
        len += 12;
    }
    if (v2) {
        len += 1;
    }
    return len;
}

bool
rj_message_record_is_blank(const uint8_t *data, size_t len)
{
    return len >= RJ_MSG_BLANK_LEN && rj_load_be32(data + RJ_MSG_POS_MAGIC) == RJ_MSG_MAGIC_BLANK;
}

int64_t
rj_message_record_store_timestamp(const uint8_t *data)
{
    int32_t sys_flag = (int32_t)rj_load_be32(data + RJ_MSG_POS_SYSFLAG);
    size_t pos = RJ_MSG_POS_BORNHOST + ((sys_flag & RJ_SYSFLAG_BORNHOST_V6) ? 20 : 8);
    return (int64_t)rj_load_be64(data + pos);
}

static size_t
read_host(const uint8_t *p, bool v6, rj_msg_host_t *h)
{
    memset(h, 0, sizeof(*h));
    size_t n = v6 ? 16 : 4;
    h->family = v6 ? 6 : 4;
    memcpy(h->addr, p, n);
    h->port = (int32_t)rj_load_be32(p + n);
    return n + 4;
}

static size_t
write_host(uint8_t *p, const rj_msg_host_t *h)
{
    size_t n = h->family == 6 ? 16 : 4;
    memcpy(p, h->addr, n);
    rj_store_be32(p + n, (uint32_t)h->port);
    return n + 4;
}

int
rj_message_record_decode(const uint8_t *data, size_t len, rj_message_record_t *out, unsigned flags)
{
    if (len < 8) {
        return 0;
    }
    int32_t total = (int32_t)rj_load_be32(data);
    uint32_t magic = rj_load_be32(data + RJ_MSG_POS_MAGIC);
    if (magic != RJ_MSG_MAGIC_V1 && magic != RJ_MSG_MAGIC_V2) {
        return RJ_EMALFORMED;
    }
    if (total < RJ_MSG_FIXED_LEN) {
        return RJ_EMALFORMED;
    }
    if ((size_t)total > len) {
        return 0;
    }
    const uint8_t *p = data;
    const uint8_t *end = data + total;
    memset(out, 0, sizeof(*out));
    out->total_size = total;
    out->magic = magic;
    out->body_crc = (int32_t)rj_load_be32(p + RJ_MSG_POS_BODYCRC);
    out->queue_id = (int32_t)rj_load_be32(p + RJ_MSG_POS_QUEUEID);
    out->flag = (int32_t)rj_load_be32(p + RJ_MSG_POS_FLAG);
    out->queue_offset = (int64_t)rj_load_be64(p + RJ_MSG_POS_QUEUEOFFSET);
    out->phy_offset = (int64_t)rj_load_be64(p + RJ_MSG_POS_PHYOFFSET);
    out->sys_flag = (int32_t)rj_load_be32(p + RJ_MSG_POS_SYSFLAG);
    out->born_timestamp = (int64_t)rj_load_be64(p + RJ_MSG_POS_BORNTIMESTAMP);

    bool born_v6 = (out->sys_flag & RJ_SYSFLAG_BORNHOST_V6) != 0;
    bool store_v6 = (out->sys_flag & RJ_SYSFLAG_STOREHOST_V6) != 0;
    bool v2 = magic == RJ_MSG_MAGIC_V2;
    /* Everything up to and including BODYLEN. */
    size_t head = RJ_MSG_POS_BORNHOST + (born_v6 ? 20 : 8) + 8 + (store_v6 ? 20 : 8) + 4 + 8 + 4;
    if ((size_t)total < head + (v2 ? 2 : 1) + 2) {
        return RJ_EMALFORMED;
    }
    p += RJ_MSG_POS_BORNHOST;
    p += read_host(p, born_v6, &out->born_host);
    out->store_timestamp = (int64_t)rj_load_be64(p);
    p += 8;
    p += read_host(p, store_v6, &out->store_host);
    out->reconsume_times = (int32_t)rj_load_be32(p);
    p += 4;
    out->prepared_transaction_offset = (int64_t)rj_load_be64(p);
    p += 8;
    int32_t body_len = (int32_t)rj_load_be32(p);
    p += 4;
    /* Java treats a negative body length as no body. */
    size_t blen = body_len > 0 ? (size_t)body_len : 0;
    if (blen > (size_t)(end - p)) {
        return RJ_EMALFORMED;
    }
    out->body = rj_bytes(p, blen);
    p += blen;

    size_t tlen;
    if (v2) {
        if (end - p < 2) {
            return RJ_EMALFORMED;
        }
        int16_t t = (int16_t)rj_load_be16(p);
        p += 2;
        if (t < 0) {
            return RJ_EMALFORMED;
        }
        tlen = (size_t)t;
    } else {
        if (end - p < 1) {
            return RJ_EMALFORMED;
        }
        int8_t t = (int8_t)p[0];
        p += 1;
        if (t < 0) {
            return RJ_EMALFORMED;
        }
        tlen = (size_t)t;
    }
    if (tlen > (size_t)(end - p)) {
        return RJ_EMALFORMED;
    }
    out->topic = rj_bytes(p, tlen);
    p += tlen;
    if (end - p < 2) {
        return RJ_EMALFORMED;
    }
    int16_t plen = (int16_t)rj_load_be16(p);
    p += 2;
    size_t prlen = plen > 0 ? (size_t)plen : 0;
    if (prlen > (size_t)(end - p)) {
        return RJ_EMALFORMED;
    }
    out->properties = rj_bytes(p, prlen);
    p += prlen;

    if (rj_message_record_length(out->sys_flag, blen, tlen, prlen, v2) != (size_t)total) {
        return RJ_EMALFORMED;
    }
    if ((flags & RJ_MSG_DECODE_CHECK_CRC) &&
        rj_crc32_masked(out->body.data, out->body.len) != out->body_crc) {
        return RJ_ECORRUPT;
    }
    return total;
}

int
rj_message_record_encode(const rj_message_record_t *rec, uint8_t *buf, size_t cap)
{
    bool v2 = rec->magic == RJ_MSG_MAGIC_V2;
    bool born_v6 = (rec->sys_flag & RJ_SYSFLAG_BORNHOST_V6) != 0;
    bool store_v6 = (rec->sys_flag & RJ_SYSFLAG_STOREHOST_V6) != 0;
    if (born_v6 != (rec->born_host.family == 6) || store_v6 != (rec->store_host.family == 6)) {
        return RJ_EINVAL;
    }
    if ((v2 ? rec->topic.len > 32767 : rec->topic.len > RJ_MSG_TOPIC_MAX_V1) ||
        rec->properties.len > RJ_MSG_PROPERTIES_MAX || rec->body.len > INT32_MAX) {
        return RJ_EINVAL;
    }
    size_t total = rj_message_record_length(rec->sys_flag, rec->body.len, rec->topic.len,
                                            rec->properties.len, v2);
    if (total > cap || total > INT32_MAX) {
        return RJ_ETOOLARGE;
    }
    uint8_t *p = buf;
    rj_store_be32(p, (uint32_t)total);
    rj_store_be32(p + RJ_MSG_POS_MAGIC, v2 ? RJ_MSG_MAGIC_V2 : RJ_MSG_MAGIC_V1);
    rj_store_be32(p + RJ_MSG_POS_BODYCRC, (uint32_t)rec->body_crc);
    rj_store_be32(p + RJ_MSG_POS_QUEUEID, (uint32_t)rec->queue_id);
    rj_store_be32(p + RJ_MSG_POS_FLAG, (uint32_t)rec->flag);
    rj_store_be64(p + RJ_MSG_POS_QUEUEOFFSET, (uint64_t)rec->queue_offset);
    rj_store_be64(p + RJ_MSG_POS_PHYOFFSET, (uint64_t)rec->phy_offset);
    rj_store_be32(p + RJ_MSG_POS_SYSFLAG, (uint32_t)rec->sys_flag);
    rj_store_be64(p + RJ_MSG_POS_BORNTIMESTAMP, (uint64_t)rec->born_timestamp);
    p += RJ_MSG_POS_BORNHOST;
    p += write_host(p, &rec->born_host);
    rj_store_be64(p, (uint64_t)rec->store_timestamp);
    p += 8;
    p += write_host(p, &rec->store_host);
    rj_store_be32(p, (uint32_t)rec->reconsume_times);
    p += 4;
    rj_store_be64(p, (uint64_t)rec->prepared_transaction_offset);
    p += 8;
    rj_store_be32(p, (uint32_t)rec->body.len);
    p += 4;
    if (rec->body.len > 0) {
        memcpy(p, rec->body.data, rec->body.len);
        p += rec->body.len;
    }
    if (v2) {
        rj_store_be16(p, (uint16_t)rec->topic.len);
        p += 2;
    } else {
        *p++ = (uint8_t)rec->topic.len;
    }
    if (rec->topic.len > 0) {
        memcpy(p, rec->topic.data, rec->topic.len);
        p += rec->topic.len;
    }
    rj_store_be16(p, (uint16_t)rec->properties.len);
    p += 2;
    if (rec->properties.len > 0) {
        memcpy(p, rec->properties.data, rec->properties.len);
        p += rec->properties.len;
    }
    return (int)(p - buf);
}

void
rj_message_record_encode_blank(uint8_t *buf, int32_t remaining)
{
    rj_store_be32(buf, (uint32_t)remaining);
    rj_store_be32(buf + RJ_MSG_POS_MAGIC, RJ_MSG_MAGIC_BLANK);
}

int
rj_message_batch_item_decode(const uint8_t *data, size_t len, rj_message_batch_item_t *out)
{
    if (len == 0) {
        return 0;
    }
    if (len < RJ_MSG_BATCH_ITEM_FIXED_LEN) {
        return RJ_EMALFORMED;
    }
    int32_t total = (int32_t)rj_load_be32(data);
    if (total < RJ_MSG_BATCH_ITEM_FIXED_LEN || (size_t)total > len) {
        return RJ_EMALFORMED;
    }
    memset(out, 0, sizeof(*out));
    out->total_size = total;
    out->magic = (int32_t)rj_load_be32(data + 4);
    out->body_crc = (int32_t)rj_load_be32(data + 8);
    out->flag = (int32_t)rj_load_be32(data + 12);
    int32_t body_len = (int32_t)rj_load_be32(data + 16);
    if (body_len < 0 || (size_t)body_len > (size_t)total - RJ_MSG_BATCH_ITEM_FIXED_LEN) {
        return RJ_EMALFORMED;
    }
    const uint8_t *p = data + 20;
    out->body = rj_bytes(p, (size_t)body_len);
    p += body_len;
    int16_t plen = (int16_t)rj_load_be16(p);
    p += 2;
    if (plen < 0 ||
        RJ_MSG_BATCH_ITEM_FIXED_LEN + (size_t)body_len + (size_t)plen != (size_t)total) {
        return RJ_EMALFORMED;
    }
    out->properties = rj_bytes(p, (size_t)plen);
    return total;
}

int
rj_message_batch_item_encode(int32_t flag, rj_bytes_t body, rj_bytes_t properties, uint8_t *buf,
                             size_t cap)
{
    if (properties.len > RJ_MSG_PROPERTIES_MAX || body.len > INT32_MAX / 2) {
        return RJ_EINVAL;
    }
    size_t total = RJ_MSG_BATCH_ITEM_FIXED_LEN + body.len + properties.len;
    if (total > cap) {
        return RJ_ETOOLARGE;
    }
    rj_store_be32(buf, (uint32_t)total);
    rj_store_be32(buf + 4, 0);
    rj_store_be32(buf + 8, 0);
    rj_store_be32(buf + 12, (uint32_t)flag);
    rj_store_be32(buf + 16, (uint32_t)body.len);
    if (body.len > 0) {
        memcpy(buf + 20, body.data, body.len);
    }
    rj_store_be16(buf + 20 + body.len, (uint16_t)properties.len);
    if (properties.len > 0) {
        memcpy(buf + 22 + body.len, properties.data, properties.len);
    }
    return (int)total;
}
