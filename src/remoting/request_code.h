/*
 * RocketMQ request codes (wire.md §7): every code of Apache RocketMQ 4.9.8 and
 * 5.3.3 in one X-macro table, so the enum, the name lookup and any per-code table
 * of a module are generated from the same list.
 *
 * A code is data read from the wire: a value outside the enum is legal input
 * (answered with REQUEST_CODE_NOT_SUPPORTED), so functions take int32_t.
 */
#ifndef RJ_REMOTING_REQUEST_CODE_H
#define RJ_REMOTING_REQUEST_CODE_H

#include <stdint.h>

/* XX(NAME, code). Codes marked 5.x exist only in 5.3.3; 50–53 and 325 only in 4.9.8. */
#define RJ_REQUEST_CODE_MAP(XX)                                 \
    XX(SEND_MESSAGE, 10)                                        \
    XX(PULL_MESSAGE, 11)                                        \
    XX(QUERY_MESSAGE, 12)                                       \
    XX(QUERY_BROKER_OFFSET, 13)                                 \
    XX(QUERY_CONSUMER_OFFSET, 14)                               \
    XX(UPDATE_CONSUMER_OFFSET, 15)                              \
    XX(UPDATE_AND_CREATE_TOPIC, 17)                             \
    XX(UPDATE_AND_CREATE_TOPIC_LIST, 18) /* 5.x */              \
    XX(GET_ALL_TOPIC_CONFIG, 21)                                \
    XX(GET_TOPIC_CONFIG_LIST, 22)                               \
    XX(GET_TOPIC_NAME_LIST, 23)                                 \
    XX(UPDATE_BROKER_CONFIG, 25)                                \
    XX(GET_BROKER_CONFIG, 26)                                   \
    XX(TRIGGER_DELETE_FILES, 27)                                \
    XX(GET_BROKER_RUNTIME_INFO, 28)                             \
    XX(SEARCH_OFFSET_BY_TIMESTAMP, 29)                          \
    XX(GET_MAX_OFFSET, 30)                                      \
    XX(GET_MIN_OFFSET, 31)                                      \
    XX(GET_EARLIEST_MSG_STORETIME, 32)                          \
    XX(VIEW_MESSAGE_BY_ID, 33)                                  \
    XX(HEART_BEAT, 34)                                          \
    XX(UNREGISTER_CLIENT, 35)                                   \
    XX(CONSUMER_SEND_MSG_BACK, 36)                              \
    XX(END_TRANSACTION, 37)                                     \
    XX(GET_CONSUMER_LIST_BY_GROUP, 38)                          \
    XX(CHECK_TRANSACTION_STATE, 39)                             \
    XX(NOTIFY_CONSUMER_IDS_CHANGED, 40)                         \
    XX(LOCK_BATCH_MQ, 41)                                       \
    XX(UNLOCK_BATCH_MQ, 42)                                     \
    XX(GET_ALL_CONSUMER_OFFSET, 43)                             \
    XX(GET_ALL_DELAY_OFFSET, 45)                                \
    XX(CHECK_CLIENT_CONFIG, 46)                                 \
    XX(GET_CLIENT_CONFIG, 47) /* 5.x */                         \
    XX(UPDATE_AND_CREATE_ACL_CONFIG, 50)                        \
    XX(DELETE_ACL_CONFIG, 51)                                   \
    XX(GET_BROKER_CLUSTER_ACL_INFO, 52)                         \
    XX(UPDATE_GLOBAL_WHITE_ADDRS_CONFIG, 53)                    \
    XX(GET_TIMER_CHECK_POINT, 60) /* 5.x */                     \
    XX(GET_TIMER_METRICS, 61)     /* 5.x */                     \
    XX(PUT_KV_CONFIG, 100)                                      \
    XX(GET_KV_CONFIG, 101)                                      \
    XX(DELETE_KV_CONFIG, 102)                                   \
    XX(REGISTER_BROKER, 103)                                    \
    XX(UNREGISTER_BROKER, 104)                                  \
    XX(GET_ROUTEINFO_BY_TOPIC, 105)                             \
    XX(GET_BROKER_CLUSTER_INFO, 106)                            \
    XX(UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, 200)                \
    XX(GET_ALL_SUBSCRIPTIONGROUP_CONFIG, 201)                   \
    XX(GET_TOPIC_STATS_INFO, 202)                               \
    XX(GET_CONSUMER_CONNECTION_LIST, 203)                       \
    XX(GET_PRODUCER_CONNECTION_LIST, 204)                       \
    XX(WIPE_WRITE_PERM_OF_BROKER, 205)                          \
    XX(GET_ALL_TOPIC_LIST_FROM_NAMESERVER, 206)                 \
    XX(DELETE_SUBSCRIPTIONGROUP, 207)                           \
    XX(GET_CONSUME_STATS, 208)                                  \
    XX(SUSPEND_CONSUMER, 209)                                   \
    XX(RESUME_CONSUMER, 210)                                    \
    XX(RESET_CONSUMER_OFFSET_IN_CONSUMER, 211)                  \
    XX(RESET_CONSUMER_OFFSET_IN_BROKER, 212)                    \
    XX(ADJUST_CONSUMER_THREAD_POOL, 213)                        \
    XX(WHO_CONSUME_THE_MESSAGE, 214)                            \
    XX(DELETE_TOPIC_IN_BROKER, 215)                             \
    XX(DELETE_TOPIC_IN_NAMESRV, 216)                            \
    XX(REGISTER_TOPIC_IN_NAMESRV, 217) /* 5.x */                \
    XX(GET_KVLIST_BY_NAMESPACE, 219)                            \
    XX(RESET_CONSUMER_CLIENT_OFFSET, 220)                       \
    XX(GET_CONSUMER_STATUS_FROM_CLIENT, 221)                    \
    XX(INVOKE_BROKER_TO_RESET_OFFSET, 222)                      \
    XX(INVOKE_BROKER_TO_GET_CONSUMER_STATUS, 223)               \
    XX(GET_TOPICS_BY_CLUSTER, 224)                              \
    XX(UPDATE_AND_CREATE_SUBSCRIPTIONGROUP_LIST, 225) /* 5.x */ \
    XX(QUERY_TOPIC_CONSUME_BY_WHO, 300)                         \
    XX(REGISTER_FILTER_SERVER, 301)                             \
    XX(REGISTER_MESSAGE_FILTER_CLASS, 302)                      \
    XX(QUERY_CONSUME_TIME_SPAN, 303)                            \
    XX(GET_SYSTEM_TOPIC_LIST_FROM_NS, 304)                      \
    XX(GET_SYSTEM_TOPIC_LIST_FROM_BROKER, 305)                  \
    XX(CLEAN_EXPIRED_CONSUMEQUEUE, 306)                         \
    XX(GET_CONSUMER_RUNNING_INFO, 307)                          \
    XX(QUERY_CORRECTION_OFFSET, 308)                            \
    XX(CONSUME_MESSAGE_DIRECTLY, 309)                           \
    XX(SEND_MESSAGE_V2, 310)                                    \
    XX(GET_UNIT_TOPIC_LIST, 311)                                \
    XX(GET_HAS_UNIT_SUB_TOPIC_LIST, 312)                        \
    XX(GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST, 313)                 \
    XX(CLONE_GROUP_OFFSET, 314)                                 \
    XX(VIEW_BROKER_STATS_DATA, 315)                             \
    XX(CLEAN_UNUSED_TOPIC, 316)                                 \
    XX(GET_BROKER_CONSUME_STATS, 317)                           \
    XX(UPDATE_NAMESRV_CONFIG, 318)                              \
    XX(GET_NAMESRV_CONFIG, 319)                                 \
    XX(SEND_BATCH_MESSAGE, 320)                                 \
    XX(QUERY_CONSUME_QUEUE, 321)                                \
    XX(QUERY_DATA_VERSION, 322)                                 \
    XX(RESUME_CHECK_HALF_MESSAGE, 323)                          \
    XX(SEND_REPLY_MESSAGE, 324)                                 \
    XX(SEND_REPLY_MESSAGE_V2, 325)                              \
    XX(PUSH_REPLY_MESSAGE_TO_CLIENT, 326)                       \
    XX(ADD_WRITE_PERM_OF_BROKER, 327)                           \
    XX(GET_ALL_PRODUCER_INFO, 328)                              \
    XX(DELETE_EXPIRED_COMMITLOG, 329)                           \
    XX(QUERY_TOPICS_BY_CONSUMER, 343)        /* 5.x */          \
    XX(QUERY_SUBSCRIPTION_BY_CONSUMER, 345)  /* 5.x */          \
    XX(GET_TOPIC_CONFIG, 351)                /* 5.x */          \
    XX(GET_SUBSCRIPTIONGROUP_CONFIG, 352)    /* 5.x */          \
    XX(UPDATE_AND_GET_GROUP_FORBIDDEN, 353)  /* 5.x */          \
    XX(CHECK_ROCKSDB_CQ_WRITE_PROGRESS, 354) /* 5.x */          \
    XX(EXPORT_ROCKSDB_CONFIG_TO_JSON, 355)   /* 5.x */          \
    XX(LITE_PULL_MESSAGE, 361)               /* 5.x */          \
    XX(RECALL_MESSAGE, 370)                  /* 5.x */          \
    XX(QUERY_ASSIGNMENT, 400)                /* 5.x */          \
    XX(SET_MESSAGE_REQUEST_MODE, 401)        /* 5.x */          \
    XX(GET_ALL_MESSAGE_REQUEST_MODE, 402)    /* 5.x */          \
    XX(UPDATE_AND_CREATE_STATIC_TOPIC, 513)  /* 5.x */          \
    XX(GET_BROKER_MEMBER_GROUP, 901)         /* 5.x */          \
    XX(ADD_BROKER, 902)                      /* 5.x */          \
    XX(REMOVE_BROKER, 903)                   /* 5.x */          \
    XX(BROKER_HEARTBEAT, 904)                /* 5.x */          \
    XX(NOTIFY_MIN_BROKER_ID_CHANGE, 905)     /* 5.x */          \
    XX(EXCHANGE_BROKER_HA_INFO, 906)         /* 5.x */          \
    XX(GET_BROKER_HA_STATUS, 907)            /* 5.x */          \
    XX(RESET_MASTER_FLUSH_OFFSET, 908)       /* 5.x */          \
    XX(CONTROLLER_ALTER_SYNC_STATE_SET, 1001)                   \
    XX(CONTROLLER_ELECT_MASTER, 1002)                           \
    XX(CONTROLLER_REGISTER_BROKER, 1003)                        \
    XX(CONTROLLER_GET_REPLICA_INFO, 1004)                       \
    XX(CONTROLLER_GET_METADATA_INFO, 1005)                      \
    XX(CONTROLLER_GET_SYNC_STATE_DATA, 1006)                    \
    XX(GET_BROKER_EPOCH_CACHE, 1007)                            \
    XX(NOTIFY_BROKER_ROLE_CHANGED, 1008)                        \
    XX(UPDATE_CONTROLLER_CONFIG, 1009)                          \
    XX(GET_CONTROLLER_CONFIG, 1010)                             \
    XX(CLEAN_BROKER_DATA, 1011)                                 \
    XX(CONTROLLER_GET_NEXT_BROKER_ID, 1012)                     \
    XX(CONTROLLER_APPLY_BROKER_ID, 1013)                        \
    XX(UPDATE_COLD_DATA_FLOW_CTR_CONFIG, 2001)                  \
    XX(REMOVE_COLD_DATA_FLOW_CTR_CONFIG, 2002)                  \
    XX(GET_COLD_DATA_FLOW_CTR_INFO, 2003)                       \
    XX(SET_COMMITLOG_READ_MODE, 2004)                           \
    XX(AUTH_CREATE_USER, 3001)                                  \
    XX(AUTH_UPDATE_USER, 3002)                                  \
    XX(AUTH_DELETE_USER, 3003)                                  \
    XX(AUTH_GET_USER, 3004)                                     \
    XX(AUTH_LIST_USER, 3005)                                    \
    XX(AUTH_CREATE_ACL, 3006)                                   \
    XX(AUTH_UPDATE_ACL, 3007)                                   \
    XX(AUTH_DELETE_ACL, 3008)                                   \
    XX(AUTH_GET_ACL, 3009)                                      \
    XX(AUTH_LIST_ACL, 3010)                                     \
    XX(POP_MESSAGE, 200050)                                     \
    XX(ACK_MESSAGE, 200051)                                     \
    XX(PEEK_MESSAGE, 200052)                                    \
    XX(CHANGE_MESSAGE_INVISIBLETIME, 200053)                    \
    XX(NOTIFICATION, 200054)                                    \
    XX(POLLING_INFO, 200055)                                    \
    XX(POP_ROLLBACK, 200056)                                    \
    XX(BATCH_ACK_MESSAGE, 200151)

typedef enum {
#define XX(name, code) RJ_REQ_##name = code,
    RJ_REQUEST_CODE_MAP(XX)
#undef XX
} rj_request_code_t;

/* Number of entries of RJ_REQUEST_CODE_MAP. */
#define XX(name, code) +1
enum { RJ_REQUEST_CODE_COUNT = 0 RJ_REQUEST_CODE_MAP(XX) };
#undef XX

/*
 * Name of a request code ("SEND_MESSAGE_V2"), or NULL if the code is not in the
 * table. Static string; any thread.
 */
const char *rj_request_code_name(int32_t code);

/* Code of a request name (exact, case-sensitive), or -1 if unknown. Any thread. */
int32_t rj_request_code_parse(const char *name);

#endif
