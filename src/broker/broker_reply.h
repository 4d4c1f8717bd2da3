/*
 * Small helpers every processor uses: reading request header fields the way
 * Java's decodeCommandCustomHeader does (a missing required field fails the
 * request with SYSTEM_ERROR) and sending the usual kinds of responses.
 */
#ifndef RJ_BROKER_BROKER_REPLY_H
#define RJ_BROKER_BROKER_REPLY_H

#include "common/buf.h"
#include "common/json_writer.h"
#include "remoting/connection.h"

#include <stdbool.h>
#include <stdint.h>

/* Reads header fields; the first missing or malformed required field is remembered. */
typedef struct {
    const rj_command_t *cmd;
    const char *missing; /* name of the first missing required field, or NULL */
    const char *invalid; /* name of the first unparsable required field, or NULL */
} rj_header_reader_t;

void rj_header_reader_init(rj_header_reader_t *h, const rj_command_t *cmd);

/* The text of `key` (views into the request); RJ_BYTES_NULL when absent. */
rj_bytes_t rj_header_str(rj_header_reader_t *h, const char *key, bool required);

/* Numbers as Java parses them; absent or unparsable gives `def` (and marks required ones). */
int64_t rj_header_i64(rj_header_reader_t *h, const char *key, bool required, int64_t def);
int32_t rj_header_i32(rj_header_reader_t *h, const char *key, bool required, int32_t def);

/* Boolean.parseBoolean; absent gives `def`. */
bool rj_header_bool(rj_header_reader_t *h, const char *key, bool def);

/* True if a required field was missing or malformed. */
bool rj_header_failed(const rj_header_reader_t *h);

/*
 * Answers SYSTEM_ERROR naming the failed field ("the custom field <x> is null"
 * or "... is not a number"). Returns the reply's status.
 */
int rj_header_reply_error(rj_header_reader_t *h, rj_request_t *req);

/*
 * Replies `code` with `remark` (NULL: none); `with_header` writes
 * `"extFields":{}` as Java does for commands created with a header object.
 */
int rj_broker_reply(rj_request_t *req, const rj_command_t *cmd, int32_t code, const char *remark,
                    bool with_header);

/* Replies SYSTEM_ERROR "Can't modify topic or subscription group from slave broker, ..." */
int rj_broker_reply_slave_refusal(rj_request_t *req, const rj_command_t *cmd);

/* Replies TOPIC_NOT_EXIST with RocketMQ's remark "topic[<topic>] not exist". */
int rj_broker_reply_topic_not_exist(rj_request_t *req, const rj_command_t *cmd, rj_bytes_t topic);

/* Replies SUCCESS (no header object) with `body` as the body (copied at encode). */
int rj_broker_reply_body(rj_request_t *req, const rj_command_t *cmd, rj_buf_t *body);

/* Writes a MessageQueue object `{"brokerName":…,"queueId":…,"topic":…}` as a value. */
void rj_broker_write_mq(rj_json_writer_t *w, const char *broker_name, rj_bytes_t topic,
                        int32_t queue_id);

/* Writes a MessageQueue object as a fastjson object key (`{…}:`), as Java admin tools expect. */
void rj_broker_write_mq_key(rj_json_writer_t *w, const char *broker_name, rj_bytes_t topic,
                            int32_t queue_id);

/* Replies SUCCESS with the JSON a writer produced, or the writer's error. */
int rj_broker_reply_json(rj_request_t *req, const rj_command_t *cmd, rj_json_writer_t *w);

/*
 * A JSON response body under construction, the usual shape of an admin
 * answer: begin, write through the returned writer, then reply (or discard).
 * The object must stay where it is between begin and reply/discard.
 */
typedef struct {
    rj_buf_t body;
    rj_json_writer_t w;
} rj_broker_json_t;

rj_json_writer_t *rj_broker_json_begin(rj_broker_json_t *j);

/* Replies SUCCESS with the body (or returns the writer's error) and frees it. */
int rj_broker_json_reply(rj_broker_json_t *j, rj_request_t *req, const rj_command_t *cmd);

/* Frees the body without replying; also harmless after rj_broker_json_reply. */
void rj_broker_json_discard(rj_broker_json_t *j);

#endif
