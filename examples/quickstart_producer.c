/* Quick start: send 10 messages synchronously and print where they went. */
#include "example_common.h"

#include <string.h>

int
main(int argc, char **argv)
{
    rj_producer_t *producer;
    rj_message_t *msg;

    rj_log_set_callback(example_log, RJ_LOG_LEVEL_WARN, NULL);
    example_check(rj_producer_create("please_rename_unique_group_name", &producer), "create");
    example_check(rj_producer_set_namesrv_addr(producer, example_namesrv(argc, argv)), "namesrv");
    example_check(rj_producer_start(producer), "start");
    example_check(rj_message_create("TopicTest", &msg), "message");
    rj_message_set_tags(msg, "TagA");
    for (int i = 0; i < 10; i++) {
        char body[64];
        rj_send_result_t *result;
        snprintf(body, sizeof(body), "Hello RocketMQ %d", i);
        rj_message_set_body(msg, body, strlen(body));
        example_check(rj_producer_send(producer, msg, &result), "send");
        printf("SendResult [status=%d, msgId=%s, offsetMsgId=%s, broker=%s, queueId=%d, "
               "queueOffset=%lld]\n",
               (int)rj_send_result_status(result), rj_send_result_msg_id(result),
               rj_send_result_offset_msg_id(result), rj_send_result_broker_name(result),
               (int)rj_send_result_queue_id(result),
               (long long)rj_send_result_queue_offset(result));
        rj_send_result_destroy(result);
    }
    rj_message_destroy(msg);
    rj_producer_destroy(producer);
    return 0;
}
