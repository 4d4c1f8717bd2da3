/* Process queue: commit offsets under out-of-order removal, orderly take/commit/again. */
#include "client/process_queue.h"

#include "common/alloc.h"
#include "ramjet/status.h"
#include "support/golden.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* 32 messages, offsets 0..31 (golden pull of frame 72). */
static rj_pull_batch_t *
batch(void)
{
    rj_golden_frame_t f;
    rj_pull_batch_t *b;
    assert_int_equal(rj_golden_frame_load(72, &f), 0);
    assert_int_equal(rj_pull_batch_decode(f.body.data, f.body.len, "broker-a", 0, 250, &b), RJ_OK);
    rj_golden_frame_cleanup(&f);
    return b;
}

static rj_process_queue_t *
queue(void)
{
    rj_message_queue_t mq = {"TopicTest", "broker-a", 1};
    rj_process_queue_t *pq = rj_pq_create(&mq, NULL);
    assert_non_null(pq);
    assert_string_equal(pq->mq.topic, "TopicTest");
    return pq;
}

static void
test_commit_offset_is_first_pending_then_max_plus_one(void **state)
{
    rj_process_queue_t *pq = queue();
    rj_pull_batch_t *b = batch();
    int rc;

    assert_true(rj_pq_put(pq, b, &rc)); /* first put asks for dispatch */
    assert_int_equal(rc, RJ_OK);
    assert_int_equal(rj_pq_msg_count(pq), 32);
    assert_int_equal(rj_pq_max_span(pq), 31);
    assert_int_equal(pq->msg_acc_cnt, 250 - 31);
    /* Messages 5..31 done first: the commit stays at 0. */
    assert_int_equal(rj_pq_remove(pq, &b->kept[5], 27), 0);
    assert_int_equal(rj_pq_msg_count(pq), 5);
    /* 0..3 done: commit at 4. */
    assert_int_equal(rj_pq_remove(pq, &b->kept[0], 4), 4);
    /* Removing twice changes nothing. */
    assert_int_equal(rj_pq_remove(pq, &b->kept[0], 4), 4);
    /* Last one: everything consumed, commit after the highest offset. */
    assert_int_equal(rj_pq_remove(pq, &b->kept[4], 1), 32);
    assert_int_equal(rj_pq_msg_count(pq), 0);
    assert_int_equal(rj_pq_msg_size(pq), 0);
    /* Empty queue: nothing to say. */
    assert_int_equal(rj_pq_remove(pq, &b->kept[4], 1), -1);
    rj_pull_batch_release(b);
    rj_pq_release(pq);
}

static void
test_orderly_take_commit_and_again(void **state)
{
    rj_process_queue_t *pq = queue();
    rj_pull_batch_t *b = batch();
    rj_message_t *out[8];
    int rc;

    rj_pq_put(pq, b, &rc);
    assert_int_equal(rj_pq_take(pq, 3, out), 3);
    assert_int_equal(rj_message_queue_offset(out[0]), 0);
    assert_int_equal(rj_message_queue_offset(out[2]), 2);
    rj_pq_make_again(pq); /* SUSPEND: the same three come back */
    assert_int_equal(rj_pq_take(pq, 3, out), 3);
    assert_int_equal(rj_message_queue_offset(out[0]), 0);
    assert_int_equal(rj_pq_commit(pq), 3);
    assert_int_equal(rj_pq_take(pq, 8, out), 8);
    assert_int_equal(rj_message_queue_offset(out[0]), 3);
    assert_int_equal(rj_pq_commit(pq), 11);
    while (rj_pq_take(pq, 8, out) > 0) {
        rj_pq_commit(pq);
    }
    assert_false(pq->consuming); /* nothing left: the consume task may stop */
    assert_int_equal(rj_pq_msg_count(pq), 0);
    rj_pull_batch_release(b);
    rj_pq_release(pq);
}

static void
test_clear_drops_everything_and_duplicates_are_ignored(void **state)
{
    rj_process_queue_t *pq = queue();
    rj_pull_batch_t *b = batch();
    int rc;

    rj_pq_put(pq, b, &rc);
    assert_false(rj_pq_put(pq, b, &rc)); /* same offsets again: not added, no new dispatch */
    assert_int_equal(rj_pq_msg_count(pq), 32);
    rj_pq_clear(pq);
    assert_int_equal(rj_pq_msg_count(pq), 0);
    assert_int_equal(rj_pq_remove(pq, &b->kept[0], 1), -1);
    rj_pull_batch_release(b); /* the last reference: the queue released its own */
    assert_true(rj_pq_is_pull_expired(pq, atomic_load(&pq->last_pull_ms) + 120001));
    assert_false(rj_pq_is_lock_expired(pq, atomic_load(&pq->last_lock_ms) + 30000));
    rj_pq_release(pq);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_offset_is_first_pending_then_max_plus_one),
        cmocka_unit_test(test_orderly_take_commit_and_again),
        cmocka_unit_test(test_clear_drops_everything_and_duplicates_are_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
