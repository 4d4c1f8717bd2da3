/*
 * Send-side encoding of messages: the properties string (with the UNIQ_KEY
 * and the transaction properties the producer adds, without mutating the
 * application's message), body compression (zlib, as Java: level 5, sysFlag
 * COMPRESSED | ZLIB), and SEND_BATCH_MESSAGE bodies.
 *
 * The properties buffer keeps short strings inline (on the caller's stack),
 * so a typical send encodes without allocating.
 */
#ifndef RJ_CLIENT_MESSAGE_ENCODE_H
#define RJ_CLIENT_MESSAGE_ENCODE_H

#include "client/message_internal.h"
#include "client/uniq_key.h"
#include "common/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RJ_PROP_BUF_INLINE 768

typedef struct {
    char *data;
    size_t len;
    size_t cap;
    char inline_buf[RJ_PROP_BUF_INLINE];
} rj_prop_buf_t;

void rj_prop_buf_init(rj_prop_buf_t *b);
void rj_prop_buf_cleanup(rj_prop_buf_t *b);
rj_bytes_t rj_prop_buf_view(const rj_prop_buf_t *b);

typedef struct {
    const char *producer_group; /* with `transaction`: PGROUP value */
    bool transaction;           /* add TRAN_MSG=true and PGROUP, drop DELAY */
    bool retry_topic; /* topic is %RETRY%...: move RECONSUME_TIME/MAX_RECONSUME_TIMES out */
} rj_encode_opts_t;

typedef struct {
    char uniq_key[RJ_UNIQ_KEY_LEN + 1]; /* generated one, or "" if the message had its own */
    const char *msg_id;                 /* the UNIQ_KEY in effect (message's or generated) */
    int32_t reconsume_times;            /* header j */
    int32_t max_reconsume_times;        /* header l, -1 if none */
} rj_encode_info_t;

/*
 * Writes the wire properties of `msg` into `out` (4.9.8 form, no trailing
 * separator) and fills `info`. Returns RJ_OK, RJ_ENOMEM, or RJ_EINVAL when the
 * properties exceed 32767 bytes (text in rj_last_error()).
 */
int rj_message_encode_properties(const rj_message_t *msg, const rj_encode_opts_t *opts,
                                 rj_prop_buf_t *out, rj_encode_info_t *info);

/*
 * zlib-compresses `len` bytes at `level` into a new rj_malloc block. Returns
 * RJ_OK, RJ_ENOMEM, or RJ_EIO when zlib fails (then send uncompressed).
 */
int rj_message_compress(const void *body, size_t len, int level, uint8_t **out, size_t *out_len);

/* sysFlag bits of a compressed body as Java 4.9.8 sets them (0x301). */
#define RJ_SYSFLAG_JAVA_ZLIB (RJ_SYSFLAG_COMPRESSED | RJ_SYSFLAG_COMPRESSION_ZLIB)

/*
 * Encodes a batch body (every message gets its own UNIQ_KEY unless it has
 * one) into `body`, and the comma-joined UNIQ_KEYs into `ids`. Checks Java's
 * batch rules: same topic, no delay, no retry topic, same WAIT flag. Returns
 * RJ_OK, RJ_EINVAL (rule broken, text in rj_last_error()) or RJ_ENOMEM.
 */
int rj_message_encode_batch(const rj_message_t *const *msgs, size_t count, rj_buf_t *body,
                            rj_buf_t *ids);

#endif
