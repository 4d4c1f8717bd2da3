/*
 * Transactional producer: each message is stored as a half message, the
 * local transaction decides (here: commit even numbers, roll back odd ones,
 * leave every third undecided so the broker checks back later).
 */
#include "example_common.h"

#include <string.h>
#include <unistd.h>

static rj_transaction_state_t
execute_local(const rj_message_t *msg, const char *transaction_id, void *exec_arg, void *arg)
{
    int n = *(int *)exec_arg;
    (void)msg;
    (void)arg;
    printf("local transaction %s for message %d\n", transaction_id, n);
    if (n % 3 == 2) {
        return RJ_TRANSACTION_UNKNOWN;
    }
    return n % 2 == 0 ? RJ_TRANSACTION_COMMIT : RJ_TRANSACTION_ROLLBACK;
}

static rj_transaction_state_t
check_local(const rj_message_t *msg, void *arg)
{
    (void)arg;
    printf("broker checks transaction %s: commit\n", rj_message_transaction_id(msg));
    return RJ_TRANSACTION_COMMIT;
}

int
main(int argc, char **argv)
{
    rj_producer_t *producer;
    rj_message_t *msg;
    int wait_s = argc > 2 ? atoi(argv[2]) : 0;

    rj_log_set_callback(example_log, RJ_LOG_LEVEL_WARN, NULL);
    example_check(rj_producer_create("please_rename_unique_group_name", &producer), "create");
    example_check(rj_producer_set_namesrv_addr(producer, example_namesrv(argc, argv)), "namesrv");
    example_check(rj_producer_set_transaction_listener(producer, execute_local, check_local, NULL),
                  "listener");
    example_check(rj_producer_start(producer), "start");
    example_check(rj_message_create("TopicTest1234", &msg), "message");
    for (int i = 0; i < 10; i++) {
        char body[32];
        rj_send_result_t *result;
        snprintf(body, sizeof(body), "Hello RocketMQ %d", i);
        rj_message_set_body(msg, body, strlen(body));
        int rc = rj_producer_send_in_transaction(producer, msg, &i, &result);
        if (rc != RJ_OK) {
            printf("message %d: %s\n", i, rj_last_error());
            continue;
        }
        printf("message %d: half stored, local state %d\n", i,
               (int)rj_send_result_transaction_state(result));
        rj_send_result_destroy(result);
    }
    /* Stay up so the broker can check the undecided transactions. */
    sleep((unsigned)wait_s);
    rj_message_destroy(msg);
    rj_producer_destroy(producer);
    return 0;
}
