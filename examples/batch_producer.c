/* Batch send: three messages of one topic stored together in one queue. */
#include "example_common.h"

#include <string.h>

int
main(int argc, char **argv)
{
    rj_producer_t *producer;
    rj_message_t *msgs[3];
    rj_send_result_t *result;

    rj_log_set_callback(example_log, RJ_LOG_LEVEL_WARN, NULL);
    example_check(rj_producer_create("batch_producer_group", &producer), "create");
    example_check(rj_producer_set_namesrv_addr(producer, example_namesrv(argc, argv)), "namesrv");
    example_check(rj_producer_start(producer), "start");
    for (int i = 0; i < 3; i++) {
        char body[32], keys[16];
        example_check(rj_message_create("BatchTest", &msgs[i]), "message");
        snprintf(body, sizeof(body), "Hello world %d", i);
        snprintf(keys, sizeof(keys), "OrderID00%d", i + 1);
        rj_message_set_body(msgs[i], body, strlen(body));
        rj_message_set_tags(msgs[i], "TagA");
        rj_message_set_keys(msgs[i], keys);
    }
    example_check(rj_producer_send_batch(producer, (const rj_message_t *const *)msgs, 3, &result),
                  "send batch");
    printf("batch stored in queue %d from offset %lld, ids %s\n",
           (int)rj_send_result_queue_id(result), (long long)rj_send_result_queue_offset(result),
           rj_send_result_msg_id(result));
    rj_send_result_destroy(result);
    for (int i = 0; i < 3; i++) {
        rj_message_destroy(msgs[i]);
    }
    rj_producer_destroy(producer);
    return 0;
}
