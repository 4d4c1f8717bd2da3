/*
 * The send path shared by the send processor, the send throttle (which
 * retries held sends) and the reply processor (SEND_REPLY_MESSAGE takes the
 * same header and checks): the decoded SEND_MESSAGE header, its checks and
 * the response builders.
 */
#ifndef RJ_BROKER_PROCESSOR_SEND_H
#define RJ_BROKER_PROCESSOR_SEND_H

#include "broker/broker.h"
#include "broker/broker_reply.h"

#include <stdbool.h>
#include <stdint.h>

/* SendMessageRequestHeader (V1 names or V2 one-letter keys), views into the request. */
typedef struct {
    rj_bytes_t producer_group;
    rj_bytes_t topic;
    rj_bytes_t default_topic;
    int32_t default_topic_queue_nums;
    int32_t queue_id;
    int32_t sys_flag;
    int64_t born_timestamp;
    int32_t flag;
    rj_bytes_t properties;
    int32_t reconsume_times;
    bool unit_mode;
    bool has_max_reconsume_times;
    int32_t max_reconsume_times;
    bool batch;
} rj_send_header_t;

/*
 * Decodes SendMessageRequestHeader: the long names for SEND_MESSAGE and
 * SEND_REPLY_MESSAGE, the one-letter V2 keys for the other codes. Returns 0,
 * or RJ_EINVAL with the failed field in *rd (answer with rj_header_reply_error).
 */
int rj_send_header_parse(const rj_command_t *cmd, rj_send_header_t *h, rj_header_reader_t *rd);

/*
 * The checks before a put: startAcceptSendRequestTimeStamp, then msgCheck
 * (topic name, reserved topics, permissions, auto-creation from the default
 * topic, queue id). Returns 0 with the topic's config in *tc (*topic_created
 * when this call created it), or 1 once the request has been answered with
 * the error. Thread: the handler's.
 */
int rj_send_check(rj_broker_t *b, rj_request_t *req, const rj_command_t *cmd,
                  const rj_send_header_t *h, rj_topic_config_t *tc, bool *topic_created);

/* A random queue below `write_queue_nums`, as Java picks one for queueId < 0. */
int32_t rj_send_random_queue(int32_t write_queue_nums);

/*
 * Answers `d` with `resp` once topics.json holds an auto-created topic and
 * the name servers have it (or at once when that cannot be arranged).
 * `resp` is copied. Any thread.
 */
void rj_send_reply_after_persist(rj_broker_t *b, rj_deferred_t *d, rj_command_t *resp);

/* A send response with MSG_REGION and TRACE_ON, as every send response carries them. */
void rj_send_response_init(rj_broker_t *b, const rj_command_t *cmd, rj_command_t *resp,
                           int32_t code);

/*
 * handlePutMessageResult: code, remark and (for stored outcomes) msgId,
 * queueId, queueOffset. `remark` is caller storage for the remark text.
 */
void rj_send_response_fill(rj_broker_t *b, rj_command_t *resp, rj_put_status_t status,
                           const char *msg_id, int32_t queue_id, int64_t queue_offset, char *remark,
                           size_t remark_size);

#endif
