/* Quick start: a clustering push consumer printing what it receives, for `seconds` (arg 2). */
#include "example_common.h"

#include <unistd.h>

static rj_consume_status_t
on_messages(const rj_message_t *const *msgs, size_t count, rj_consume_context_t *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    for (size_t i = 0; i < count; i++) {
        size_t len;
        const char *body = rj_message_body(msgs[i], &len);
        printf("Receive New Messages: msgId=%s queueId=%d offset=%lld body=%.*s\n",
               rj_message_msg_id(msgs[i]), (int)rj_message_queue_id(msgs[i]),
               (long long)rj_message_queue_offset(msgs[i]), (int)len, body);
    }
    return RJ_CONSUME_SUCCESS;
}

int
main(int argc, char **argv)
{
    rj_push_consumer_t *consumer;
    int seconds = argc > 2 ? atoi(argv[2]) : 30;

    rj_log_set_callback(example_log, RJ_LOG_LEVEL_WARN, NULL);
    example_check(rj_push_consumer_create("please_rename_unique_group_name_4", &consumer),
                  "create");
    example_check(rj_push_consumer_set_namesrv_addr(consumer, example_namesrv(argc, argv)),
                  "namesrv");
    example_check(rj_push_consumer_set_consume_from(consumer, RJ_CONSUME_FROM_FIRST_OFFSET, 0),
                  "consume from");
    example_check(rj_push_consumer_subscribe(consumer, "TopicTest", "*"), "subscribe");
    example_check(rj_push_consumer_set_listener(consumer, on_messages, NULL), "listener");
    example_check(rj_push_consumer_start(consumer), "start");
    printf("Consumer Started.\n");
    sleep((unsigned)seconds);
    rj_push_consumer_destroy(consumer);
    return 0;
}
