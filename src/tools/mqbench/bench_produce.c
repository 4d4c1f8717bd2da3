/*
 * mqbench sender side: producers, sender threads, pacing, the async in-flight
 * bound and the recording of send latencies and outcomes.
 *
 * Each sender thread owns its messages and body buffers, built once: a send
 * only rewrites the body header in place (born time, sequence) and passes the
 * body by reference, so mqbench itself allocates nothing per message (the
 * client copies keys when --keys is on: rj_message_set_keys copies).
 *
 * Latency of a send is measured on the monotonic clock from the intended
 * send time (the pacer's, see bench_pacer.h; "now" without --rate) to the
 * return of a sync send or the start of the async callback. Async callbacks
 * get the intended time as their argument, encoded in the pointer, so no
 * per-send context has to be allocated; they run on the client's I/O thread
 * and record into that thread's own slot.
 */
#include "tools/mqbench/bench_run.h"

#include "tools/mqbench/bench_body.h"
#include "tools/mqbench/bench_pacer.h"

#include "common/alloc.h"
#include "ramjet/log.h"
#include "ramjet/status.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_PRINTED_ERRORS 10
#define KEY_MAX 64
#define PACE_MIN_SLEEP_NS 100000u

struct rj_bench_sender {
    rj_bench_run_t *run;
    rj_producer_t *producer;
    int index;
    pthread_t thread;
    bool started;
    rj_message_t **msgs;
    uint8_t *bodies; /* batch * size bytes */
};

/* The run whose async callbacks are outstanding; one run per process. */
static rj_bench_run_t *async_run;

uint64_t
rj_bench_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
rj_bench_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
rj_bench_report_error(rj_bench_run_t *run, const char *what, int status, const char *detail)
{
    int n = atomic_fetch_add(&run->errors_printed, 1);
    if (n < MAX_PRINTED_ERRORS) {
        fprintf(stderr, "mqbench: %s: %s%s%s\n", what, rj_strerror(status),
                detail != NULL && detail[0] != '\0' ? ": " : "", detail != NULL ? detail : "");
    } else if (n == MAX_PRINTED_ERRORS) {
        fprintf(stderr, "mqbench: further failures are counted, not printed\n");
    }
}

/* ---------------------------------------------------------------- in-flight */

/*
 * A sender that found every slot taken sleeps until the count is down to the
 * low-water mark (1/8 of the slots free), not just one slot: waking a sender
 * for every completion would cost a context switch per message.
 */
static int
inflight_low_water(const rj_bench_run_t *run)
{
    int limit = run->opts->inflight;
    return limit - (limit / 8 > 0 ? limit / 8 : 1);
}

static void
inflight_release(rj_bench_run_t *run)
{
    int now = atomic_fetch_sub(&run->inflight, 1) - 1;
    /* seq_cst pairs with inflight_acquire: a waiter either sees the count or is woken. */
    if (now <= inflight_low_water(run) && atomic_load(&run->inflight_waiters) > 0) {
        pthread_mutex_lock(&run->inflight_lock);
        pthread_cond_broadcast(&run->inflight_cond);
        pthread_mutex_unlock(&run->inflight_lock);
    }
}

/* Takes an in-flight slot; false when the run stops while waiting. */
static bool
inflight_acquire(rj_bench_run_t *run)
{
    int limit = run->opts->inflight;
    for (;;) {
        int n = atomic_load(&run->inflight);
        if (n < limit) {
            if (atomic_compare_exchange_weak(&run->inflight, &n, n + 1)) {
                return true;
            }
            continue;
        }
        pthread_mutex_lock(&run->inflight_lock);
        atomic_fetch_add(&run->inflight_waiters, 1);
        while (atomic_load(&run->inflight) > inflight_low_water(run) &&
               !atomic_load(&run->stop_sending)) {
            pthread_cond_wait(&run->inflight_cond, &run->inflight_lock);
        }
        atomic_fetch_sub(&run->inflight_waiters, 1);
        pthread_mutex_unlock(&run->inflight_lock);
        if (atomic_load(&run->stop_sending)) {
            return false;
        }
    }
}

/* ------------------------------------------------------------------ sending */

