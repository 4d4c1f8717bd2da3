/*
 * State of one mqbench run shared by the sender side (bench_produce.c), the
 * consumer side (bench_consume.c) and the reporter (main.c).
 *
 * Threads: the reporter (main thread) owns the run; sender threads, the
 * client's I/O threads (async callbacks) and consume threads only record into
 * `rec` and read `opts`, `run_id` and the stop flag.
 */
#ifndef RJ_MQBENCH_RUN_H
#define RJ_MQBENCH_RUN_H

#include "tools/mqbench/bench_options.h"
#include "tools/mqbench/bench_recorder.h"

#include "ramjet/consumer.h"
#include "ramjet/producer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

typedef struct rj_bench_sender rj_bench_sender_t;

typedef struct {
    const rj_bench_options_t *opts;
    rj_bench_recorder_t rec;
    uint32_t run_id;

    /* Sender side. */
    rj_producer_t **producers;
    int producer_count;
    rj_bench_sender_t *senders;
    int sender_count;
    atomic_bool stop_sending;
    int topic_queue_count; /* writable queues seen by the probe send */

    /* Async in-flight bound: a counter, and a lock + condition only for senders that wait. */
    atomic_int inflight;
    atomic_int inflight_waiters;
    pthread_mutex_t inflight_lock;
    pthread_cond_t inflight_cond;

    /* Consumer side. */
    rj_push_consumer_t *consumer;

    /* First failures are printed; later ones only counted. */
    atomic_int errors_printed;
} rj_bench_run_t;

/* CLOCK_REALTIME / CLOCK_MONOTONIC in nanoseconds. */
uint64_t rj_bench_wall_ns(void);
uint64_t rj_bench_mono_ns(void);

/* Prints "mqbench: <what>" for the first few failures of a run (stderr). */
void rj_bench_report_error(rj_bench_run_t *run, const char *what, int status, const char *detail);

/*
 * Creates the topic (--queues per master) when the name servers do not know
 * it (produce, e2e). Returns RJ_OK, or the error that made the route
 * unreadable (printed).
 */
int rj_bench_topic_prepare(const rj_bench_options_t *o);

/*
 * Stores, for the consumer group, the current end of every queue of the
 * topic as its progress, so the group's consumer starts with new messages.
 * Failures are printed and returned; the run can go on without.
 */
int rj_bench_group_to_end(const rj_bench_options_t *o);

/*
 * Creates and starts the producers, sends one probe message (which makes the
 * broker create an unknown topic and proves that sending works) and learns
 * the topic's queue count. Returns RJ_OK or the failure (already printed).
 */
int rj_bench_produce_prepare(rj_bench_run_t *run);

/* Starts the sender threads. */
int rj_bench_produce_start(rj_bench_run_t *run);

/*
 * Stops the sender threads and waits for outstanding async sends (up to a
 * few send timeouts); the producers stay up. Idempotent.
 */
void rj_bench_produce_halt(rj_bench_run_t *run);

/* Halts (if needed) and shuts the producers down. Safe after a failed prepare. */
void rj_bench_produce_stop(rj_bench_run_t *run);

/*
 * Creates and starts the push consumer. With `wait_queues` > 0, returns only
 * once that many queues of the topic are assigned to it (their start offsets
 * are fixed then), or fails after `timeout_ms`.
 */
int rj_bench_consume_start(rj_bench_run_t *run, int wait_queues, int64_t timeout_ms);

/* Shuts the consumer down (waits for running listener calls) and frees it. */
void rj_bench_consume_stop(rj_bench_run_t *run);

#endif
