/*
 * The client's remote calls (Java MQClientAPIImpl): each function builds the
 * request header of one RocketMQ request code, invokes it through the
 * remoting RPC client and interprets the answer. Sync functions block the
 * calling thread (never an I/O thread); builders fill a command for the
 * async and one-way paths.
 *
 * Errors: RJ_OK; transport errors from the RPC client (RJ_ETIMEDOUT,
 * RJ_ECLOSED, -ECONNREFUSED ...); RJ_EREMOTE when the peer answered with an
 * unexpected response code (code in *resp_code when the caller asks, text in
 * rj_last_error()); RJ_EMALFORMED for an answer that does not decode.
 */
#ifndef RJ_CLIENT_MQ_CLIENT_API_H
#define RJ_CLIENT_MQ_CLIENT_API_H

#include "client/topic_route.h"
#include "ramjet/message.h"
#include "remoting/command.h"
#include "remoting/rpc_client.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Default timeout of client RPCs (Java mqClientApiTimeout). */
#define RJ_CLIENT_API_TIMEOUT_MS 3000

/*
 * Records "<what> to <addr>: <CODE_NAME>(<code>) <remark>" as last error and
 * returns RJ_EREMOTE. For code paths that got an unexpected response.
 */
int rj_api_remote_error(const char *what, const char *addr, const rj_command_t *resp);

/* -------------------------------------------------------------- name server */

/*
 * GET_ROUTEINFO_BY_TOPIC. RJ_ENOROUTE when the name server answers
 * TOPIC_NOT_EXIST.
 */
int rj_api_get_route(rj_rpc_client_t *rpc, const char *namesrv, const char *topic,
                     int64_t timeout_ms, rj_topic_route_t **out);

/* GET_BROKER_CLUSTER_INFO: the body parsed (json_decref it). */
int rj_api_get_cluster_info(rj_rpc_client_t *rpc, const char *namesrv, int64_t timeout_ms,
                            void **json_out);

/* ------------------------------------------------------------------ sending */

/* SendMessageRequestHeader (V2 field names a..n on the wire). */
typedef struct {
    const char *producer_group;   /* a */
    const char *topic;            /* b */
    const char *default_topic;    /* c */
    int32_t default_topic_queues; /* d */
    int32_t queue_id;             /* e */
    int32_t sys_flag;             /* f */
    int64_t born_timestamp;       /* g */
    int32_t flag;                 /* h */
    rj_bytes_t properties;        /* i (omitted when len 0) */
    int32_t reconsume_times;      /* j */
    int32_t max_reconsume_times;  /* l (omitted when < 0) */
    bool batch;                   /* m */
    const char *broker_name;      /* n */
} rj_send_header_t;

/*
 * Fills `cmd` as SEND_MESSAGE_V2 (or SEND_BATCH_MESSAGE when batch) with
 * `body`. The command holds views of the header strings and the body.
 */
int rj_api_build_send(rj_command_t *cmd, const rj_send_header_t *h, rj_bytes_t body);

/* A decoded send answer. Views into the response command. */
typedef struct {
    int32_t code; /* SUCCESS, FLUSH_DISK_TIMEOUT, FLUSH_SLAVE_TIMEOUT, SLAVE_NOT_AVAILABLE */
    rj_bytes_t msg_id;
    rj_bytes_t transaction_id;
    int32_t queue_id;
    int64_t queue_offset;
} rj_send_response_t;

/*
 * Interprets a send response: RJ_OK for the four "stored" codes (fields
 * filled), RJ_EREMOTE for any other code, RJ_EMALFORMED for a success
 * without the header fields.
 */
int rj_api_parse_send_response(const rj_command_t *resp, rj_send_response_t *out);

/* True for the response codes Java's producer retries on another broker. */
bool rj_api_send_code_is_retryable(int32_t code);

/* END_TRANSACTION, one-way. transaction_id and remark may be NULL. */
int rj_api_end_transaction_oneway(rj_rpc_client_t *rpc, const char *addr, const char *group,
                                  int64_t tran_state_table_offset, int64_t commitlog_offset,
                                  int32_t commit_or_rollback, bool from_check, const char *msg_id,
                                  const char *transaction_id, const char *broker_name,
                                  const char *remark);

/* ----------------------------------------------------------------- clients */

/* HEART_BEAT with `body` (HeartbeatData JSON); *broker_version gets the answer's version. */
int rj_api_heartbeat(rj_rpc_client_t *rpc, const char *addr, rj_bytes_t body, int64_t timeout_ms,
                     int32_t *broker_version);

/* UNREGISTER_CLIENT; either group may be NULL. */
int rj_api_unregister_client(rj_rpc_client_t *rpc, const char *addr, const char *client_id,
                             const char *producer_group, const char *consumer_group,
                             int64_t timeout_ms);

/*
 * GET_CONSUMER_LIST_BY_GROUP: the ids in one allocation: (*ids)[i] point into
 * it; rj_free(*ids) frees all.
 */
int rj_api_get_consumer_ids(rj_rpc_client_t *rpc, const char *addr, const char *group,
                            int64_t timeout_ms, char ***ids, size_t *count);

/* ---------------------------------------------------------------- offsets */

