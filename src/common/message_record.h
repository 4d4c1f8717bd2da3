/*
 * The stored message record of RocketMQ's commit log (store.md §2), which is
 * also the format of pull, query and view response bodies and of the HA stream,
 * and the inner-message format of SEND_BATCH_MESSAGE bodies.
 *
 * Record layout (big-endian, IPv4 hosts; a v6 host field is 20 bytes instead of 8):
 *
 *     0 TOTALSIZE  4 MAGICCODE  8 BODYCRC  12 QUEUEID  16 FLAG  20 QUEUEOFFSET
 *     28 PHYSICALOFFSET  36 SYSFLAG  40 BORNTIMESTAMP  48 BORNHOST  STORETIMESTAMP
 *     STOREHOST  RECONSUMETIMES  PREPARED_TRANSACTION_OFFSET  BODYLEN BODY
 *     TOPICLEN(1; V2: 2) TOPIC  PROPLEN(2) PROPERTIES
 *
 * The decoder returns views into the caller's bytes; nothing is copied. It checks
 * the length rule TOTALSIZE = 91 + B + T + P (+12 per v6 host, +1 for V2) and,
 * on request, the body CRC. A BLANK record (end-of-segment filler) is only an
 * 8-byte marker: test for it with rj_message_record_is_blank() first.
 */
#ifndef RJ_COMMON_MESSAGE_RECORD_H
#define RJ_COMMON_MESSAGE_RECORD_H

#include "common/bytes.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Magic codes (int32 on disk; the signed values are the ones Java prints). */
#define RJ_MSG_MAGIC_V1 0xDAA320A7u    /* -626843481: 4.x records */
#define RJ_MSG_MAGIC_V2 0xDAA320ABu    /* -626843477: 5.x records with int16 topic length */
#define RJ_MSG_MAGIC_BLANK 0xCBD43194u /* -875286124: end-of-segment filler */

/* sysFlag bits (requests.md §B2). */
#define RJ_SYSFLAG_COMPRESSED 0x1
#define RJ_SYSFLAG_MULTI_TAGS 0x2
#define RJ_SYSFLAG_TRANSACTION_MASK 0xC
#define RJ_SYSFLAG_TRANSACTION_NOT 0x0
#define RJ_SYSFLAG_TRANSACTION_PREPARED 0x4
#define RJ_SYSFLAG_TRANSACTION_COMMIT 0x8
#define RJ_SYSFLAG_TRANSACTION_ROLLBACK 0xC
#define RJ_SYSFLAG_BORNHOST_V6 0x10
#define RJ_SYSFLAG_STOREHOST_V6 0x20
#define RJ_SYSFLAG_NEED_UNWRAP 0x40
#define RJ_SYSFLAG_INNER_BATCH 0x80
#define RJ_SYSFLAG_COMPRESSION_MASK 0x700
#define RJ_SYSFLAG_COMPRESSION_LZ4 0x100
#define RJ_SYSFLAG_COMPRESSION_ZSTD 0x200
#define RJ_SYSFLAG_COMPRESSION_ZLIB 0x300

static inline int32_t
rj_sysflag_tran_type(int32_t sys_flag)
{
    return sys_flag & RJ_SYSFLAG_TRANSACTION_MASK;
}

static inline int32_t
rj_sysflag_set_tran_type(int32_t sys_flag, int32_t type)
{
    return (sys_flag & ~RJ_SYSFLAG_TRANSACTION_MASK) | type;
}

/* Fixed field positions (valid for any host family: they precede BORNHOST). */
#define RJ_MSG_POS_TOTALSIZE 0
#define RJ_MSG_POS_MAGIC 4
#define RJ_MSG_POS_BODYCRC 8
#define RJ_MSG_POS_QUEUEID 12
#define RJ_MSG_POS_FLAG 16
#define RJ_MSG_POS_QUEUEOFFSET 20
#define RJ_MSG_POS_PHYOFFSET 28
#define RJ_MSG_POS_SYSFLAG 36
#define RJ_MSG_POS_BORNTIMESTAMP 40
#define RJ_MSG_POS_BORNHOST 48

/* Record length without body, topic and properties (IPv4 hosts, V1). */
#define RJ_MSG_FIXED_LEN 91
/* BLANK marker: int32 remaining size + int32 magic. */
#define RJ_MSG_BLANK_LEN 8
/* Largest topic a V1 record holds (signed byte length). */
#define RJ_MSG_TOPIC_MAX_V1 127
/* Properties length is an int16. */
#define RJ_MSG_PROPERTIES_MAX 32767

/* A born or store host: IPv4 (4 address bytes) or IPv6 (16), and a port. */
typedef struct {
    uint8_t family; /* 4 or 6 */
    uint8_t addr[16];
    int32_t port;
} rj_msg_host_t;

