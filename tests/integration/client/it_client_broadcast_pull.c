/*
 * Broadcasting push consumers (every member gets everything, offsets kept in
 * a local file, reused by a restarted member) and the lite pull consumer
 * (subscribe with auto commit, assign with seek and manual commit).
 */
#include "client_fixture.h"

#include "common/buf.h"
#include "common/clock.h"
#include "common/fs.h"
#include "support/tempdir.h"
#include "support/wait.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static it_cluster_t cluster;

static int
group_setup(void **state)
{
    it_log_from_env();
    it_cluster_start(&cluster, 1);
    return 0;
}

static int
group_teardown(void **state)
{
    it_cluster_stop(&cluster);
    return 0;
}

static rj_push_consumer_t *
broadcast_member(const char *instance, const char *dir, it_seen_t *s)
{
    rj_push_consumer_t *c;
    assert_int_equal(rj_push_consumer_create("it_bcast", &c), RJ_OK);
    assert_int_equal(rj_push_consumer_set_namesrv_addr(c, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_push_consumer_set_message_model(c, RJ_MESSAGE_MODEL_BROADCASTING), RJ_OK);
    assert_int_equal(rj_push_consumer_set_consume_from(c, RJ_CONSUME_FROM_FIRST_OFFSET, 0), RJ_OK);
    assert_int_equal(rj_push_consumer_set_instance_name(c, instance), RJ_OK);
    assert_int_equal(rj_push_consumer_set_offset_store_dir(c, dir), RJ_OK);
    assert_int_equal(rj_push_consumer_set_persist_offset_interval(c, 200), RJ_OK);
    assert_int_equal(rj_push_consumer_subscribe(c, "IT_Bcast", "*"), RJ_OK);
    assert_int_equal(rj_push_consumer_set_listener(c, it_record_listener, s), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);
    return c;
}

static void
test_broadcast_reaches_every_member_and_offsets_stay_local(void **state)
{
    it_seen_t s1, s2, s3;
    char *dir;
    char path[512];

    it_seen_init(&s1);
    it_seen_init(&s2);
    assert_int_equal(rj_tempdir_create("it-bcast", &dir), 0);
    it_create_topic(&cluster, "IT_Bcast", 4);
    it_produce(&cluster, "IT_Bcast", 0, 100, NULL);
    rj_push_consumer_t *c1 = broadcast_member("m1", dir, &s1);
    rj_push_consumer_t *c2 = broadcast_member("m2", dir, &s2);
    assert_true(it_seen_wait(&s1, 100, 15000));
    assert_true(it_seen_wait(&s2, 100, 15000));
    snprintf(path, sizeof(path), "%s/%s/it_bcast/offsets.json", dir,
             rj_push_consumer_client_id(c1));
    rj_push_consumer_destroy(c1);
    rj_push_consumer_destroy(c2);

    /* The file holds every queue's next offset; the broker holds nothing for the group. */
    rj_buf_t text = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_file(path, &text), 0);
    assert_int_equal(rj_buf_terminate(&text), 0);
    assert_non_null(strstr((char *)text.data, "\"topic\":\"IT_Bcast\"}:"));
    rj_buf_cleanup(&text);
    rj_admin_t *a;
    rj_message_queue_t *qs;
    size_t n;
    assert_int_equal(rj_admin_create(it_namesrv(&cluster), &a), RJ_OK);
    assert_int_equal(rj_admin_topic_queues(a, "IT_Bcast", &qs, &n), RJ_OK);
    for (size_t i = 0; i < n; i++) {
        int64_t off;
        assert_int_equal(rj_admin_consumer_offset(a, "it_bcast", &qs[i], &off), RJ_OK);
        /* A 4.9.8 broker answers 0 (not "not found") for a young queue without offset. */
        assert_true(off == -1 || off == 0);
    }
    rj_message_queues_free(qs);
    rj_admin_destroy(a);

    /* Member m1 comes back: it resumes from its file, old messages are not repeated. */
    it_seen_init(&s3);
    c1 = broadcast_member("m1", dir, &s3);
    it_produce(&cluster, "IT_Bcast", 100, 10, NULL);
    assert_true(it_seen_wait(&s3, 10, 15000));
    rj_clock_sleep_ms(300);
    assert_int_equal(s3.count, 10);
    rj_push_consumer_destroy(c1);
    rj_tempdir_remove(dir);
}

