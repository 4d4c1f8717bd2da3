/*
 * The golden frames captured from Apache RocketMQ 4.9.8 and its clients
 * (tests/data/frames.jsonl, described in shared protocol/vectors/README.md),
 * loaded by id with their wire bytes rebuilt, for codec and handler tests.
 */
#ifndef RJ_TEST_GOLDEN_H
#define RJ_TEST_GOLDEN_H

#include "common/buf.h"

#include <jansson.h>
#include <stdint.h>

typedef struct {
    int id;
    json_t *record;        /* the whole line (owned): any other field, e.g. "why", "t_ms" */
    const char *peer;      /* "namesrv", "broker", "client" */
    const char *direction; /* "request" or "response" */
    const char *client;    /* "java-4.9.8", "ali-ons-3.12.0", ... */
    int32_t code;          /* request code, or response code */
    int32_t request_code;  /* responses: the code answered; requests: -1 */
    int32_t flag;
    int32_t opaque;
    uint8_t serialize_type; /* 0 JSON, 1 ROCKETMQ */
    const json_t *header;   /* decoded header object (also for binary headers) */
    rj_buf_t header_bytes;  /* the header exactly as on the wire */
    rj_buf_t body;          /* body bytes (may be empty) */
    rj_buf_t wire;          /* the whole frame: length, header word, header, body */
} rj_golden_frame_t;

/*
 * Loads frame `id` from $RJ_SOURCE_DIR/tests/data/frames.jsonl (or the file
 * named by RJ_GOLDEN_FRAMES). Returns 0, RJ_ENOTFOUND, or -errno.
 */
int rj_golden_frame_load(int id, rj_golden_frame_t *out);
void rj_golden_frame_cleanup(rj_golden_frame_t *frame);

/* Body text as a NUL-terminated string (points into frame->body; "" when empty). */
const char *rj_golden_frame_body_text(rj_golden_frame_t *frame);

#endif