/* Bytes the host takes in a record or msgId: 8 for IPv4, 20 for IPv6. */
static inline size_t
rj_msg_host_len(const rj_msg_host_t *h)
{
    return h->family == 6 ? 20 : 8;
}

/* From/to a socket address (AF_INET or AF_INET6). Return 0 or RJ_EINVAL. */
int rj_msg_host_from_sockaddr(const struct sockaddr *sa, rj_msg_host_t *out);
int rj_msg_host_to_sockaddr(const rj_msg_host_t *h, struct sockaddr_storage *out);

/* "a.b.c.d:port" or "[v6]:port" text into `out` (at least 64 bytes). Returns length. */
size_t rj_msg_host_format(const rj_msg_host_t *h, char *out, size_t size);

/* A decoded record. Views point into the decoded bytes. */
typedef struct {
    int32_t total_size;
    uint32_t magic; /* RJ_MSG_MAGIC_V1 or _V2 */
    int32_t body_crc;
    int32_t queue_id;
    int32_t flag;
    int64_t queue_offset;
    int64_t phy_offset;
    int32_t sys_flag;
    int64_t born_timestamp;
    rj_msg_host_t born_host;
    int64_t store_timestamp;
    rj_msg_host_t store_host;
    int32_t reconsume_times;
    int64_t prepared_transaction_offset;
    rj_bytes_t body;
    rj_bytes_t topic;
    rj_bytes_t properties;
} rj_message_record_t;

enum {
    RJ_MSG_DECODE_CHECK_CRC = 1u << 0, /* verify BODYCRC: mismatch → RJ_ECORRUPT */
};

/*
 * Length of a record with these parts; the host families come from the sysFlag
 * bits. V2 records (5.x) have a 2-byte topic length.
 */
size_t rj_message_record_length(int32_t sys_flag, size_t body_len, size_t topic_len,
                                size_t properties_len, bool v2);

/* True when `data` starts with a BLANK marker (8 bytes available and the magic matches). */
bool rj_message_record_is_blank(const uint8_t *data, size_t len);

/*
 * Decodes one record from data[0..len). Returns TOTALSIZE (bytes consumed), 0 if
 * fewer than TOTALSIZE bytes (or fewer than 8) are available, RJ_EMALFORMED for a
 * bad magic (BLANK included), a negative or inconsistent size, or a failed length
 * check, and RJ_ECORRUPT for a CRC mismatch with RJ_MSG_DECODE_CHECK_CRC.
 */
int rj_message_record_decode(const uint8_t *data, size_t len, rj_message_record_t *out,
                             unsigned flags);

/*
 * Encodes `rec` into buf[0..cap). TOTALSIZE is computed (rec->total_size is
 * ignored), the magic is V2 if rec->magic says so, else V1; the host families come
 * from rec->sys_flag bits and must match the hosts. BODYCRC is written as given.
 * Returns the length written, RJ_ETOOLARGE if it does not fit in `cap`, RJ_EINVAL
 * for an oversized topic/properties or host/sysFlag mismatch.
 */
int rj_message_record_encode(const rj_message_record_t *rec, uint8_t *buf, size_t cap);

/* Writes a BLANK marker for `remaining` bytes (needs 8 bytes of room). */
void rj_message_record_encode_blank(uint8_t *buf, int32_t remaining);

/* STORETIMESTAMP of a record; needs its first 64 bytes (76 with a v6 born host). */
int64_t rj_message_record_store_timestamp(const uint8_t *data);

/*
 * Inner message of a SEND_BATCH_MESSAGE body (MessageDecoder.encodeMessage):
 * TOTALSIZE, MAGICCODE (0), BODYCRC (0), FLAG, BODYLEN BODY, PROPLEN(2) PROPERTIES.
 */
typedef struct {
    int32_t total_size;
    int32_t magic;
    int32_t body_crc;
    int32_t flag;
    rj_bytes_t body;
    rj_bytes_t properties;
} rj_message_batch_item_t;

#define RJ_MSG_BATCH_ITEM_FIXED_LEN 22

/*
 * Decodes the next inner message. Returns bytes consumed; 0 when `len` is 0;
 * RJ_EMALFORMED when the sizes are inconsistent or the item is truncated.
 */
int rj_message_batch_item_decode(const uint8_t *data, size_t len, rj_message_batch_item_t *out);

/* Encodes one inner message (magic and CRC 0, as Java). Returns length or RJ_ETOOLARGE. */
int rj_message_batch_item_encode(int32_t flag, rj_bytes_t body, rj_bytes_t properties, uint8_t *buf,
                                 size_t cap);

#endif
