/*
 * mqbench consumer side: a push consumer whose concurrent listener records
 * end-to-end latency and counts deliveries.
 *
 * Latency is the CLOCK_REALTIME time of delivery minus the born time in the
 * body header (nanoseconds, see bench_body.h), so a sub-millisecond p50 is
 * visible and producer and consumer may be different mqbench processes on
 * one host. Messages without the header (other producers, tiny bodies) fall
 * back to the broker's born timestamp, which has millisecond resolution. In
 * e2e mode only messages of this run (same run id) count; others are tallied
 * as foreign and skipped.
 */
#include "tools/mqbench/bench_run.h"

#include "tools/mqbench/bench_body.h"

#include "ramjet/log.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static rj_consume_status_t
on_messages(const rj_message_t *const *msgs, size_t count, rj_consume_context_t *ctx, void *arg)
{
    rj_bench_run_t *run = arg;
    rj_bench_slot_t *slot = rj_bench_slot(&run->rec);
    bool e2e = run->opts->command == RJ_BENCH_E2E;
    uint64_t now = rj_bench_wall_ns();
    uint64_t received = 0, foreign = 0;

    (void)ctx;
    if (slot == NULL) {
        return RJ_CONSUME_SUCCESS;
    }
    for (size_t i = 0; i < count; i++) {
        size_t len = 0;
        const void *body = rj_message_body(msgs[i], &len);
        rj_bench_body_t h;
        uint64_t born;
        if (rj_bench_body_parse(body, len, &h)) {
            if (e2e && h.run_id != run->run_id) {
                foreign++;
                continue;
            }
            born = h.born_ns;
        } else {
            int64_t ms = rj_message_born_timestamp(msgs[i]);
            if (e2e || ms <= 0) {
                foreign++;
                continue;
            }
            born = (uint64_t)ms * 1000000u;
        }
        rj_histogram_record(&slot->e2e_ns, now > born ? now - born : 0);
        received++;
    }
    rj_bench_slot_count(slot, RJ_BENCH_RECEIVED, received);
    if (foreign != 0) {
        rj_bench_slot_count(slot, RJ_BENCH_FOREIGN, foreign);
    }
    return RJ_CONSUME_SUCCESS;
}

static bool
assigned_enough(rj_bench_run_t *run, int want)
{
    rj_message_queue_t *queues = NULL;
    size_t count = 0;
    if (rj_push_consumer_assigned_queues(run->consumer, run->opts->topic, &queues, &count) !=
        RJ_OK) {
        return false;
    }
    rj_message_queues_free(queues);
    return count >= (size_t)want;
}

int
rj_bench_consume_start(rj_bench_run_t *run, int wait_queues, int64_t timeout_ms)
{
    const rj_bench_options_t *o = run->opts;
    rj_push_consumer_t *c = NULL;
    char name[64];
    int rc;

    rc = rj_push_consumer_create(o->group, &c);
    if (rc != RJ_OK) {
        fprintf(stderr, "mqbench: consumer group '%s': %s: %s\n", o->group, rj_strerror(rc),
                rj_last_error());
        return rc;
    }
    snprintf(name, sizeof(name), "mqbench_%ld_consumer", (long)getpid());
    if ((rc = rj_push_consumer_set_namesrv_addr(c, o->namesrv)) != RJ_OK ||
        (rc = rj_push_consumer_set_instance_name(c, name)) != RJ_OK ||
        (rc = rj_push_consumer_set_consume_from(
             c, o->from_first ? RJ_CONSUME_FROM_FIRST_OFFSET : RJ_CONSUME_FROM_LAST_OFFSET, 0)) !=
            RJ_OK ||
        (rc = rj_push_consumer_set_consume_thread_count(c, o->consume_threads)) != RJ_OK ||
        (rc = rj_push_consumer_set_consume_batch_size(c, o->consume_batch)) != RJ_OK ||
        (rc = rj_push_consumer_set_pull_batch_size(c, o->pull_batch)) != RJ_OK ||
        (rc = rj_push_consumer_subscribe(c, o->topic, o->tags[0] != '\0' ? o->tags : "*")) !=
            RJ_OK ||
        (rc = rj_push_consumer_set_listener(c, on_messages, run)) != RJ_OK ||
        (rc = rj_push_consumer_start(c)) != RJ_OK) {
        fprintf(stderr, "mqbench: consumer: %s: %s\n", rj_strerror(rc), rj_last_error());
        rj_push_consumer_destroy(c);
        return rc;
    }
    run->consumer = c;
    if (wait_queues <= 0) {
        return RJ_OK;
    }
    uint64_t deadline = rj_bench_mono_ns() + (uint64_t)timeout_ms * 1000000u;
    while (!assigned_enough(run, wait_queues)) {
        if (rj_bench_mono_ns() >= deadline) {
            fprintf(stderr,
                    "mqbench: the consumer of group '%s' got fewer than %d queues of '%s' within "
                    "%lld ms\n",
                    o->group, wait_queues, o->topic, (long long)timeout_ms);
            return RJ_ETIMEDOUT;
        }
        struct timespec ts = {.tv_nsec = 10000000};
        nanosleep(&ts, NULL);
    }
    return RJ_OK;
}

void
rj_bench_consume_stop(rj_bench_run_t *run)
{
    if (run->consumer == NULL) {
        return;
    }
    rj_push_consumer_shutdown(run->consumer);
    rj_push_consumer_destroy(run->consumer);
    run->consumer = NULL;
}
