/* Commit-log flushing: group commit completions, timeouts, async flush, shutdown. */
#include "store/store_internal.h"

#include "common/clock.h"
#include "ramjet/status.h"
#include "store_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

typedef struct {
    char *dir;
    rj_store_config_t cfg;
    rj_store_t *s;
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = rj_calloc(1, sizeof(*f));
    f->dir = st_make_dir("flush");
    st_config(&f->cfg, f->dir);
    st_log_start();
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_store_close(f->s);
    rj_store_config_cleanup(&f->cfg);
    rj_fs_remove_tree(f->dir);
    rj_free(f->dir);
    rj_free(f);
    return 0;
}

typedef struct {
    _Atomic int calls;
    _Atomic int status;
} done_t;

static void
on_done(rj_store_flush_waiter_t *w, rj_put_status_t st)
{
    done_t *d = w->data;
    atomic_store(&d->status, (int)st);
    atomic_fetch_add(&d->calls, 1);
}

static void
wait_calls(done_t *d, int n, int ms)
{
    for (int i = 0; i < ms && atomic_load(&d->calls) < n; i++) {
        rj_clock_sleep_ms(1);
    }
}

static void
test_waker_times_out_and_wakes(void **state)
{
    (void)state;
    rj_waker_t w;
    rj_waker_init(&w);
    int64_t t0 = rj_clock_mono_ms();
    rj_waker_wait(&w, 30, NULL, NULL);
    assert_true(rj_clock_mono_ms() - t0 >= 25);
    rj_waker_wake_force(&w);
    t0 = rj_clock_mono_ms();
    rj_waker_wait(&w, 5000, NULL, NULL);
    assert_true(rj_clock_mono_ms() - t0 < 1000);
    rj_waker_destroy(&w);
}

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool entered;
    bool release;
} gate_t;

/* A slow completion: holds the flush thread until the test opens the gate. */
static void
on_done_blocking(rj_store_flush_waiter_t *w, rj_put_status_t st)
{
    (void)st;
    gate_t *g = w->data;
    pthread_mutex_lock(&g->mu);
    g->entered = true;
    pthread_cond_broadcast(&g->cond);
    while (!g->release) {
        pthread_cond_wait(&g->cond, &g->mu);
    }
    pthread_mutex_unlock(&g->mu);
}

static void
test_stuck_flush_completes_waiter_with_timeout_once(void **state)
{
    fixture_t *f = *state;
    f->cfg.flush_disk_type = RJ_FLUSH_SYNC;
    /* Long enough that the first waiter is always completed by the flush
     * thread, never by the timeout watcher (which the gate would then hold). */
    f->cfg.sync_flush_timeout = 60000;
    assert_int_equal(rj_store_open(&f->cfg, NULL, &f->s), 0);
    assert_int_equal(rj_store_start(f->s), 0);
    rj_store_put_result_t r;
    rj_store_msg_t m = st_msg("W", 0, "first", "");
    gate_t g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false};
    rj_store_flush_waiter_t w1 = {.cb = on_done_blocking, .data = &g};
    assert_int_equal(rj_store_put(f->s, &m, &w1, &r), RJ_PUT_OK);
    /* The flush thread is now stuck in the first completion. */
    pthread_mutex_lock(&g.mu);
    while (!g.entered) {
        pthread_cond_wait(&g.cond, &g.mu);
    }
    pthread_mutex_unlock(&g.mu);
    char err[128];
    assert_int_equal(rj_store_set_config(f->s, "syncFlushTimeout", "50", err, sizeof(err)), 0);
    done_t d = {0, -1};
    rj_store_flush_waiter_t w = {.cb = on_done, .data = &d};
    assert_int_equal(rj_store_put(f->s, &m, &w, &r), RJ_PUT_OK);
    assert_true(r.flush_pending);
    wait_calls(&d, 1, 3000);
    assert_int_equal(atomic_load(&d.calls), 1);
    assert_int_equal(atomic_load(&d.status), RJ_PUT_FLUSH_DISK_TIMEOUT);
    pthread_mutex_lock(&g.mu);
    g.release = true;
    pthread_cond_broadcast(&g.cond);
    pthread_mutex_unlock(&g.mu);
    /* The flush catches up later; the waiter is not completed twice. */
    rj_store_stats_t st;
    for (int i = 0; i < 5000; i++) {
        rj_store_get_stats(f->s, &st);
        if (st.commit_log_flushed_offset >= r.phy_offset + r.wrote_bytes) {
            break;
        }
        rj_clock_sleep_ms(1);
    }
    rj_clock_sleep_ms(20);
    assert_int_equal(atomic_load(&d.calls), 1);
    rj_store_get_stats(f->s, &st);
    assert_int_equal(st.flush_disk_timeouts, 1);
    assert_true(st.commit_log_flushed_offset >= r.phy_offset + r.wrote_bytes);
    assert_true(st_log_contains("FLUSH_DISK_TIMEOUT"));
    /* The message was stored anyway. */
    rj_store_view_t v;
    assert_int_equal(rj_store_select_message(f->s, r.phy_offset, &v), 0);
    rj_store_view_release(&v);
}

