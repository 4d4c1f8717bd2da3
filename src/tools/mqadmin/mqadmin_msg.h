/*
 * Messages as mqadmin sees them: stored records decoded from pull, query and
 * view answers (common/message_record.h), their ids, and RocketMQ's two
 * printed forms (queryMsgById's field list, printMsg's one-line
 * "MSGID: .. MessageExt [..] BODY: .."). Also the one-shot pull the
 * message commands use.
 */
#ifndef RJ_TOOLS_MQADMIN_MQADMIN_MSG_H
#define RJ_TOOLS_MQADMIN_MQADMIN_MSG_H

#include "common/message_id.h"
#include "common/message_record.h"
#include "tools/mqadmin/mqadmin_ctx.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* MixAll.TOOLS_CONSUMER_GROUP: the group tools pull with. */
#define RJ_MQADMIN_TOOLS_GROUP "TOOLS_CONSUMER"

typedef struct {
    rj_message_record_t rec; /* views into the owning list's copy of the answer */
    char offset_msg_id[RJ_MSG_ID_MAX_HEX_SIZE];
    char msg_id[128]; /* UNIQ_KEY when set, else the offset id (MessageClientExt.getMsgId) */
    char born_host[64];
    char store_host[64];
    uint8_t *inflated; /* body inflated when the record is COMPRESSED, else NULL */
    size_t inflated_len;
} rj_mqadmin_msg_t;

typedef struct {
    rj_mqadmin_msg_t *items;
    size_t count;
    size_t cap;
    uint8_t **blocks; /* copies of the answers the records point into */
    size_t nblocks;
} rj_mqadmin_msg_list_t;

/*
 * Copies `body` and appends every record in it. Returns 0, RJ_ENOMEM, or
 * RJ_EMALFORMED when a record does not decode (the ones before it are kept).
 */
int rj_mqadmin_msg_list_decode(rj_mqadmin_msg_list_t *list, const uint8_t *body, size_t len);
void rj_mqadmin_msg_list_cleanup(rj_mqadmin_msg_list_t *list);

/* The body as sent (inflated when it was compressed). */
const uint8_t *rj_mqadmin_msg_body(const rj_mqadmin_msg_t *m, size_t *len);

/* A property as a C string in buf; false when absent. */
bool rj_mqadmin_msg_property(const rj_mqadmin_msg_t *m, const char *key, char *buf, size_t size);

/*
 * Writes the body to $TMPDIR/rocketmq/msgbodys/<msgId>[_<index>] (/tmp when
 * TMPDIR is unset), as RocketMQ's "Message Body Path". Returns 0 or -errno.
 */
int rj_mqadmin_msg_write_body_file(const rj_mqadmin_msg_t *m, int index, char *path, size_t size);

/* queryMsgById's field list ("OffsetID:" first when `with_offset_id`). */
void rj_mqadmin_msg_print_fields(FILE *out, const rj_mqadmin_msg_t *m, bool with_offset_id,
                                 const char *body_path);

/*
 * PrintMessageByQueueCommand.printMessage: "MSGID: <id> MessageExt [...] BODY: <text>"
 * ("BODY: NOT PRINT BODY" when !print_body).
 */
void rj_mqadmin_msg_print_line(FILE *out, const rj_mqadmin_msg_t *m, const char *broker_name,
                               bool print_body);

/*
 * Whether a message passes a TAG subscription expression ("*", "" or
 * "TagA || TagB"), compared on the exact tag as clients do after the
 * broker's hash filter.
 */
bool rj_mqadmin_msg_matches(const rj_mqadmin_msg_t *m, const char *expression);

typedef struct {
    int32_t code; /* SUCCESS (found), PULL_NOT_FOUND, PULL_RETRY_IMMEDIATELY, PULL_OFFSET_MOVED */
    int64_t next_begin_offset;
    int64_t min_offset;
    int64_t max_offset;
    rj_mqadmin_msg_list_t msgs;
} rj_mqadmin_msg_pull_result_t;

/*
 * One non-blocking PULL_MESSAGE of up to `max_nums` messages from `offset`
 * with a TAG `subscription` (NULL: "*"), what DefaultMQPullConsumer.pull
 * sends. Any of the four pull codes is a result; other codes fail. Clean up
 * with rj_mqadmin_msg_list_cleanup(&out->msgs).
 */
int rj_mqadmin_msg_pull(rj_mqadmin_ctx_t *ctx, const char *addr, const char *group,
                        const char *topic, const char *broker_name, int32_t queue_id,
                        int64_t offset, int32_t max_nums, const char *subscription,
                        rj_mqadmin_msg_pull_result_t *out);

#endif
