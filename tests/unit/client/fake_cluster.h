/*
 * Fake name server and brokers for the client's unit tests: real remoting
 * servers on 127.0.0.1 port 0 that answer the requests a client sends with
 * protocol-correct responses (routes, sends, pulls with long polling,
 * offsets, heartbeats and consumer lists, send-back, queue locks), keeping
 * messages in memory as commit-log records. Faults can be injected: error
 * codes or silence for the next sends, a broker stopped.
 *
 * Brokers are named "broker-0", "broker-1", ...; every topic gets
 * `queue_nums` queues on every live broker.
 */
#ifndef RJ_TEST_FAKE_CLUSTER_H
#define RJ_TEST_FAKE_CLUSTER_H

#include "common/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fake_cluster fake_cluster_t;

/* A stored message as the fake broker saw it. */
typedef struct {
    int broker;
    char topic[128];
    int32_t queue_id;
    int64_t queue_offset;
    int32_t sys_flag;
    int32_t flag;
    int32_t reconsume_times;
    char props[1024];
    rj_buf_t body;
} fake_msg_t;

int fake_cluster_start(int brokers, fake_cluster_t **out);
void fake_cluster_destroy(fake_cluster_t *fc);

/* Name server address "127.0.0.1:port". */
const char *fake_cluster_namesrv(const fake_cluster_t *fc);
const char *fake_cluster_broker_addr(const fake_cluster_t *fc, int broker);

/* Declares a topic (routes answer TOPIC_NOT_EXIST for unknown ones unless auto-create). */
void fake_cluster_add_topic(fake_cluster_t *fc, const char *topic, int queue_nums);

/* Serve TBW102 (perm 7, 8 queues) and create topics on first send, as a default broker. */
void fake_cluster_set_auto_create(fake_cluster_t *fc, bool enable);

/*
 * QUERY_CONSUMER_OFFSET for a group without offset: false (default) answers
 * SUCCESS 0 as a young 4.9.8 broker does; true answers QUERY_NOT_FOUND.
 */
void fake_cluster_set_offset_not_found(fake_cluster_t *fc, bool not_found);

/* Next `count` sends to `broker` (-1: any) answer `code` (with remark), or nothing if code < 0. */
void fake_cluster_fail_sends(fake_cluster_t *fc, int broker, int count, int32_t code);

/* Stops a broker's server (connections drop); it stays in routes until removed. */
void fake_cluster_stop_broker(fake_cluster_t *fc, int broker);

/* Removes a stopped broker from routes. */
void fake_cluster_unroute_broker(fake_cluster_t *fc, int broker);

/* Stops the name server (routes cannot be fetched). */
void fake_cluster_stop_namesrv(fake_cluster_t *fc);

/* Messages stored for `topic` (all brokers and queues). */
size_t fake_cluster_count(fake_cluster_t *fc, const char *topic);

/* Copy of the i-th stored message of `topic` in arrival order; false if none. */
bool fake_cluster_get(fake_cluster_t *fc, const char *topic, size_t i, fake_msg_t *out);
void fake_msg_cleanup(fake_msg_t *m);

/* Requests of a code received so far (all servers). */
int fake_cluster_requests(fake_cluster_t *fc, int32_t code);

/* Copy of the last body of a request code ("" if none). rj_free it. */
char *fake_cluster_last_body(fake_cluster_t *fc, int32_t code);

/* Copy of the last request's ext field `key` for request code (NULL if none). rj_free it. */
char *fake_cluster_last_ext(fake_cluster_t *fc, int32_t code, const char *key);

/* Stored consumer offset of group/topic/broker/qid, -1 if none. */
int64_t fake_cluster_consumer_offset(fake_cluster_t *fc, const char *group, const char *topic,
                                     int broker, int32_t queue_id);

/* Client ids that sent a heartbeat for consumer `group` and did not unregister. */
size_t fake_cluster_consumer_count(fake_cluster_t *fc, const char *group);

/*
 * Broker-initiated request: sends `code` (one-way when oneway) with ext
 * fields k1=v1 (NULL-terminated pairs) and `body` to the connection of
 * `client_id` (or any client of `group` when client_id is NULL). With a
 * response, its code and a body copy (rj_free) come back. Returns 0, -1.
 */
int fake_cluster_call_client(fake_cluster_t *fc, int broker, const char *group,
                             const char *client_id, int32_t code, bool oneway,
                             const char *const *kv, const void *body, size_t body_len,
                             int32_t *resp_code, char **resp_body);

#endif
