/*
 * The send path shared by the send processor and the send throttle (which
 * retries held sends): the decoded SEND_MESSAGE header and the response
 * builders.
 */
#ifndef RJ_BROKER_PROCESSOR_SEND_H
#define RJ_BROKER_PROCESSOR_SEND_H

#include "broker/broker.h"

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
