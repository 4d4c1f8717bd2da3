/*
 * The sub-commands of mqadmin, one object per command (name, description,
 * options, run function), grouped in one source file per area: topics,
 * groups and connections, cluster and brokers, messages, offsets, name
 * server KV and configuration. main.c lists them in RocketMQ 4.9.8's order.
 */
#ifndef RJ_TOOLS_MQADMIN_MQADMIN_COMMANDS_H
#define RJ_TOOLS_MQADMIN_MQADMIN_COMMANDS_H

#include "tools/mqadmin/mqadmin_cli.h"
#include "tools/mqadmin/mqadmin_ctx.h"
#include "tools/mqadmin/mqadmin_msg.h"
#include "tools/mqadmin/mqadmin_route.h"

#include <jansson.h>

/* mqadmin_topic.c */
extern const rj_mqadmin_command_t rj_mqadmin_cmd_update_topic;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_delete_topic;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_topic_list;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_topic_route;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_topic_status;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_topic_cluster_list;

/* deleteTopic's work: the topic leaves every master of `cluster`, then every name server. */
int rj_mqadmin_topic_delete(rj_mqadmin_ctx_t *ctx, const char *cluster, const char *topic);
/* Every topic the name servers know (GET_ALL_TOPIC_LIST_FROM_NAMESERVER). */
int rj_mqadmin_topic_list(rj_mqadmin_ctx_t *ctx, rj_mqadmin_strv_t *out);
/* Groups consuming `topic` (QUERY_TOPIC_CONSUME_BY_WHO at the first broker of `route`). */
int rj_mqadmin_topic_consumer_groups(rj_mqadmin_ctx_t *ctx, const char *topic, const json_t *route,
                                     rj_mqadmin_strv_t *out);

/* mqadmin_group.c */
extern const rj_mqadmin_command_t rj_mqadmin_cmd_update_sub_group;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_delete_sub_group;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_consumer_progress;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_consumer_connection;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_producer_connection;

/*
 * examineConsumeStats: GET_CONSUME_STATS at every broker of the group's retry
 * topic, merged into `out` (entries: OffsetWrapper objects); `topic` may be
 * NULL for all. An empty result fails (last_code CONSUMER_NOT_ONLINE).
 */
int rj_mqadmin_group_consume_stats(rj_mqadmin_ctx_t *ctx, const char *group, const char *topic,
                                   rj_mqadmin_mq_table_t *out, double *tps);
/*
 * examineConsumerConnectionInfo: the ConsumerConnection of `group` from `addr`
 * (NULL: the brokers of its retry topic). Fails when the group has no member.
 */
int rj_mqadmin_group_consumer_connection(rj_mqadmin_ctx_t *ctx, const char *group, const char *addr,
                                         json_t **out);

/* mqadmin_broker.c */
extern const rj_mqadmin_command_t rj_mqadmin_cmd_cluster_list;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_broker_status;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_update_broker_config;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_get_broker_config;

/*
 * Asks `addr` for its configuration with `code` (GET_BROKER_CONFIG or
 * GET_NAMESRV_CONFIG) and prints `banner`, then one "key  =  value" line per
 * property.
 */
int rj_mqadmin_broker_print_config(rj_mqadmin_ctx_t *ctx, int32_t code, const char *addr,
                                   const char *banner);

/* mqadmin_message.c */
extern const rj_mqadmin_command_t rj_mqadmin_cmd_query_msg_by_id;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_query_msg_by_key;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_query_msg_by_unique_key;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_query_msg_by_offset;

/* mqadmin_message_io.c */
extern const rj_mqadmin_command_t rj_mqadmin_cmd_send_message;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_consume_message;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_print_msg;

/* queryMsgById -s true: sends a stored message again through a producer and prints the result. */
int rj_mqadmin_message_io_resend(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_msg_t *m,
                                 const char *unit_name);

/* mqadmin_offset.c */
extern const rj_mqadmin_command_t rj_mqadmin_cmd_reset_offset_by_time;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_clone_group_offset;

/*
 * GET_MIN_OFFSET, GET_MAX_OFFSET or SEARCH_OFFSET_BY_TIMESTAMP (`timestamp`
 * used only by the last) of one queue at `addr`.
 */
int rj_mqadmin_offset_query(rj_mqadmin_ctx_t *ctx, const char *addr, int32_t code,
                            const char *topic, int32_t queue_id, int64_t timestamp, int64_t *out);
/* UPDATE_CONSUMER_OFFSET, sent as a normal request so the broker's answer is checked. */
int rj_mqadmin_offset_update(rj_mqadmin_ctx_t *ctx, const char *addr, const char *group,
                             const char *topic, const char *broker_name, int32_t queue_id,
                             int64_t offset);

/* mqadmin_namesrv.c */
extern const rj_mqadmin_command_t rj_mqadmin_cmd_update_kv_config;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_delete_kv_config;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_get_namesrv_config;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_update_namesrv_config;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_wipe_write_perm;
extern const rj_mqadmin_command_t rj_mqadmin_cmd_add_write_perm;

#endif
