/*
 * A tiny synchronous remoting client for tests: a blocking TCP socket with
 * poll() timeouts that sends any bytes (well-formed frames or garbage) and
 * reads whole frames back. Independent of the remoting module's code on
 * purpose: JSON response headers are parsed strictly with jansson, which also
 * checks that what a server sends is standard JSON (ali-ons parses response
 * headers with JSON.parse). raw_command.h decodes replies with the remoting
 * codec when a test needs binary (ROCKETMQ) headers.
 */
#ifndef RJ_TEST_RAW_CLIENT_H
#define RJ_TEST_RAW_CLIENT_H

#include "common/buf.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rj_raw_client rj_raw_client_t;

/* A received frame, split. */
typedef struct {
    rj_buf_t frame;         /* the whole frame as received (length field included) */
    uint8_t serialize_type; /* high byte of the header word */
    rj_bytes_t header;      /* header bytes (view into frame) */
    rj_bytes_t body;        /* body bytes (view into frame; len 0 = none) */
    json_t *json;           /* JSON header parsed strictly; NULL for binary or invalid JSON */
    /* From the JSON header (0 / NULL when absent or binary): */
    int32_t code, flag, opaque, version;
    const char *remark; /* NULL when absent */
    const json_t *ext;  /* extFields object, NULL when absent */
} rj_raw_reply_t;

void rj_raw_reply_cleanup(rj_raw_reply_t *reply);

/* extFields[key] when it is a JSON string, else NULL. */
const char *rj_raw_reply_ext(const rj_raw_reply_t *reply, const char *key);

/* The body as a NUL-terminated string ("" when none). Valid until cleanup. */
const char *rj_raw_reply_body_text(rj_raw_reply_t *reply);

/*
 * Connects to "host:port" (IPv4 literal or "localhost"). Returns 0, -errno
 * (-ECONNREFUSED ...) or RJ_ETIMEDOUT.
 */
int rj_raw_client_connect(const char *addr, int timeout_ms, rj_raw_client_t **out);
void rj_raw_client_close(rj_raw_client_t *c);
int rj_raw_client_fd(const rj_raw_client_t *c);

/* Sends all bytes. Returns 0, RJ_ECLOSED (peer gone) or -errno. */
int rj_raw_client_send(rj_raw_client_t *c, const void *data, size_t len);

/*
 * Reads one whole frame (4-byte length + that many bytes) into `frame`
 * (replacing its content). Returns 0, RJ_ETIMEDOUT, RJ_ECLOSED (EOF or reset
 * before a whole frame), or RJ_ETOOLARGE (length field above 64 MiB).
 */
int rj_raw_client_read_frame(rj_raw_client_t *c, int timeout_ms, rj_buf_t *frame);

/* Reads a frame and splits it into `reply` (initialised here). Same returns; RJ_EMALFORMED. */
int rj_raw_client_read_reply(rj_raw_client_t *c, int timeout_ms, rj_raw_reply_t *reply);

/* Sends `request` and reads the next frame as its reply. */
int rj_raw_client_call(rj_raw_client_t *c, const rj_buf_t *request, int timeout_ms,
                       rj_raw_reply_t *reply);

/*
 * True when the peer closes the connection within `timeout_ms` (EOF or reset;
 * bytes received meanwhile are discarded).
 */
bool rj_raw_client_wait_closed(rj_raw_client_t *c, int timeout_ms);

/* ------------------------------------------------------------ building frames */

/* Appends a frame: length, header word (type << 24 | header length), header, body. */
int rj_raw_frame(rj_buf_t *out, uint8_t serialize_type, const void *header, size_t header_len,
                 const void *body, size_t body_len);

/*
 * Appends a JSON-header request frame as a Java client writes it:
 * {"code":C,"extFields":EXT,"flag":F,"language":"JAVA","opaque":O,
 *  "serializeTypeCurrentRPC":"JSON","version":V}. `ext_json` is the extFields
 * object text ("{\"topic\":\"t\"}") or NULL to omit it.
 */
int rj_raw_request_json(rj_buf_t *out, int32_t code, int32_t version, int32_t opaque, int32_t flag,
                        const char *ext_json, const void *body, size_t body_len);

#endif