static int
poll_into(rj_pull_consumer_t *c, it_seen_t *s, int want, int timeout_ms)
{
    int got = 0;
    int64_t deadline = rj_clock_mono_ms() + timeout_ms;
    while (got < want && rj_clock_mono_ms() < deadline) {
        rj_poll_result_t *r;
        int rc = rj_pull_consumer_poll(c, 200, &r);
        if (rc == RJ_ETIMEDOUT) {
            continue;
        }
        assert_int_equal(rc, RJ_OK);
        for (size_t i = 0; i < rj_poll_result_count(r); i++) {
            it_seen_add(s, rj_poll_result_message(r, i));
            got++;
        }
        rj_poll_result_destroy(r);
    }
    return got;
}

static void
test_lite_pull_subscribe_and_assign(void **state)
{
    it_seen_t s;
    rj_pull_consumer_t *c;

    it_seen_init(&s);
    it_create_topic(&cluster, "IT_Lite", 2);
    it_produce(&cluster, "IT_Lite", 0, 60, NULL);
    assert_int_equal(rj_pull_consumer_create("it_lite", &c), RJ_OK);
    assert_int_equal(rj_pull_consumer_set_namesrv_addr(c, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_pull_consumer_set_consume_from(c, RJ_CONSUME_FROM_FIRST_OFFSET, 0), RJ_OK);
    assert_int_equal(rj_pull_consumer_subscribe(c, "IT_Lite", "*"), RJ_OK);
    assert_int_equal(rj_pull_consumer_start(c), RJ_OK);
    assert_int_equal(poll_into(c, &s, 60, 15000), 60);
    assert_int_equal(s.distinct, 60);
    assert_int_equal(rj_pull_consumer_commit_sync(c), RJ_OK);
    rj_pull_consumer_destroy(c);

    /* Assign one queue, seek into it, commit by hand. */
    rj_admin_t *a;
    rj_message_queue_t *qs;
    size_t n;
    int64_t max;
    assert_int_equal(rj_admin_create(it_namesrv(&cluster), &a), RJ_OK);
    assert_int_equal(rj_admin_topic_queues(a, "IT_Lite", &qs, &n), RJ_OK);
    assert_int_equal(n, 2);
    assert_int_equal(rj_admin_max_offset(a, &qs[0], &max), RJ_OK);
    assert_true(max > 5);
    int64_t committed;
    assert_int_equal(rj_admin_consumer_offset(a, "it_lite", &qs[0], &committed), RJ_OK);
    assert_int_equal(committed, max); /* commit_sync stored everything polled */
    assert_int_equal(rj_pull_consumer_create("it_lite2", &c), RJ_OK);
    assert_int_equal(rj_pull_consumer_set_namesrv_addr(c, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_pull_consumer_set_auto_commit(c, false, 0), RJ_OK);
    assert_int_equal(rj_pull_consumer_assign(c, &qs[0], 1), RJ_OK);
    assert_int_equal(rj_pull_consumer_start(c), RJ_OK);
    assert_int_equal(rj_pull_consumer_seek(c, &qs[0], max - 5), RJ_OK);
    it_seen_t s2;
    it_seen_init(&s2);
    assert_int_equal(poll_into(c, &s2, 5, 10000), 5);
    assert_int_equal(rj_pull_consumer_commit_offset(c, &qs[0], max - 2), RJ_OK);
    assert_int_equal(rj_admin_consumer_offset(a, "it_lite2", &qs[0], &committed), RJ_OK);
    assert_int_equal(committed, max - 2);
    rj_pull_consumer_destroy(c);
    rj_message_queues_free(qs);
    rj_admin_destroy(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broadcast_reaches_every_member_and_offsets_stay_local),
        cmocka_unit_test(test_lite_pull_subscribe_and_assign),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
