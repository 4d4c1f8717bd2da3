/*
 * What the broker stored, seen without any client library: commit-log records
 * fetched with raw VIEW_MESSAGE_BY_ID / QUERY_MESSAGE requests and decoded here
 * field by field (store.md §2, v1 layout: magic 0xDAA320A7, 1-byte topic
 * length, IPv4 hosts), so the tests can check the record an ali-ons send left
 * on the broker and that its compressed body inflates to what was sent.
 */
#ifndef RJ_IT_INTEROP_RECORD_H
#define RJ_IT_INTEROP_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IT_MAGIC_V1 0xDAA320A7u

/* One decoded record; the pointers are views into the bytes it was decoded from. */
typedef struct {
    uint32_t total_size;
    uint32_t magic;
    int32_t body_crc;
    int32_t queue_id;
    int32_t flag;
    int64_t queue_offset;
    int64_t phy_offset;
    int32_t sys_flag;
    int64_t born_timestamp;
    char born_host[32];
    int64_t store_timestamp;
    char store_host[32];
    int32_t reconsume_times;
    int64_t prepared_transaction_offset;
    const uint8_t *body;
    size_t body_len;
    char topic[256];
    const char *properties; /* not NUL-terminated */
    size_t properties_len;
} it_record_t;

/*
 * Decodes one v1 record with IPv4 hosts from `data`. Fails the test (naming
 * the field) unless the magic is v1, the hosts are IPv4 (sysFlag bits 4 and
 * 5 clear) and TOTALSIZE equals 91 + body + topic + properties length.
 * Returns the bytes consumed (TOTALSIZE).
 */
size_t it_record_decode(const uint8_t *data, size_t len, it_record_t *out);

/* Value of property `key` in the record ("k\001v\002..." form), copied into buf; false if absent.
 */
bool it_record_property(const it_record_t *r, const char *key, char *buf, size_t size);

/* Splits an offset msgId (32 hex chars) into "ip:port" and commit-log offset. */
void it_msgid_decode(const char *msg_id, char *addr, size_t size, int64_t *offset);

/* VIEW_MESSAGE_BY_ID to `addr`: the stored record bytes (heap, free()) and their length. */
uint8_t *it_view_message(const char *addr, int64_t offset, size_t *len);

/*
 * QUERY_MESSAGE for `key` of `topic` on the broker at `addr` (all time);
 * returns the response code and, on success, the records (heap, free()).
 */
int it_query_message(const char *addr, const char *topic, const char *key, uint8_t **records,
                     size_t *len);

/* The body as the producer sent it: inflated when sysFlag says compressed (heap, free()). */
uint8_t *it_record_plain_body(const it_record_t *r, size_t *len);

#endif