static void
test_async_flush_reaches_the_end(void **state)
{
    fixture_t *f = *state;
    f->cfg.flush_commit_log_least_pages = 0;
    assert_int_equal(rj_store_open(&f->cfg, NULL, &f->s), 0);
    assert_int_equal(rj_store_start(f->s), 0);
    rj_store_put_result_t r;
    done_t d = {0, -1};
    rj_store_flush_waiter_t w = {.cb = on_done, .data = &d};
    for (int i = 0; i < 100; i++) {
        rj_store_msg_t m = st_msg("A", 0, "async", "");
        assert_int_equal(rj_store_put(f->s, &m, &w, &r), RJ_PUT_OK);
        assert_false(r.flush_pending);
    }
    rj_store_stats_t st;
    for (int i = 0; i < 2000; i++) {
        rj_store_get_stats(f->s, &st);
        if (st.commit_log_flushed_offset == st.commit_log_max_offset) {
            break;
        }
        rj_clock_sleep_ms(1);
    }
    assert_int_equal(st.commit_log_flushed_offset, st.commit_log_max_offset);
    assert_int_equal(atomic_load(&d.calls), 0);
}

static void
test_shutdown_answers_pending_waiters(void **state)
{
    fixture_t *f = *state;
    f->cfg.flush_disk_type = RJ_FLUSH_SYNC;
    assert_int_equal(rj_store_open(&f->cfg, NULL, &f->s), 0);
    assert_int_equal(rj_store_start(f->s), 0);
    done_t d = {0, -1};
    rj_store_flush_waiter_t w[50];
    rj_store_put_result_t r;
    for (int i = 0; i < 50; i++) {
        w[i].cb = on_done;
        w[i].data = &d;
        rj_store_msg_t m = st_msg("X", i % 2, "bye", "");
        assert_int_equal(rj_store_put(f->s, &m, &w[i], &r), RJ_PUT_OK);
    }
    rj_store_close(f->s);
    f->s = NULL;
    assert_int_equal(atomic_load(&d.calls), 50);
    assert_int_equal(atomic_load(&d.status), RJ_PUT_OK);
}

typedef struct {
    rj_store_t *s;
    int n;
    _Atomic int ok;
} writer_t;

static void *
writer_main(void *arg)
{
    writer_t *w = arg;
    for (int i = 0; i < w->n; i++) {
        rj_store_msg_t m = st_msg("G", i % 4, "group commit", "");
        rj_store_put_result_t r;
        if (rj_store_put(w->s, &m, NULL, &r) == RJ_PUT_OK) {
            atomic_fetch_add(&w->ok, 1);
        }
    }
    return NULL;
}

static void
test_concurrent_sync_puts_share_fsyncs(void **state)
{
    fixture_t *f = *state;
    f->cfg.flush_disk_type = RJ_FLUSH_SYNC;
    assert_int_equal(rj_store_open(&f->cfg, NULL, &f->s), 0);
    assert_int_equal(rj_store_start(f->s), 0);
    writer_t w = {f->s, 200, 0};
    pthread_t t[8];
    for (int i = 0; i < 8; i++) {
        pthread_create(&t[i], NULL, writer_main, &w);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
    }
    assert_int_equal(atomic_load(&w.ok), 1600);
    rj_store_stats_t st;
    rj_store_get_stats(f->s, &st);
    assert_true(st.commit_log_flushed_offset >= 0);
    assert_int_equal(st.flush_disk_timeouts, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_waker_times_out_and_wakes),
        cmocka_unit_test_setup_teardown(test_stuck_flush_completes_waiter_with_timeout_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_async_flush_reaches_the_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_answers_pending_waiters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_sync_puts_share_fsyncs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
