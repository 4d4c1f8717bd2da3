/* Ordered messages: every order id goes to one queue (selector = id mod queue count). */
#include "example_common.h"

#include <string.h>

static int
select_by_order_id(const rj_message_queue_t *queues, size_t count, const rj_message_t *msg,
                   void *arg)
{
    (void)queues;
    (void)msg;
    return *(const int *)arg % (int)count;
}

int
main(int argc, char **argv)
{
    static const char *const steps[] = {"created", "paid", "shipped", "done"};
    rj_producer_t *producer;
    rj_message_t *msg;

    rj_log_set_callback(example_log, RJ_LOG_LEVEL_WARN, NULL);
    example_check(rj_producer_create("ordered_producer_group", &producer), "create");
    example_check(rj_producer_set_namesrv_addr(producer, example_namesrv(argc, argv)), "namesrv");
    example_check(rj_producer_start(producer), "start");
    example_check(rj_message_create("TopicOrder", &msg), "message");
    for (int step = 0; step < 4; step++) {
        for (int order = 0; order < 10; order++) {
            char body[64], keys[32];
            rj_send_result_t *result;
            snprintf(body, sizeof(body), "order %d %s", order, steps[step]);
            snprintf(keys, sizeof(keys), "order-%d", order);
            rj_message_set_body(msg, body, strlen(body));
            rj_message_set_keys(msg, keys);
            example_check(
                rj_producer_send_select(producer, msg, select_by_order_id, &order, &result),
                "send");
            printf("%s -> queue %d\n", body, (int)rj_send_result_queue_id(result));
            rj_send_result_destroy(result);
        }
    }
    rj_message_destroy(msg);
    rj_producer_destroy(producer);
    return 0;
}
