/*
 * Offset message ids (store.md §6): store host address + port + commit-log
 * offset, 16 bytes for an IPv4 host (32 hex chars) or 28 for IPv6 (56), written
 * as uppercase hex. This is the send response `msgId` and the handle clients use
 * for VIEW_MESSAGE_BY_ID and END_TRANSACTION. The client-side UNIQ_KEY looks
 * alike but is opaque: never decode it with these functions.
 */
#ifndef RJ_COMMON_MESSAGE_ID_H
#define RJ_COMMON_MESSAGE_ID_H

#include "common/message_record.h"

#include <stddef.h>
#include <stdint.h>

#define RJ_MSG_ID_V4_BYTES 16
#define RJ_MSG_ID_V6_BYTES 28
#define RJ_MSG_ID_V4_HEX_LEN 32
#define RJ_MSG_ID_V6_HEX_LEN 56
/* Room for the longest id and its NUL. */
#define RJ_MSG_ID_MAX_HEX_SIZE 57

/*
 * Writes the id of the record at `phy_offset` stored by `store_host` as uppercase
 * hex plus NUL into `out`. Returns the hex length, or RJ_ETOOLARGE if `size` is too
 * small (at least 33 / 57 bytes).
 */
int rj_message_id_encode(const rj_msg_host_t *store_host, int64_t phy_offset, char *out,
                         size_t size);

/*
 * Decodes a 32 or 56 hex-char id (either case). Returns 0, or RJ_EMALFORMED for
 * another length or a non-hex character.
 */
int rj_message_id_decode(const char *hex, size_t len, rj_msg_host_t *store_host,
                         int64_t *phy_offset);

/* Uppercase hex of `len` bytes into `out` (2·len + 1 bytes, NUL-terminated), as Java's
 * bytes2string. */
void rj_hex_encode_upper(const uint8_t *data, size_t len, char *out);

/* Hex to bytes: `hex_len` must be even; returns bytes written or RJ_EMALFORMED. */
int rj_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t size);

#endif
