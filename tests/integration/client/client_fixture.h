/*
 * Client integration tests: a real mqnamesrv and one or more mqbroker
 * processes on 127.0.0.1 port 0 (temp dirs, small segments), plus helpers
 * the scenarios share: topic creation through the admin API, a counting
 * listener, and producers of numbered messages ("msg #<n>").
 */
#ifndef RJ_IT_CLIENT_FIXTURE_H
#define RJ_IT_CLIENT_FIXTURE_H

#include "ramjet/ramjet.h"
#include "support/daemon.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define IT_MAX_BROKERS 2
#define IT_MAX_SEEN 20000

typedef struct {
    rj_daemon_t *ns;
    rj_daemon_t *brokers[IT_MAX_BROKERS];
    int broker_count;
} it_cluster_t;

/* Name server + `brokers` brokers ("broker-a", "broker-b"). Asserts on failure. */
void it_cluster_start(it_cluster_t *c, int brokers);
void it_cluster_stop(it_cluster_t *c);
const char *it_namesrv(const it_cluster_t *c);

/* Creates `topic` with `queues` queues on every broker and waits for its route. */
void it_create_topic(const it_cluster_t *c, const char *topic, int queues);

/* Sends "msg #from" .. "msg #(from+n-1)" with `tag` (may be NULL), sync, asserting success. */
void it_produce(const it_cluster_t *c, const char *topic, int from, int n, const char *tag);

/* What a listener saw. */
typedef struct {
    pthread_mutex_t lock;
    int count;    /* deliveries */
    int distinct; /* different message numbers */
    int seen[IT_MAX_SEEN];
} it_seen_t;

void it_seen_init(it_seen_t *s);
/* Records one delivery of `msg` (by its number). */
void it_seen_add(it_seen_t *s, const rj_message_t *msg);
/* Waits until `want` distinct numbers were seen. */
bool it_seen_wait(it_seen_t *s, int want, int timeout_ms);
int it_seen_distinct(it_seen_t *s);

/* Number in a "msg #<n>" body, -1 if none. */
int it_msg_number(const rj_message_t *msg);

/* Concurrent listener recording into the it_seen_t passed as arg. */
rj_consume_status_t it_record_listener(const rj_message_t *const *msgs, size_t count,
                                       rj_consume_context_t *ctx, void *arg);

/* Log callback to stderr when RJ_TEST_LOG is set (its value is the level). */
void it_log_from_env(void);

#endif
