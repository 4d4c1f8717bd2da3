/* Per-thread measurement slots: one slot per thread, merged snapshots, diffs. */
#include "tools/mqbench/bench_recorder.h"

#include <pthread.h>
#include <stdlib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#define THREADS 4
#define PER_THREAD 100000

static rj_bench_recorder_t rec;

static void *
worker(void *arg)
{
    uint64_t base = (uint64_t)(uintptr_t)arg;
    rj_bench_slot_t *s = rj_bench_slot(&rec);
    assert_non_null(s);
    for (int i = 0; i < PER_THREAD; i++) {
        /* Each call must hand back the same slot to the same thread. */
        assert_ptr_equal(rj_bench_slot(&rec), s);
        rj_histogram_record(&s->send_ns, base + (uint64_t)i);
        rj_bench_slot_count(s, RJ_BENCH_SENT, 1);
    }
    rj_bench_slot_count(s, RJ_BENCH_FAILED, 3);
    return NULL;
}

static void
test_threads_record_into_own_slots_and_snapshot_merges(void **state)
{
    pthread_t t[THREADS];
    rj_bench_snapshot_t *snap = malloc(sizeof(*snap));
    (void)state;
    assert_non_null(snap);
    rj_bench_recorder_init(&rec);
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i * 1000000)), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
    }
    assert_int_equal(atomic_load(&rec.slot_count), THREADS);
    rj_bench_recorder_snapshot(&rec, snap);
    assert_int_equal(snap->counters[RJ_BENCH_SENT], THREADS * PER_THREAD);
    assert_int_equal(snap->counters[RJ_BENCH_FAILED], THREADS * 3);
    assert_int_equal(snap->counters[RJ_BENCH_RECEIVED], 0);
    assert_int_equal(rj_histogram_count(&snap->send_ns), THREADS * PER_THREAD);
    assert_int_equal(rj_histogram_count(&snap->e2e_ns), 0);
    assert_int_equal(rj_histogram_max(&snap->send_ns), (THREADS - 1) * 1000000 + PER_THREAD - 1);
    rj_bench_recorder_cleanup(&rec);
    free(snap);
}

static void
test_new_recorder_gets_fresh_slot_in_same_thread(void **state)
{
    rj_bench_recorder_t a, b;
    (void)state;
    rj_bench_recorder_init(&a);
    rj_bench_slot_t *sa = rj_bench_slot(&a);
    rj_bench_slot_count(sa, RJ_BENCH_RECEIVED, 5);
    rj_bench_recorder_cleanup(&a);
    rj_bench_recorder_init(&b);
    rj_bench_slot_t *sb = rj_bench_slot(&b);
    assert_non_null(sb);
    assert_int_equal(atomic_load(&sb->counters[RJ_BENCH_RECEIVED]), 0);
    assert_int_equal(atomic_load(&b.slot_count), 1);
    rj_bench_recorder_cleanup(&b);
}

static void
test_snapshot_diff_subtracts_counters_and_histograms(void **state)
{
    rj_bench_recorder_t r;
    rj_bench_snapshot_t *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)), *d = malloc(sizeof(*d));
    (void)state;
    rj_bench_recorder_init(&r);
    rj_bench_slot_t *s = rj_bench_slot(&r);
    rj_histogram_record_n(&s->e2e_ns, 500, 10);
    rj_bench_slot_count(s, RJ_BENCH_RECEIVED, 10);
    rj_bench_recorder_snapshot(&r, a);
    rj_histogram_record_n(&s->e2e_ns, 900000, 4);
    rj_bench_slot_count(s, RJ_BENCH_RECEIVED, 4);
    rj_bench_slot_count(s, RJ_BENCH_FOREIGN, 2);
    rj_bench_recorder_snapshot(&r, b);
    rj_bench_snapshot_diff(d, b, a);
    assert_int_equal(d->counters[RJ_BENCH_RECEIVED], 4);
    assert_int_equal(d->counters[RJ_BENCH_FOREIGN], 2);
    assert_int_equal(rj_histogram_count(&d->e2e_ns), 4);
    uint64_t p50 = rj_histogram_percentile(&d->e2e_ns, 50);
    assert_true(p50 >= 900000 && p50 <= 900000 + 900000 / 128);
    /* A counter that went backwards (it cannot) would give 0, not a wrapped huge value. */
    rj_bench_snapshot_diff(d, a, b);
    assert_int_equal(d->counters[RJ_BENCH_RECEIVED], 0);
    rj_bench_recorder_cleanup(&r);
    free(a);
    free(b);
    free(d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_record_into_own_slots_and_snapshot_merges),
        cmocka_unit_test(test_new_recorder_gets_fresh_slot_in_same_thread),
        cmocka_unit_test(test_snapshot_diff_subtracts_counters_and_histograms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