static void
record_outcome(rj_bench_run_t *run, int status, const rj_send_result_t *result, uint64_t start_ns)
{
    uint64_t n = (uint64_t)run->opts->batch;
    rj_bench_slot_t *slot = rj_bench_slot(&run->rec);
    if (slot == NULL) {
        return;
    }
    if (status == RJ_OK && rj_send_result_status(result) == RJ_SEND_OK) {
        uint64_t end = rj_bench_mono_ns();
        rj_histogram_record_n(&slot->send_ns, end > start_ns ? end - start_ns : 0, 1);
        rj_bench_slot_count(slot, RJ_BENCH_SENT, n);
        return;
    }
    rj_bench_slot_count(slot, RJ_BENCH_FAILED, n);
    if (status == RJ_OK) {
        char text[64];
        snprintf(text, sizeof(text), "send status %d (not SEND_OK)",
                 (int)rj_send_result_status(result));
        rj_bench_report_error(run, "send", RJ_EREMOTE, text);
    } else {
        const char *detail = result != NULL ? rj_send_result_error(result) : rj_last_error();
        rj_bench_report_error(run, "send", status, detail);
    }
}

static void
on_async_sent(int status, const rj_send_result_t *result, void *arg)
{
    rj_bench_run_t *run = async_run;
    record_outcome(run, status, result, (uint64_t)(uintptr_t)arg);
    inflight_release(run);
}

