/*
 * Remoting command: the model of one RocketMQ frame, its decoder and encoder
 * (wire.md §1–§4).
 *
 * Frame: int32 length | int32 headerWord (serialize type << 24 | headerLen) |
 * header (JSON text or ROCKETMQ binary) | body. All big-endian.
 *
 * DECODING works in place: rj_command_decode() takes a mutable frame, unescapes
 * JSON strings inside the frame buffer itself, and fills an rj_command_t whose
 * remark, ext fields and body are views (rj_bytes_t) into that buffer. No
 * allocation. The command is valid as long as the frame bytes are; whoever keeps
 * anything longer copies it (rj_command_dup() copies a whole command into one
 * block).
 *
 * ENCODING: build a command on the stack (rj_command_init*), add ext fields as
 * views or integers (integers are formatted at encode time, so handlers need no
 * scratch buffers), then rj_command_encode() appends the whole frame to an
 * rj_buf_t, or rj_command_encode_header() appends length + header word + header
 * for a body the caller sends from elsewhere (zero-copy). JSON headers come out
 * exactly as Java writes them: keys code, extFields, flag, language, opaque,
 * remark, serializeTypeCurrentRPC, version; extFields values always strings.
 *
 * Threads: all functions are pure and may be called on any thread; a command is
 * not shared between threads while being modified.
 */
#ifndef RJ_REMOTING_COMMAND_H
#define RJ_REMOTING_COMMAND_H

#include "common/buf.h"
#include "common/bytes.h"
#include "remoting/language_code.h"
#include "remoting/mq_version.h"
#include "remoting/request_code.h"
#include "remoting/response_code.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Serialize type: high byte of the frame's header word. */
typedef enum {
    RJ_SERIALIZE_JSON = 0,     /* JSON text header (Java's default) */
    RJ_SERIALIZE_ROCKETMQ = 1, /* ROCKETMQ binary header (wire.md §3) */
} rj_serialize_type_t;

/* flag bits (wire.md §4). */
#define RJ_CMD_FLAG_RESPONSE 0x1 /* set: response; clear: request */
#define RJ_CMD_FLAG_ONEWAY 0x2   /* request that must never be answered */

/* Ext fields a command holds; a decoded header with more is RJ_EMALFORMED. */
#define RJ_CMD_MAX_EXT_FIELDS 64

/* Java's default com.rocketmq.remoting.frameMaxLength: largest `length` field accepted. */
#define RJ_FRAME_MAX_DEFAULT (16u * 1024u * 1024u)

/* Bytes before the header: the length field and the header word. */
#define RJ_FRAME_PREFIX_LEN 8

/* Largest header length the 24-bit field of the header word can carry. */
#define RJ_FRAME_MAX_HEADER_LEN 0xFFFFFFu

/*
 * One ext field ("custom header" entry). Decoded commands always hold text
 * values (is_int false) that are views into the frame. Commands being built may
 * hold an integer instead (is_int true, `num`), written as decimal text.
 */
typedef struct {
    rj_bytes_t key;
    rj_bytes_t value; /* the text, when !is_int */
    int64_t num;      /* the value, when is_int */
    bool is_int;
} rj_ext_field_t;

typedef struct rj_command {
    int32_t code;           /* request code, or response code in responses */
    int32_t language;       /* rj_language_code_t value (any int: unknown values are kept) */
    int32_t version;        /* sender's MQVersion ordinal */
    int32_t opaque;         /* request id, echoed by the response */
    int32_t flag;           /* RJ_CMD_FLAG_* bits */
    uint8_t serialize_type; /* rj_serialize_type_t the header came in / goes out in */
    bool has_remark;        /* false: remark is null (omitted on encode) */
    bool has_ext_fields;    /* false: extFields absent; true with ext_count 0: `{}` */
    rj_bytes_t remark;      /* valid iff has_remark; may be empty */
    rj_bytes_t body;        /* len 0: no body */
    uint32_t ext_count;
    rj_ext_field_t ext[RJ_CMD_MAX_EXT_FIELDS];
} rj_command_t;

static inline bool
rj_command_is_response(const rj_command_t *cmd)
{
    return (cmd->flag & RJ_CMD_FLAG_RESPONSE) != 0;
}

static inline bool
rj_command_is_oneway(const rj_command_t *cmd)
{
    return (cmd->flag & RJ_CMD_FLAG_ONEWAY) != 0;
}

/* ------------------------------------------------------------------ frames */

/*
 * Checks the frame at the start of `data` (`len` bytes available) without
 * decoding its header. `max_frame_bytes` bounds the length field (0 means
 * RJ_FRAME_MAX_DEFAULT).
 * Returns the whole frame's size (4 + length) when all of it is present; 0 when
 * more bytes are needed; RJ_ETOOLARGE when the length field exceeds the limit;
 * RJ_EMALFORMED for a length below 4, an unknown serialize type or a header
 * length beyond the frame. Errors are reported as soon as the first 4 (length)
 * or 8 (header word) bytes show them, before the rest has arrived.
 */
int64_t rj_frame_check(const uint8_t *data, size_t len, uint32_t max_frame_bytes);

/* ---------------------------------------------------------------- decoding */

/*
 * Decodes the frame at the start of `data` in place (JSON escapes are rewritten
 * inside the buffer, so `data` is modified). On success fills `cmd` with views
 * into `data` and returns the frame's size; returns 0 when the frame is not
 * complete yet (data untouched); RJ_ETOOLARGE or RJ_EMALFORMED as
 * rj_frame_check(), or RJ_EMALFORMED for a header that does not decode (the
 * reason is logged at DEBUG). `cmd` is undefined after an error.
 */
