/*
 * Delayed and timer messages: delay level 3 (10 s on a default broker), and
 * a delivery time 5 s ahead (timer messages need a RocketMQ 5 broker with the
 * timer wheel; other brokers deliver them at once or reject them).
 */
#include "example_common.h"

#include <string.h>
#include <time.h>

int
main(int argc, char **argv)
{
    rj_producer_t *producer;
    rj_message_t *msg;
    rj_send_result_t *result;
    struct timespec now;

    rj_log_set_callback(example_log, RJ_LOG_LEVEL_WARN, NULL);
    example_check(rj_producer_create("delay_producer_group", &producer), "create");
    example_check(rj_producer_set_namesrv_addr(producer, example_namesrv(argc, argv)), "namesrv");
    example_check(rj_producer_start(producer), "start");

    example_check(rj_message_create("TestTopic", &msg), "message");
    rj_message_set_body(msg, "delayed by level 3", 18);
    example_check(rj_message_set_delay_level(msg, 3), "delay level");
    example_check(rj_producer_send(producer, msg, &result), "send delayed");
    printf("delay-level message %s stored\n", rj_send_result_msg_id(result));
    rj_send_result_destroy(result);
    rj_message_destroy(msg);

    clock_gettime(CLOCK_REALTIME, &now);
    example_check(rj_message_create("TestTopic", &msg), "message");
    rj_message_set_body(msg, "deliver in 5 s", 14);
    example_check(rj_message_set_deliver_time_ms(msg, (int64_t)now.tv_sec * 1000 + 5000),
                  "deliver time");
    int rc = rj_producer_send(producer, msg, &result);
    if (rc == RJ_OK) {
        printf("timer message %s stored\n", rj_send_result_msg_id(result));
        rj_send_result_destroy(result);
    } else {
        printf("timer message not accepted: %s\n", rj_last_error());
    }
    rj_message_destroy(msg);
    rj_producer_destroy(producer);
    return 0;
}
