/*
 * Every public function called with NULL objects and NULL / zero arguments:
 * each returns an error code (or NULL, 0, "") and none crashes. Generated
 * from the RJ_API declarations of the public headers; a new public function
 * must be added here.
 */
#include "ramjet/ramjet.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void
test_every_public_function_rejects_null_objects(void **state)
{
    assert_true(rj_admin_create(NULL, NULL) < 0);
    rj_admin_destroy(NULL);
    assert_true(rj_admin_set_timeout(NULL, 0) < 0);
    assert_true(rj_admin_create_topic(NULL, NULL, NULL, 0, 0) < 0);
    assert_true(rj_admin_topic_queues(NULL, NULL, NULL, NULL) < 0);
    assert_true(rj_admin_broker_addr(NULL, NULL, NULL, NULL, 0) < 0);
    assert_true(rj_admin_max_offset(NULL, NULL, NULL) < 0);
    assert_true(rj_admin_min_offset(NULL, NULL, NULL) < 0);
    assert_true(rj_admin_search_offset(NULL, NULL, 0, NULL) < 0);
    assert_true(rj_admin_consumer_offset(NULL, NULL, NULL, NULL) < 0);
    assert_true(rj_admin_consumer_ids(NULL, NULL, NULL, NULL, NULL) < 0);
    rj_admin_free(NULL);
    assert_null(rj_consume_context_queue(NULL));
    assert_true(rj_consume_context_set_ack_index(NULL, 0) < 0);
    assert_true(rj_consume_context_set_delay_level(NULL, 0) < 0);
    assert_true(rj_consume_context_set_suspend_time(NULL, 0) < 0);
    assert_true(rj_push_consumer_create(NULL, NULL) < 0);
    rj_push_consumer_destroy(NULL);
    assert_true(rj_push_consumer_set_namesrv_addr(NULL, NULL) < 0);
    assert_true(rj_push_consumer_set_instance_name(NULL, NULL) < 0);
    assert_true(rj_push_consumer_set_message_model(NULL, 0) < 0);
    assert_true(rj_push_consumer_set_consume_from(NULL, 0, 0) < 0);
    assert_true(rj_push_consumer_set_allocate_strategy(NULL, 0) < 0);
    assert_true(rj_push_consumer_set_consume_thread_count(NULL, 0) < 0);
    assert_true(rj_push_consumer_set_consume_batch_size(NULL, 0) < 0);
    assert_true(rj_push_consumer_set_pull_batch_size(NULL, 0) < 0);
    assert_true(rj_push_consumer_set_pull_threshold(NULL, 0, 0) < 0);
    assert_true(rj_push_consumer_set_max_reconsume_times(NULL, 0) < 0);
    assert_true(rj_push_consumer_set_consume_timeout(NULL, 0) < 0);
    assert_true(rj_push_consumer_set_suspend_time(NULL, 0) < 0);
    assert_true(rj_push_consumer_set_offset_store_dir(NULL, NULL) < 0);
    assert_true(rj_push_consumer_set_poll_namesrv_interval(NULL, 0) < 0);
    assert_true(rj_push_consumer_set_heartbeat_interval(NULL, 0) < 0);
    assert_true(rj_push_consumer_set_persist_offset_interval(NULL, 0) < 0);
    assert_true(rj_push_consumer_set_rebalance_interval(NULL, 0) < 0);
    assert_true(rj_push_consumer_subscribe(NULL, NULL, NULL) < 0);
    assert_true(rj_push_consumer_subscribe_sql(NULL, NULL, NULL) < 0);
    assert_true(rj_push_consumer_unsubscribe(NULL, NULL) < 0);
    assert_true(rj_push_consumer_set_listener(NULL, NULL, NULL) < 0);
    assert_true(rj_push_consumer_set_orderly_listener(NULL, NULL, NULL) < 0);
    assert_true(rj_push_consumer_start(NULL) < 0);
    assert_true(rj_push_consumer_shutdown(NULL) < 0);
    assert_true(rj_push_consumer_suspend(NULL) < 0);
    assert_true(rj_push_consumer_resume(NULL) < 0);
    assert_null(rj_push_consumer_client_id(NULL));
    assert_true(rj_push_consumer_assigned_queues(NULL, NULL, NULL, NULL) < 0);
    assert_true(rj_pull_consumer_create(NULL, NULL) < 0);
    rj_pull_consumer_destroy(NULL);
    assert_true(rj_pull_consumer_set_namesrv_addr(NULL, NULL) < 0);
    assert_true(rj_pull_consumer_set_instance_name(NULL, NULL) < 0);
    assert_true(rj_pull_consumer_set_message_model(NULL, 0) < 0);
    assert_true(rj_pull_consumer_set_consume_from(NULL, 0, 0) < 0);
    assert_true(rj_pull_consumer_set_allocate_strategy(NULL, 0) < 0);
    assert_true(rj_pull_consumer_set_pull_batch_size(NULL, 0) < 0);
    assert_true(rj_pull_consumer_set_auto_commit(NULL, 0, 0) < 0);
    assert_true(rj_pull_consumer_set_pull_threshold(NULL, 0) < 0);
    assert_true(rj_pull_consumer_set_offset_store_dir(NULL, NULL) < 0);
    assert_true(rj_pull_consumer_set_poll_namesrv_interval(NULL, 0) < 0);
    assert_true(rj_pull_consumer_set_heartbeat_interval(NULL, 0) < 0);
    assert_true(rj_pull_consumer_set_rebalance_interval(NULL, 0) < 0);
    assert_true(rj_pull_consumer_subscribe(NULL, NULL, NULL) < 0);
    assert_true(rj_pull_consumer_assign(NULL, NULL, 0) < 0);
    assert_true(rj_pull_consumer_fetch_queues(NULL, NULL, NULL, NULL) < 0);
    assert_true(rj_pull_consumer_start(NULL) < 0);
    assert_true(rj_pull_consumer_shutdown(NULL) < 0);
    assert_true(rj_pull_consumer_poll(NULL, 0, NULL) < 0);
    assert_int_equal(rj_poll_result_count(NULL), 0);
    assert_null(rj_poll_result_message(NULL, 0));
    rj_poll_result_destroy(NULL);
    assert_true(rj_pull_consumer_seek(NULL, NULL, 0) < 0);
    assert_true(rj_pull_consumer_seek_to_begin(NULL, NULL) < 0);
    assert_true(rj_pull_consumer_seek_to_end(NULL, NULL) < 0);
    assert_true(rj_pull_consumer_commit_sync(NULL) < 0);
    assert_true(rj_pull_consumer_commit_offset(NULL, NULL, 0) < 0);
    assert_true(rj_pull_consumer_committed(NULL, NULL, NULL) < 0);
    assert_true(rj_pull_consumer_pause(NULL, NULL, 0) < 0);
    assert_true(rj_pull_consumer_resume(NULL, NULL, 0) < 0);
    assert_true(rj_pull_consumer_assigned_queues(NULL, NULL, NULL) < 0);
    assert_true(rj_message_create(NULL, NULL) < 0);
    rj_message_destroy(NULL);
    assert_true(rj_message_set_topic(NULL, NULL) < 0);
    assert_true(rj_message_set_body(NULL, NULL, 0) < 0);
    assert_true(rj_message_set_body_ref(NULL, NULL, 0) < 0);
    assert_true(rj_message_set_tags(NULL, NULL) < 0);
    assert_true(rj_message_set_keys(NULL, NULL) < 0);
    assert_true(rj_message_set_property(NULL, NULL, NULL) < 0);
    assert_true(rj_message_set_delay_level(NULL, 0) < 0);
    assert_true(rj_message_set_deliver_time_ms(NULL, 0) < 0);
    assert_true(rj_message_set_delay_time_ms(NULL, 0) < 0);
    assert_true(rj_message_set_delay_time_sec(NULL, 0) < 0);
    assert_true(rj_message_set_flag(NULL, 0) < 0);
    assert_true(rj_message_set_wait_store_ok(NULL, 0) < 0);
    assert_null(rj_message_topic(NULL));
    assert_null(rj_message_body(NULL, NULL));
    assert_null(rj_message_tags(NULL));
    assert_null(rj_message_keys(NULL));
    assert_null(rj_message_property(NULL, NULL));
    assert_int_equal(rj_message_property_count(NULL), 0);
    assert_true(rj_message_property_at(NULL, 0, NULL, NULL) < 0);
    (void)rj_message_flag(NULL);                       /* int32_t: a neutral value, no crash */
    assert_int_equal(rj_message_delay_level(NULL), 0); /* a getter: no level */
    assert_null(rj_message_msg_id(NULL));
    assert_null(rj_message_offset_msg_id(NULL));
    assert_null(rj_message_broker_name(NULL));
    (void)rj_message_queue_id(NULL);                    /* int32_t: a neutral value, no crash */
    (void)rj_message_queue_offset(NULL);                /* int64_t: a neutral value, no crash */
    (void)rj_message_commitlog_offset(NULL);            /* int64_t: a neutral value, no crash */
    (void)rj_message_born_timestamp(NULL);              /* int64_t: a neutral value, no crash */
    (void)rj_message_store_timestamp(NULL);             /* int64_t: a neutral value, no crash */
    (void)rj_message_reconsume_times(NULL);             /* int32_t: a neutral value, no crash */
    (void)rj_message_sys_flag(NULL);                    /* int32_t: a neutral value, no crash */
    (void)rj_message_body_crc(NULL);                    /* int32_t: a neutral value, no crash */
    (void)rj_message_store_size(NULL);                  /* int32_t: a neutral value, no crash */
    (void)rj_message_prepared_transaction_offset(NULL); /* int64_t: a neutral value, no crash */
    assert_null(rj_message_transaction_id(NULL));
    assert_true(rj_message_born_host(NULL, NULL, 0) < 0);
    assert_true(rj_message_store_host(NULL, NULL, 0) < 0);
    assert_true(rj_producer_create(NULL, NULL) < 0);
    rj_producer_destroy(NULL);
    assert_true(rj_producer_start(NULL) < 0);
    assert_true(rj_producer_shutdown(NULL) < 0);
    assert_true(rj_producer_set_namesrv_addr(NULL, NULL) < 0);
    assert_true(rj_producer_set_instance_name(NULL, NULL) < 0);
    assert_true(rj_producer_set_send_timeout(NULL, 0) < 0);
    assert_true(rj_producer_set_retry_times(NULL, 0) < 0);
    assert_true(rj_producer_set_async_retry_times(NULL, 0) < 0);
    assert_true(rj_producer_set_retry_another_broker_when_not_store_ok(NULL, 0) < 0);
    assert_true(rj_producer_set_compress_threshold(NULL, 0) < 0);
    assert_true(rj_producer_set_compress_level(NULL, 0) < 0);
    assert_true(rj_producer_set_max_message_size(NULL, 0) < 0);
    assert_true(rj_producer_set_latency_fault_enable(NULL, 0) < 0);
    assert_true(rj_producer_set_max_inflight_async(NULL, 0) < 0);
    assert_true(rj_producer_set_default_topic_queue_nums(NULL, 0) < 0);
    assert_true(rj_producer_set_poll_namesrv_interval(NULL, 0) < 0);
    assert_true(rj_producer_set_heartbeat_interval(NULL, 0) < 0);
    assert_true(rj_producer_set_transaction_listener(NULL, NULL, NULL, NULL) < 0);
    assert_true(rj_producer_send(NULL, NULL, NULL) < 0);
    assert_true(rj_producer_send_async(NULL, NULL, NULL, NULL) < 0);
    assert_true(rj_producer_send_oneway(NULL, NULL) < 0);
    assert_true(rj_producer_send_select(NULL, NULL, NULL, NULL, NULL) < 0);
    assert_true(rj_producer_send_select_async(NULL, NULL, NULL, NULL, NULL, NULL) < 0);
    assert_true(rj_producer_send_to_queue(NULL, NULL, NULL, NULL) < 0);
    assert_true(rj_producer_send_to_queue_async(NULL, NULL, NULL, NULL, NULL) < 0);
    assert_true(rj_producer_send_batch(NULL, NULL, 0, NULL) < 0);
    assert_true(rj_producer_send_batch_async(NULL, NULL, 0, NULL, NULL) < 0);
    assert_true(rj_producer_send_in_transaction(NULL, NULL, NULL, NULL) < 0);
    assert_true(rj_producer_fetch_publish_queues(NULL, NULL, NULL, NULL) < 0);
    rj_message_queues_free(NULL);
    rj_send_result_destroy(NULL);
    (void)rj_send_result_status(NULL); /* rj_send_status_t: a neutral value, no crash */
    assert_null(rj_send_result_msg_id(NULL));
    assert_null(rj_send_result_offset_msg_id(NULL));
    assert_null(rj_send_result_topic(NULL));
    assert_null(rj_send_result_broker_name(NULL));
    (void)rj_send_result_queue_id(NULL);     /* int32_t: a neutral value, no crash */
    (void)rj_send_result_queue_offset(NULL); /* int64_t: a neutral value, no crash */
    assert_null(rj_send_result_transaction_id(NULL));
    (void)rj_send_result_transaction_state(
        NULL); /* rj_transaction_state_t: a neutral value, no crash */
    assert_int_equal(rj_send_result_response_code(NULL), 0); /* a getter: no code */
    assert_string_equal(rj_send_result_error(NULL), "");
}

static void
log_cb(int level, const char *line, size_t len, void *arg)
{
    (void)level;
    (void)line;
    (void)len;
    (void)arg;
}

static void
test_library_wide_functions(void **state)
{
    assert_int_equal(rj_log_set_callback(log_cb, -1, NULL), RJ_EINVAL);
    assert_int_equal(rj_log_set_callback(log_cb, 99, NULL), RJ_EINVAL);
    assert_int_equal(rj_log_set_callback(log_cb, RJ_LOG_LEVEL_ERROR, NULL), RJ_OK);
    assert_int_equal(rj_log_set_callback(NULL, RJ_LOG_LEVEL_INFO, NULL), RJ_OK);
    assert_non_null(rj_last_error());
    assert_non_null(rj_strerror(RJ_ENOROUTE));
    assert_non_null(rj_strerror(12345));
    assert_non_null(rj_status_name(RJ_EINVAL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_public_function_rejects_null_objects),
        cmocka_unit_test(test_library_wide_functions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