int64_t rj_command_decode(uint8_t *data, size_t len, uint32_t max_frame_bytes, rj_command_t *cmd);

/*
 * Decodes just a header of `serialize_type` (`header` is modified in place for
 * JSON). Fills every field of `cmd` except body (set to empty). Returns 0 or
 * RJ_EMALFORMED.
 */
int rj_command_decode_header(uint8_t serialize_type, uint8_t *header, size_t len,
                             rj_command_t *cmd);

/* ---------------------------------------------------------------- building */

/*
 * A request as Ramjet sends it: `code`, language JAVA, version
 * RJ_REMOTING_VERSION, serialize type JSON, flag 0, opaque 0, no remark, no ext
 * fields, no body. Only the scalar fields are written (cheap on the stack).
 */
void rj_command_init_request(rj_command_t *cmd, int32_t code);

/*
 * A response to `req`: `code`, the request's opaque and serialize type, flag
 * RESPONSE, language JAVA, version RJ_REMOTING_VERSION, no remark/ext/body.
 * The reply functions of connection.h stamp opaque, flag and serialize type
 * themselves, so handlers may also start from rj_command_init_request().
 */
void rj_command_init_response(rj_command_t *resp, const rj_command_t *req, int32_t code);

/* Sets the remark to a view (copied at encode time, must stay valid until then). */
void rj_command_set_remark(rj_command_t *cmd, rj_bytes_t remark);
/* NULL clears the remark (omitted on the wire). */
void rj_command_set_remark_cstr(rj_command_t *cmd, const char *remark);

/* Marks the command as carrying a header object, so `"extFields":{}` is written even if empty. */
void rj_command_mark_ext_fields(rj_command_t *cmd);

/*
 * Appends an ext field (views must stay valid until encoded); sets
 * has_ext_fields. Keys are not checked for duplicates. Return 0 or RJ_ETOOLARGE
 * when RJ_CMD_MAX_EXT_FIELDS are already present.
 */
int rj_command_add_ext(rj_command_t *cmd, rj_bytes_t key, rj_bytes_t value);
/* Same with C strings; a NULL value adds nothing and returns 0 (Java skips null fields). */
int rj_command_add_ext_cstr(rj_command_t *cmd, const char *key, const char *value);
/* An integer value, written as decimal text at encode time. */
int rj_command_add_ext_i64(rj_command_t *cmd, const char *key, int64_t value);
/* A boolean value, written "true"/"false". */
int rj_command_add_ext_bool(rj_command_t *cmd, const char *key, bool value);

/* ---------------------------------------------------------------- lookups */

/*
 * The ext field named `key`, or NULL. With duplicate keys the last one wins (as
 * Java's HashMap). Linear scan: headers have a few dozen fields at most.
 */
const rj_ext_field_t *rj_command_ext_find(const rj_command_t *cmd, const char *key);

/*
 * The text value of `key` in *out. Returns true if present. Integer fields of a
 * command being built have no text: false.
 */
bool rj_command_ext_get(const rj_command_t *cmd, const char *key, rj_bytes_t *out);

/*
 * Parses `key` like Java's Long.parseLong / Integer.parseInt (decimal, optional
 * sign, no spaces, range-checked). Returns 0, RJ_ENOTFOUND when absent, RJ_EINVAL
 * when not a number, RJ_ETOOLARGE when out of range. *out is untouched on error.
 */
int rj_command_ext_i64(const rj_command_t *cmd, const char *key, int64_t *out);
int rj_command_ext_i32(const rj_command_t *cmd, const char *key, int32_t *out);

/*
 * Java Boolean.parseBoolean of `key`: true iff present and "true" in any case.
 * Returns RJ_ENOTFOUND when absent (*out untouched), else 0.
 */
int rj_command_ext_bool(const rj_command_t *cmd, const char *key, bool *out);

/* ---------------------------------------------------------------- encoding */

/*
 * Appends the whole frame of `cmd` (in cmd->serialize_type) to `out`.
 * Returns 0; RJ_ENOMEM (out keeps its previous length); RJ_EINVAL for what the
 * header type cannot carry (ROCKETMQ: a code or version outside int16, a
 * language outside a byte, a key longer than 32767 bytes; unknown serialize
 * type); RJ_ETOOLARGE when the header exceeds 16 MiB - 1 or the frame 2 GiB.
 */
int rj_command_encode(const rj_command_t *cmd, rj_buf_t *out);

/*
 * Appends the length field, header word and header for a frame whose body of
 * `body_len` bytes the caller sends itself right after (cmd->body is ignored).
 * Same returns as rj_command_encode().
 */
int rj_command_encode_header(const rj_command_t *cmd, size_t body_len, rj_buf_t *out);

/* ---------------------------------------------------------------- copies */

/*
 * Copies `cmd` and every byte its views point to into one heap block (one
 * allocation); integer ext fields stay integers. The copy is independent of the
 * original frame. Returns NULL when out of memory. Free with rj_command_destroy().
 */
rj_command_t *rj_command_dup(const rj_command_t *cmd);

/* Frees a command from rj_command_dup() (or from rj_rpc_client_invoke_sync()). NULL is a no-op. */
void rj_command_destroy(rj_command_t *cmd);

#endif
