/*
 * Lite pull consumer: subscribe and poll with auto commit, then assign one
 * queue, seek to its beginning and commit by hand.
 */
#include "example_common.h"

static int
drain(rj_pull_consumer_t *consumer, int polls)
{
    int total = 0;
    for (int i = 0; i < polls; i++) {
        rj_poll_result_t *result;
        if (rj_pull_consumer_poll(consumer, 1000, &result) != RJ_OK) {
            continue;
        }
        for (size_t k = 0; k < rj_poll_result_count(result); k++) {
            const rj_message_t *msg = rj_poll_result_message(result, k);
            size_t len;
            const char *body = rj_message_body(msg, &len);
            printf("queue %d offset %lld: %.*s\n", (int)rj_message_queue_id(msg),
                   (long long)rj_message_queue_offset(msg), (int)len, body);
            total++;
        }
        rj_poll_result_destroy(result);
    }
    return total;
}

int
main(int argc, char **argv)
{
    rj_pull_consumer_t *consumer;
    rj_message_queue_t *queues;
    size_t count;

    rj_log_set_callback(example_log, RJ_LOG_LEVEL_WARN, NULL);
    example_check(rj_pull_consumer_create("lite_pull_consumer_test", &consumer), "create");
    example_check(rj_pull_consumer_set_namesrv_addr(consumer, example_namesrv(argc, argv)),
                  "namesrv");
    example_check(rj_pull_consumer_set_consume_from(consumer, RJ_CONSUME_FROM_FIRST_OFFSET, 0),
                  "consume from");
    example_check(rj_pull_consumer_subscribe(consumer, "TopicTest", "*"), "subscribe");
    example_check(rj_pull_consumer_start(consumer), "start");
    printf("polled %d messages\n", drain(consumer, 5));
    rj_pull_consumer_destroy(consumer);

    example_check(rj_pull_consumer_create("lite_pull_consumer_assign", &consumer), "create");
    example_check(rj_pull_consumer_set_namesrv_addr(consumer, example_namesrv(argc, argv)),
                  "namesrv");
    example_check(rj_pull_consumer_set_auto_commit(consumer, false, 0), "auto commit");
    /* Queues are listed once started; assign the first one. */
    example_check(rj_pull_consumer_assign(consumer, NULL, 0), "assign");
    example_check(rj_pull_consumer_start(consumer), "start");
    example_check(rj_pull_consumer_fetch_queues(consumer, "TopicTest", &queues, &count), "queues");
    if (count > 0) {
        example_check(rj_pull_consumer_assign(consumer, &queues[0], 1), "assign");
        example_check(rj_pull_consumer_seek_to_begin(consumer, &queues[0]), "seek");
        printf("polled %d messages from queue 0\n", drain(consumer, 3));
        example_check(rj_pull_consumer_commit_sync(consumer), "commit");
    }
    rj_message_queues_free(queues);
    rj_pull_consumer_destroy(consumer);
    return 0;
}