static void
sleep_ns(uint64_t ns)
{
    struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u),
                          .tv_nsec = (long)(ns % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void *
sender_main(void *arg)
{
    rj_bench_sender_t *s = arg;
    rj_bench_run_t *run = s->run;
    const rj_bench_options_t *o = run->opts;
    const rj_message_t *const *batch = (const rj_message_t *const *)s->msgs;
    rj_bench_pacer_t pacer;
    uint64_t seq = 0;
    char key[KEY_MAX];

    /*
     * The rate is split evenly among the threads. The bucket holds one second
     * of tokens: a sender that stalled (waiting for in-flight slots, or
     * descheduled on a busy machine) catches up instead of silently offering
     * less load, and its late messages are measured from when they were due.
     */
    double rate = o->rate / (double)run->sender_count;
    rj_bench_pacer_init(&pacer, rate, rate, rj_bench_mono_ns());

    while (!atomic_load_explicit(&run->stop_sending, memory_order_relaxed)) {
        uint64_t now = rj_bench_mono_ns(), intended, wait;
        while ((wait = rj_bench_pacer_take(&pacer, (unsigned)o->batch, now, &intended)) > 0) {
            /*
             * Sleep at least PACE_MIN_SLEEP_NS: one wake-up per message at tens of
             * thousands per second would cost the machine more than the sends.
             * Tokens accrued meanwhile go out back to back, each measured from
             * its due time, so the pacing delay counts against latency.
             */
            if (wait < PACE_MIN_SLEEP_NS) {
                wait = PACE_MIN_SLEEP_NS;
            }
            sleep_ns(wait > 100000000u ? 100000000u : wait);
            if (atomic_load_explicit(&run->stop_sending, memory_order_relaxed)) {
                return NULL;
            }
            now = rj_bench_mono_ns();
        }
        uint64_t wall = rj_bench_wall_ns() - (now - intended);
        for (int i = 0; i < o->batch; i++) {
            rj_bench_body_t h = {
                .run_id = run->run_id,
                .born_ns = wall,
                .seq = (uint64_t)s->index << 40 | seq,
            };
            rj_bench_body_stamp(s->bodies + (size_t)i * o->size, o->size, &h);
            if (o->keys) {
                snprintf(key, sizeof(key), "%08" PRIx32 "-%d-%" PRIu64, run->run_id, s->index, seq);
                rj_message_set_keys(s->msgs[i], key);
            }
            seq++;
        }

        int rc;
        rj_send_result_t *result = NULL;
        switch (o->mode) {
        case RJ_BENCH_SYNC:
            rc = o->batch > 1
                     ? rj_producer_send_batch(s->producer, batch, (size_t)o->batch, &result)
                     : rj_producer_send(s->producer, batch[0], &result);
            record_outcome(run, rc, result, intended);
            rj_send_result_destroy(result);
            break;
        case RJ_BENCH_ASYNC:
            if (!inflight_acquire(run)) {
                return NULL;
            }
            void *cb_arg = (void *)(uintptr_t)intended;
            rc = o->batch > 1
                     ? rj_producer_send_batch_async(s->producer, batch, (size_t)o->batch,
                                                    on_async_sent, cb_arg)
                     : rj_producer_send_async(s->producer, batch[0], on_async_sent, cb_arg);
            if (rc != RJ_OK) {
                record_outcome(run, rc, NULL, intended);
                inflight_release(run);
            }
            break;
        case RJ_BENCH_ONEWAY: {
            rc = rj_producer_send_oneway(s->producer, batch[0]);
            rj_bench_slot_t *slot = rj_bench_slot(&run->rec);
            if (slot != NULL) {
                rj_bench_slot_count(slot, rc == RJ_OK ? RJ_BENCH_SENT : RJ_BENCH_FAILED, 1);
            }
            if (rc != RJ_OK) {
                rj_bench_report_error(run, "one-way send", rc, rj_last_error());
            }
            break;
        }
        }
    }
    return NULL;
}

/* ------------------------------------------------------------- life cycle */

static int
create_producer(rj_bench_run_t *run, int index, rj_producer_t **out)
{
    const rj_bench_options_t *o = run->opts;
    rj_producer_t *p = NULL;
    char name[64];
    int rc;

    rc = rj_producer_create(o->command == RJ_BENCH_PRODUCE ? o->group : "mqbench_producer", &p);
    if (rc != RJ_OK) {
        fprintf(stderr, "mqbench: producer: %s: %s\n", rj_strerror(rc), rj_last_error());
        return rc;
    }
    snprintf(name, sizeof(name), "mqbench_%ld_%d", (long)getpid(), index);
    if ((rc = rj_producer_set_namesrv_addr(p, o->namesrv)) != RJ_OK ||
        (rc = rj_producer_set_instance_name(p, name)) != RJ_OK ||
        (rc = rj_producer_set_send_timeout(p, o->send_timeout_ms)) != RJ_OK ||
        (rc = rj_producer_set_default_topic_queue_nums(p, o->queues)) != RJ_OK ||
        (rc = rj_producer_start(p)) != RJ_OK) {
        fprintf(stderr, "mqbench: producer: %s: %s\n", rj_strerror(rc), rj_last_error());
        rj_producer_destroy(p);
        return rc;
    }
    *out = p;
    return RJ_OK;
}

static int
probe(rj_bench_run_t *run)
{
    const rj_bench_options_t *o = run->opts;
    rj_message_t *msg = NULL;
    rj_send_result_t *result = NULL;
    rj_message_queue_t *queues = NULL;
    size_t count = 0;
    static const char text[] = "mqbench probe";
    int rc;

    rc = rj_message_create(o->topic, &msg);
    if (rc == RJ_OK) {
        rc = rj_message_set_body(msg, text, sizeof(text) - 1);
    }
    if (rc == RJ_OK && o->tags[0] != '\0') {
        rc = rj_message_set_tags(msg, o->tags);
    }
    if (rc != RJ_OK) {
        fprintf(stderr, "mqbench: bad message for topic '%s': %s\n", o->topic, rj_strerror(rc));
        rj_message_destroy(msg);
        return rc;
    }
    rc = rj_producer_send(run->producers[0], msg, &result);
    rj_message_destroy(msg);
    if (rc != RJ_OK) {
        fprintf(stderr, "mqbench: cannot send to topic '%s' (name server %s): %s: %s\n", o->topic,
                o->namesrv, rj_strerror(rc), rj_last_error());
        return rc;
    }
    rj_send_result_destroy(result);
    rc = rj_producer_fetch_publish_queues(run->producers[0], o->topic, &queues, &count);
    if (rc != RJ_OK) {
        fprintf(stderr, "mqbench: no queues for topic '%s': %s: %s\n", o->topic, rj_strerror(rc),
                rj_last_error());
        return rc;
    }
    run->topic_queue_count = (int)count;
    rj_message_queues_free(queues);
    return RJ_OK;
}

int
rj_bench_produce_prepare(rj_bench_run_t *run)
{
    const rj_bench_options_t *o = run->opts;
    int rc;

    atomic_init(&run->stop_sending, false);
    atomic_init(&run->inflight, 0);
    atomic_init(&run->inflight_waiters, 0);
    pthread_mutex_init(&run->inflight_lock, NULL);
    pthread_cond_init(&run->inflight_cond, NULL);
    async_run = run;

    run->producers = rj_calloc((size_t)o->producers, sizeof(*run->producers));
    run->senders = rj_calloc((size_t)o->threads, sizeof(*run->senders));
    if (run->producers == NULL || run->senders == NULL) {
        return RJ_ENOMEM;
    }
    for (int i = 0; i < o->producers; i++) {
        rc = create_producer(run, i, &run->producers[i]);
        if (rc != RJ_OK) {
            return rc;
        }
        run->producer_count = i + 1;
    }
    rc = probe(run);
    if (rc != RJ_OK) {
        return rc;
    }

    for (int i = 0; i < o->threads; i++) {
        rj_bench_sender_t *s = &run->senders[i];
        s->run = run;
        s->index = i;
        s->producer = run->producers[i % o->producers];
        s->msgs = rj_calloc((size_t)o->batch, sizeof(*s->msgs));
        s->bodies = rj_malloc((size_t)o->batch * o->size);
        run->sender_count = i + 1;
        if (s->msgs == NULL || s->bodies == NULL) {
            return RJ_ENOMEM;
        }
        for (int j = 0; j < o->batch; j++) {
            uint8_t *body = s->bodies + (size_t)j * o->size;
            rj_bench_body_t h = {.run_id = run->run_id};
            rj_bench_body_init(body, o->size, &h);
            rc = rj_message_create(o->topic, &s->msgs[j]);
            if (rc == RJ_OK) {
                rc = rj_message_set_body_ref(s->msgs[j], body, o->size);
            }
            if (rc == RJ_OK && o->tags[0] != '\0') {
                rc = rj_message_set_tags(s->msgs[j], o->tags);
            }
            if (rc != RJ_OK) {
                fprintf(stderr, "mqbench: message: %s\n", rj_strerror(rc));
                return rc;
            }
        }
    }
    return RJ_OK;
}

int
rj_bench_produce_start(rj_bench_run_t *run)
{
    for (int i = 0; i < run->sender_count; i++) {
        rj_bench_sender_t *s = &run->senders[i];
        int err = pthread_create(&s->thread, NULL, sender_main, s);
        if (err != 0) {
            fprintf(stderr, "mqbench: cannot start sender thread: %s\n", strerror(err));
            return -err;
        }
        s->started = true;
    }
    return RJ_OK;
}

void
rj_bench_produce_halt(rj_bench_run_t *run)
{
    if (run->senders == NULL) {
        return;
    }
    atomic_store(&run->stop_sending, true);
    pthread_mutex_lock(&run->inflight_lock);
    pthread_cond_broadcast(&run->inflight_cond);
    pthread_mutex_unlock(&run->inflight_lock);
    for (int i = 0; i < run->sender_count; i++) {
        if (run->senders[i].started) {
            pthread_join(run->senders[i].thread, NULL);
            run->senders[i].started = false;
        }
    }
    /* Every accepted async send gets its callback: wait for them before shutting down. */
    uint64_t deadline =
        rj_bench_mono_ns() + (uint64_t)(run->opts->send_timeout_ms * 3 + 1000) * 1000000u;
    while (atomic_load(&run->inflight) > 0 && rj_bench_mono_ns() < deadline) {
        sleep_ns(1000000);
    }
}

void
rj_bench_produce_stop(rj_bench_run_t *run)
{
    if (run->senders == NULL && run->producers == NULL) {
        return;
    }
    rj_bench_produce_halt(run);
    for (int i = 0; i < run->producer_count; i++) {
        rj_producer_shutdown(run->producers[i]);
        rj_producer_destroy(run->producers[i]);
    }
    run->producer_count = 0;
    for (int i = 0; i < run->sender_count; i++) {
        rj_bench_sender_t *s = &run->senders[i];
        for (int j = 0; s->msgs != NULL && j < run->opts->batch; j++) {
            rj_message_destroy(s->msgs[j]);
        }
        rj_free(s->msgs);
        rj_free(s->bodies);
    }
    rj_free(run->senders);
    rj_free(run->producers);
    run->senders = NULL;
    run->producers = NULL;
    run->sender_count = 0;
    pthread_cond_destroy(&run->inflight_cond);
    pthread_mutex_destroy(&run->inflight_lock);
}
