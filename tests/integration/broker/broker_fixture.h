/*
 * Shared helpers of the broker integration tests: a name server and a broker
 * started on 127.0.0.1 port 0 in temp dirs (small commit-log segments so tests
 * stay light), raw remoting calls, and replay of the golden RocketMQ 4.9.8
 * frames with comparison of the broker's answer against the captured one.
 */
#ifndef RJ_IT_BROKER_FIXTURE_H
#define RJ_IT_BROKER_FIXTURE_H

#include "support/daemon.h"
#include "support/golden.h"
#include "support/raw_client.h"

#include "common/message_record.h"

#include <stdbool.h>
#include <stdint.h>

#define IT_VERSION_JAVA 409
#define IT_VERSION_ALIONS 121
#define IT_TIMEOUT_MS 10000

typedef struct {
    rj_daemon_t *ns;
    rj_daemon_t *broker;
    char broker_addr[64]; /* "127.0.0.1:<port>" */
} it_cluster_t;

/* Starts mqnamesrv. */
int it_namesrv_start(rj_daemon_t **out);

/*
 * Starts mqbroker registered with `ns` (may be NULL: no name server).
 * `extra_conf` is appended to broker.conf (may be NULL).
 */
int it_broker_start(const rj_daemon_t *ns, const char *extra_conf, rj_daemon_t **out);

/* Both, in `c`. Asserts on failure. */
void it_cluster_start(it_cluster_t *c, const char *extra_conf);

/* SIGTERM both, asserting a clean exit (status 0), and free. */
void it_cluster_stop(it_cluster_t *c);

rj_raw_client_t *it_connect(const rj_daemon_t *d);

/*
 * JSON request with a fresh opaque; reads the reply (asserts on transport errors).
 * Requests the broker sends meanwhile (NOTIFY_CONSUMER_IDS_CHANGED, checks) are
 * kept for it_wait_request (the last few; all dropped by it_cluster_stop).
 */
void it_call(rj_raw_client_t *c, int32_t code, int32_t version, const char *ext_json,
             const void *body, size_t body_len, rj_raw_reply_t *reply);

/* Same without reading a reply (one-way, or the caller reads it). Returns the opaque. */
int32_t it_send(rj_raw_client_t *c, int32_t code, int32_t version, int32_t flag,
                const char *ext_json, const void *body, size_t body_len);

/*
 * Sends golden frame `id` (a request) byte for byte and reads the next frame
 * into `reply`. Returns the loaded request frame (cleanup by the caller).
 */
void it_golden_send(rj_raw_client_t *c, int id, rj_raw_reply_t *reply);

/*
 * Compares `reply` with golden response `id`: same code, flag, serialize type,
 * remark presence, the same extFields keys (and presence of the object).
 * Values listed in `same_values` (NULL-terminated, may be NULL) must be equal too.
 */
void it_golden_expect(const rj_raw_reply_t *reply, int id, const char *const *same_values);

/* A SEND_MESSAGE_V2 from `group` to `topic`/`queue_id` with `props` (text). Returns the reply. */
void it_send_message(rj_raw_client_t *c, const char *topic, int32_t queue_id, const char *props,
                     const void *body, size_t body_len, rj_raw_reply_t *reply);

/* Same with the producer group and the header's sysFlag given. */
void it_send_message_ex(rj_raw_client_t *c, const char *group, const char *topic, int32_t queue_id,
                        int32_t sys_flag, const char *props, const void *body, size_t body_len,
                        rj_raw_reply_t *reply);

/* Number of records in a pull body (decoded with the record codec); -1 if malformed. */
int it_count_records(const rj_raw_reply_t *reply);

/* Decodes up to `cap` records of a pull/query/view body (views into it). Count, or -1. */
int it_records(const rj_raw_reply_t *reply, rj_message_record_t *out, int cap);

/* GET_MAX_OFFSET of a queue. */
int64_t it_max_offset(rj_raw_client_t *c, const char *topic, int qid);

/* Waits until the queue's max offset reaches `want` (dispatch is asynchronous); asserts. */
void it_wait_max_offset(rj_raw_client_t *c, const char *topic, int qid, int64_t want);

/*
 * PULL_MESSAGE from `group` with the SUBSCRIPTION flag and no suspension;
 * `expr_type` NULL sends no expressionType.
 */
void it_pull(rj_raw_client_t *c, const char *group, const char *topic, int qid, int64_t offset,
             int max_msgs, const char *sub, const char *expr_type, rj_raw_reply_t *reply);

/* HEART_BEAT registering `client_id` as a producer of `group`. Asserts SUCCESS. */
void it_heartbeat_producer(rj_raw_client_t *c, const char *client_id, const char *group);

/*
 * The next request with `code` the broker sent on `c`: one kept while a
 * response was awaited, else read from the socket (responses and other
 * requests are skipped). Returns 0 or the read error (RJ_ETIMEDOUT).
 */
int it_wait_request(rj_raw_client_t *c, int32_t code, int timeout_ms, rj_raw_reply_t *reply);

/* Value of `key` in a record's properties as a C string in `out` ("" if absent). */
const char *it_record_prop(const rj_message_record_t *rec, const char *key, char *out, size_t size);

#endif