/* QUERY_CONSUMER_OFFSET: RJ_ENOTFOUND for QUERY_NOT_FOUND (the group has no offset). */
int rj_api_query_consumer_offset(rj_rpc_client_t *rpc, const char *addr, const char *group,
                                 const char *topic, int32_t queue_id, int64_t timeout_ms,
                                 int64_t *offset);

/* UPDATE_CONSUMER_OFFSET one-way (as Java's persist), or sync when timeout_ms > 0. */
int rj_api_update_consumer_offset(rj_rpc_client_t *rpc, const char *addr, const char *group,
                                  const char *topic, int32_t queue_id, int64_t offset,
                                  int64_t timeout_ms);

/* GET_MAX_OFFSET / GET_MIN_OFFSET / SEARCH_OFFSET_BY_TIMESTAMP. */
int rj_api_get_max_offset(rj_rpc_client_t *rpc, const char *addr, const char *topic,
                          int32_t queue_id, int64_t timeout_ms, int64_t *offset);
int rj_api_get_min_offset(rj_rpc_client_t *rpc, const char *addr, const char *topic,
                          int32_t queue_id, int64_t timeout_ms, int64_t *offset);
int rj_api_search_offset(rj_rpc_client_t *rpc, const char *addr, const char *topic,
                         int32_t queue_id, int64_t timestamp_ms, int64_t timeout_ms,
                         int64_t *offset);

/* ------------------------------------------------------------------ pulling */

/* PULL_MESSAGE sysFlag bits. */
#define RJ_PULL_FLAG_COMMIT_OFFSET 0x1
#define RJ_PULL_FLAG_SUSPEND 0x2
#define RJ_PULL_FLAG_SUBSCRIPTION 0x4
#define RJ_PULL_FLAG_CLASS_FILTER 0x8
#define RJ_PULL_FLAG_LITE_PULL 0x10

typedef struct {
    const char *consumer_group;
    const char *topic;
    int32_t queue_id;
    int64_t queue_offset;
    int32_t max_msg_nums;
    int32_t sys_flag;
    int64_t commit_offset;
    int64_t suspend_timeout_ms;
    const char *subscription; /* NULL: omitted */
    int64_t sub_version;
    const char *expression_type; /* NULL: omitted */
    const char *broker_name;     /* "bname", as 4.9.8 clients send; NULL: omitted */
} rj_pull_header_t;

void rj_api_build_pull(rj_command_t *cmd, const rj_pull_header_t *h);

/* Pull outcome (Java PullStatus). */
typedef enum {
    RJ_PULL_FOUND = 0,
    RJ_PULL_NO_NEW_MSG = 1,
    RJ_PULL_NO_MATCHED_MSG = 2,
    RJ_PULL_OFFSET_ILLEGAL = 3,
} rj_pull_status_t;

typedef struct {
    rj_pull_status_t status;
    int64_t next_begin_offset;
    int64_t min_offset;
    int64_t max_offset;
    int64_t suggest_which_broker_id;
} rj_pull_response_t;

/*
 * Interprets a pull response (requests.md §C5): RJ_OK with the status and
 * offsets, RJ_EREMOTE for error codes (FLOW_CONTROL, SUBSCRIPTION_* ...),
 * RJ_EMALFORMED when offset fields are missing.
 */
int rj_api_parse_pull_response(const rj_command_t *resp, rj_pull_response_t *out);

/* ------------------------------------------------------------------- retry */

/* CONSUMER_SEND_MSG_BACK. */
int rj_api_consumer_send_back(rj_rpc_client_t *rpc, const char *addr, int64_t commitlog_offset,
                              const char *group, int32_t delay_level, const char *origin_msg_id,
                              const char *origin_topic, int32_t max_reconsume_times,
                              int64_t timeout_ms);

/* ------------------------------------------------------------------- locks */

/*
 * LOCK_BATCH_MQ: sets locked[i] for every queue of `mqs` the broker granted.
 * All queues must be on the broker at `addr`.
 */
int rj_api_lock_batch(rj_rpc_client_t *rpc, const char *addr, const char *group,
                      const char *client_id, const rj_message_queue_t *mqs, size_t count,
                      int64_t timeout_ms, bool *locked);

/* UNLOCK_BATCH_MQ, one-way when timeout_ms <= 0. */
int rj_api_unlock_batch(rj_rpc_client_t *rpc, const char *addr, const char *group,
                        const char *client_id, const rj_message_queue_t *mqs, size_t count,
                        int64_t timeout_ms);

/* ------------------------------------------------------------------ filters */

/*
 * CHECK_CLIENT_CONFIG: asks the broker whether it accepts `subscription_json`
 * (a SubscriptionData object) for `group` — how Java validates SQL92 filters
 * at start. RJ_EREMOTE with the broker's remark when it does not.
 */
int rj_api_check_client_config(rj_rpc_client_t *rpc, const char *addr, const char *group,
                               const char *client_id, rj_bytes_t subscription_json,
                               int64_t timeout_ms);

/* ------------------------------------------------------------------- admin */

/* UPDATE_AND_CREATE_TOPIC on one broker (perm 6, SINGLE_TAG). */
int rj_api_create_topic(rj_rpc_client_t *rpc, const char *addr, const char *topic,
                        int32_t read_queue_nums, int32_t write_queue_nums, bool order,
                        int64_t timeout_ms);

#endif
