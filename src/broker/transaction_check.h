/*
 * The transaction check service (RocketMQ 4.9.8's TransactionalMessageCheckService
 * and TransactionalMessageServiceImpl.check, features.md §3): every
 * `transactionCheckInterval` ms it walks RMQ_SYS_TRANS_HALF_TOPIC from the
 * progress of group CID_RMQ_SYS_TRANS, skips half messages an op record in
 * RMQ_SYS_TRANS_OP_HALF_TOPIC resolved, discards those checked
 * `transactionCheckMax` times (or older than fileReservedTime) into
 * TRANS_CHECK_MAX_TIME_TOPIC, leaves young ones for the next pass, and for
 * the others appends a fresh copy to the half topic (TRANSACTION_CHECK_TIMES
 * + 1) and asks a producer of the message's group with CHECK_TRANSACTION_STATE
 * (one-way) what became of it.
 *
 * THREADS. The service has its own thread (a broker scheduler); a pass reads
 * and appends through the store API and sends with the connection API's
 * one-way call, so it never waits on an I/O thread and no I/O thread waits
 * on it. Masters only.
 */
#ifndef RJ_BROKER_TRANSACTION_CHECK_H
#define RJ_BROKER_TRANSACTION_CHECK_H

#include "broker/broker.h"

#include <stdint.h>

/*
 * Where checks go. `request` is a CHECK_TRANSACTION_STATE command (header
 * fields set), `body` the re-encoded half message; both valid during the call.
 */
typedef struct {
    void (*send_check)(void *arg, rj_bytes_t producer_group, rj_command_t *request,
                       rj_bytes_t body);
    void *arg;
} rj_transaction_check_listener_t;

/* What one pass did (logs and tests). */
typedef struct {
    int checks_sent;     /* copies appended and checks handed to the listener */
    int discarded;       /* moved to TRANS_CHECK_MAX_TIME_TOPIC */
    int resolved;        /* half messages passed over because an op record resolved them */
    int64_t half_offset; /* progress on the half queue after the pass */
    int64_t op_offset;   /* progress on the op queue after the pass */
} rj_transaction_check_stats_t;

/*
 * One check pass over every queue of the half topic. Ages (transactionTimeOut,
 * immunity, fileReservedTime) are measured against `now_ms` — the wall clock
 * in the service, other times in tests; messages stored since the pass
 * started are left for the next one. Progress is committed to the offset
 * manager. `stats` may be NULL.
 * Returns 0, or a negative status when the half topic cannot be set up.
 * Thread: the service thread (tests: any, one at a time).
 */
int rj_transaction_check_once(rj_broker_t *b, int64_t now_ms,
                              const rj_transaction_check_listener_t *listener,
                              rj_transaction_check_stats_t *stats);

/*
 * The broker's listener: CHECK_TRANSACTION_STATE one-way to one live channel
 * of the producer group (`arg` is the rj_broker_t); nothing when the group
 * has no channel.
 */
void rj_transaction_check_send_to_producer(void *arg, rj_bytes_t producer_group,
                                           rj_command_t *request, rj_bytes_t body);

/* Starts the service thread (first pass after one interval). Returns 0 or an error. */
int rj_transaction_check_start(rj_broker_t *b);

/* Stops the thread (a running pass ends at its next message). Idempotent. */
void rj_transaction_check_stop(rj_broker_t *b);

#endif
