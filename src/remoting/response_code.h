/*
 * RocketMQ response codes (wire.md §8): RemotingSysResponseCode (0–4) and
 * ResponseCode. A response code is data returned by a peer, never a local
 * status (RJ_E*): keep the two apart.
 *
 * 209–211 carry their 4.9.8 names (ACL 1.0 failures); 5.3.3 reuses these values
 * for POLLING_FULL, POLLING_TIMEOUT and BROKER_NOT_EXIST, given as aliases below.
 */
#ifndef RJ_REMOTING_RESPONSE_CODE_H
#define RJ_REMOTING_RESPONSE_CODE_H

#include <stdint.h>

/* XX(NAME, code) */
#define RJ_RESPONSE_CODE_MAP(XX)                                                 \
    XX(SUCCESS, 0)                                                               \
    XX(SYSTEM_ERROR, 1)                                                          \
    XX(SYSTEM_BUSY, 2)                                                           \
    XX(REQUEST_CODE_NOT_SUPPORTED, 3)                                            \
    XX(TRANSACTION_FAILED, 4)                                                    \
    XX(FLUSH_DISK_TIMEOUT, 10)                                                   \
    XX(SLAVE_NOT_AVAILABLE, 11)                                                  \
    XX(FLUSH_SLAVE_TIMEOUT, 12)                                                  \
    XX(MESSAGE_ILLEGAL, 13)                                                      \
    XX(SERVICE_NOT_AVAILABLE, 14)                                                \
    XX(VERSION_NOT_SUPPORTED, 15)                                                \
    XX(NO_PERMISSION, 16)                                                        \
    XX(TOPIC_NOT_EXIST, 17)                                                      \
    XX(TOPIC_EXIST_ALREADY, 18)                                                  \
    XX(PULL_NOT_FOUND, 19)                                                       \
    XX(PULL_RETRY_IMMEDIATELY, 20)                                               \
    XX(PULL_OFFSET_MOVED, 21)                                                    \
    XX(QUERY_NOT_FOUND, 22)                                                      \
    XX(SUBSCRIPTION_PARSE_FAILED, 23)                                            \
    XX(SUBSCRIPTION_NOT_EXIST, 24)                                               \
    XX(SUBSCRIPTION_NOT_LATEST, 25)                                              \
    XX(SUBSCRIPTION_GROUP_NOT_EXIST, 26)                                         \
    XX(FILTER_DATA_NOT_EXIST, 27)                                                \
    XX(FILTER_DATA_NOT_LATEST, 28)                                               \
    XX(INVALID_PARAMETER, 29) /* 5.x */                                          \
    XX(TRANSACTION_SHOULD_COMMIT, 200)                                           \
    XX(TRANSACTION_SHOULD_ROLLBACK, 201)                                         \
    XX(TRANSACTION_STATE_UNKNOW, 202)                                            \
    XX(TRANSACTION_STATE_GROUP_WRONG, 203)                                       \
    XX(NO_BUYER_ID, 204)                                                         \
    XX(NOT_IN_CURRENT_UNIT, 205)                                                 \
    XX(CONSUMER_NOT_ONLINE, 206)                                                 \
    XX(CONSUME_MSG_TIMEOUT, 207)                                                 \
    XX(NO_MESSAGE, 208)                                                          \
    XX(UPDATE_AND_CREATE_ACL_CONFIG_FAILED, 209)     /* 5.x: POLLING_FULL */     \
    XX(DELETE_ACL_CONFIG_FAILED, 210)                /* 5.x: POLLING_TIMEOUT */  \
    XX(UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED, 211) /* 5.x: BROKER_NOT_EXIST */ \
    XX(BROKER_DISPATCH_NOT_COMPLETE, 212)            /* 5.x */                   \
    XX(BROADCAST_CONSUMPTION, 213)                   /* 5.x */                   \
    XX(FLOW_CONTROL, 215)                                                        \
    XX(NOT_LEADER_FOR_QUEUE, 501)         /* 5.x */                              \
    XX(ILLEGAL_OPERATION, 604)            /* 5.x */                              \
    XX(RPC_UNKNOWN, -1000)                /* 5.x, local only */                  \
    XX(RPC_ADDR_IS_NULL, -1002)           /* 5.x, local only */                  \
    XX(RPC_SEND_TO_CHANNEL_FAILED, -1004) /* 5.x, local only */                  \
    XX(RPC_TIME_OUT, -1006)               /* 5.x, local only */                  \
    XX(GO_AWAY, 1500)                     /* 5.x */                              \
    XX(CONTROLLER_FENCED_MASTER_EPOCH, 2000)                                     \
    XX(CONTROLLER_FENCED_SYNC_STATE_SET_EPOCH, 2001)                             \
    XX(CONTROLLER_INVALID_MASTER, 2002)                                          \
    XX(CONTROLLER_INVALID_REPLICAS, 2003)                                        \
    XX(CONTROLLER_MASTER_NOT_AVAILABLE, 2004)                                    \
    XX(CONTROLLER_INVALID_REQUEST, 2005)                                         \
    XX(CONTROLLER_BROKER_NOT_ALIVE, 2006)                                        \
    XX(CONTROLLER_NOT_LEADER, 2007)                                              \
    XX(CONTROLLER_BROKER_METADATA_NOT_EXIST, 2008)                               \
    XX(CONTROLLER_INVALID_CLEAN_BROKER_METADATA, 2009)                           \
    XX(CONTROLLER_BROKER_NEED_TO_BE_REGISTERED, 2010)                            \
    XX(CONTROLLER_MASTER_STILL_EXIST, 2011)                                      \
    XX(CONTROLLER_ELECT_MASTER_FAILED, 2012)                                     \
    XX(CONTROLLER_ALTER_SYNC_STATE_SET_FAILED, 2013)                             \
    XX(CONTROLLER_BROKER_ID_INVALID, 2014)                                       \
    XX(CONTROLLER_JRAFT_INTERNAL_ERROR, 2015)                                    \
    XX(CONTROLLER_BROKER_LIVE_INFO_NOT_EXISTS, 2016)                             \
    XX(USER_NOT_EXIST, 3001)   /* 5.x */                                         \
    XX(POLICY_NOT_EXIST, 3002) /* 5.x */

typedef enum {
#define XX(name, code) RJ_RESP_##name = code,
    RJ_RESPONSE_CODE_MAP(XX)
#undef XX
    /* 5.3.3 names of the values 4.9.8 uses for ACL 1.0 failures. */
    RJ_RESP_POLLING_FULL = 209,
    RJ_RESP_POLLING_TIMEOUT = 210,
    RJ_RESP_BROKER_NOT_EXIST = 211,
} rj_response_code_t;

/*
 * Name of a response code ("SYSTEM_BUSY"; 4.9.8 names for 209–211), or NULL
 * if the code is not in the table. Static string; any thread.
 */
const char *rj_response_code_name(int32_t code);

/* Remark Java's broker sends with SYSTEM_BUSY when it rejects a request under load. */
#define RJ_REMARK_SYSTEM_BUSY "[REJECTREQUEST]system busy, start flow control for a while"

#endif
