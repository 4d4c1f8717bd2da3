/*
 * Producer internals shared by producer.c (life cycle, options, queue
 * selection, sync/async/one-way/batch sends) and transaction.c
 * (transactional sends and broker checks).
 */
#ifndef RJ_CLIENT_PRODUCER_INTERNAL_H
#define RJ_CLIENT_PRODUCER_INTERNAL_H

#include "client/client_instance.h"
#include "client/executor.h"
#include "client/fault_strategy.h"
#include "client/message_encode.h"
#include "client/permits.h"
#include "client/send_pool.h"
#include "client/send_result.h"
#include "common/hashmap.h"
#include "ramjet/producer.h"

#include <pthread.h>
#include <stdatomic.h>

typedef enum {
    RJ_PRODUCER_CREATED = 0,
    RJ_PRODUCER_RUNNING = 1,
    RJ_PRODUCER_STOPPED = 2,
} rj_producer_state_t;

struct rj_producer {
    char *group;
    char *namesrv_addrs;
    char *instance_name;
    int64_t poll_namesrv_interval_ms;
    int64_t heartbeat_interval_ms;
    int64_t send_timeout_ms;
    int retry_times;
    int async_retry_times;
    bool retry_not_ok;
    size_t compress_threshold;
    int compress_level;
    size_t max_message_size;
    bool latency_fault;
    size_t max_inflight;        /* async sends awaiting their answer (0: unlimited) */
    size_t max_inflight_oneway; /* one-way sends not yet written (0: unlimited) */
    int default_topic_queue_nums;

    rj_local_transaction_cb tx_execute;
    rj_check_transaction_cb tx_check;
    void *tx_arg;
    rj_executor_t *check_executor;

    atomic_int state;
    pthread_mutex_t life_lock; /* start/shutdown */
    rj_client_instance_t *inst;
    rj_client_member_t member;

    pthread_rwlock_t pub_lock;
    rj_hashmap_t *publish; /* topic -> rj_publish_info_t * */
    rj_fault_strategy_t fault;

    rj_permits_t async_permits; /* one per async send until its callback has run */
    rj_send_pool_t *send_pool;  /* async contexts and one-way bodies (from start) */
};

/* A message ready for the wire (views valid for the duration of a send call). */
typedef struct {
    const char *topic;
    rj_bytes_t props;
    rj_bytes_t body;
    int32_t sys_flag;
    int32_t flag;
    int32_t reconsume_times;
    int32_t max_reconsume_times;
    bool batch;
    const char *msg_id; /* UNIQ_KEY, or the comma-joined list of a batch */
} rj_prepared_msg_t;

/*
 * Sync send of a prepared message with retries (Java sendDefaultImpl). Fills
 * `res` on RJ_OK. Records the failure text otherwise.
 */
int rj_producer_send_prepared(rj_producer_t *p, const rj_prepared_msg_t *pm, rj_send_result_t *res);

/* Checks the state and the message (topic, body); RJ_OK or the error (text recorded). */
int rj_producer_check_message(rj_producer_t *p, const rj_message_t *msg);

/*
 * Encodes `msg` into `pm` with `opts`, compressing its body when large
 * (*compressed receives the buffer to free). `props` is caller storage.
 */
int rj_producer_prepare(rj_producer_t *p, const rj_message_t *msg, const rj_encode_opts_t *opts,
                        rj_prop_buf_t *props, rj_encode_info_t *info, rj_prepared_msg_t *pm,
                        uint8_t **compressed);

/* Transaction check request (transaction.c), called by the member ops. */
int rj_producer_handle_check(rj_producer_t *p, rj_request_t *req, const rj_command_t *cmd);

/* Starts / stops the check executor (transaction.c). */
int rj_producer_transaction_start(rj_producer_t *p);
void rj_producer_transaction_stop(rj_producer_t *p);

#endif
