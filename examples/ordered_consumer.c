/* Ordered consumption: one call at a time per queue, in queue order, while holding its lock. */
#include "example_common.h"

#include <unistd.h>

static rj_consume_orderly_status_t
on_messages(const rj_message_t *const *msgs, size_t count, rj_consume_context_t *ctx, void *arg)
{
    const rj_message_queue_t *mq = rj_consume_context_queue(ctx);
    (void)arg;
    for (size_t i = 0; i < count; i++) {
        size_t len;
        const char *body = rj_message_body(msgs[i], &len);
        printf("queue %d offset %lld: %.*s\n", (int)mq->queue_id,
               (long long)rj_message_queue_offset(msgs[i]), (int)len, body);
    }
    return RJ_CONSUME_ORDERLY_SUCCESS;
}

int
main(int argc, char **argv)
{
    rj_push_consumer_t *consumer;
    int seconds = argc > 2 ? atoi(argv[2]) : 30;

    rj_log_set_callback(example_log, RJ_LOG_LEVEL_WARN, NULL);
    example_check(rj_push_consumer_create("ordered_consumer_group", &consumer), "create");
    example_check(rj_push_consumer_set_namesrv_addr(consumer, example_namesrv(argc, argv)),
                  "namesrv");
    example_check(rj_push_consumer_set_consume_from(consumer, RJ_CONSUME_FROM_FIRST_OFFSET, 0),
                  "consume from");
    example_check(rj_push_consumer_subscribe(consumer, "TopicOrder", "*"), "subscribe");
    example_check(rj_push_consumer_set_orderly_listener(consumer, on_messages, NULL), "listener");
    example_check(rj_push_consumer_start(consumer), "start");
    sleep((unsigned)seconds);
    rj_push_consumer_destroy(consumer);
    return 0;
}
