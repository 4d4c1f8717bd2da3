/*
 * Topic and consumer-group preparation through the admin API, before any
 * message is timed:
 *
 *  - a topic the name servers do not know is created with --queues queues on
 *    every master (so mqbench also works against brokers that refuse to
 *    auto-create topics); if that fails the probe send still lets a broker
 *    with autoCreateTopicEnable create it;
 *  - e2e moves its consumer group to the end of every queue first. Without
 *    stored progress a RocketMQ broker starts a new group at offset 0 while
 *    the queue's first message is still in memory, so an e2e run on a used
 *    topic would otherwise consume the whole backlog before its own
 *    messages.
 */
#include "tools/mqbench/bench_run.h"

#include "ramjet/admin.h"
#include "ramjet/log.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <unistd.h>

int
rj_bench_topic_prepare(const rj_bench_options_t *o)
{
    rj_admin_t *a = NULL;
    rj_message_queue_t *queues = NULL;
    size_t count = 0;
    int rc;

    rc = rj_admin_create(o->namesrv, &a);
    if (rc != RJ_OK) {
        fprintf(stderr, "mqbench: admin client: %s: %s\n", rj_strerror(rc), rj_last_error());
        return rc;
    }
    rc = rj_admin_topic_queues(a, o->topic, &queues, &count);
    rj_message_queues_free(queues);
    if (rc == RJ_ENOROUTE && o->command != RJ_BENCH_CONSUME) {
        rc = rj_admin_create_topic(a, NULL, o->topic, o->queues, false);
        if (rc == RJ_OK) {
            fprintf(stderr, "mqbench: created topic %s with %d queues per master\n", o->topic,
                    o->queues);
        } else {
            fprintf(stderr,
                    "mqbench: cannot create topic %s (%s: %s); counting on the broker's "
                    "auto-creation\n",
                    o->topic, rj_strerror(rc), rj_last_error());
            rc = RJ_OK;
        }
    } else if (rc == RJ_ENOROUTE) {
        fprintf(stderr, "mqbench: topic %s does not exist yet; waiting for a producer\n", o->topic);
        rc = RJ_OK;
    } else if (rc != RJ_OK) {
        fprintf(stderr, "mqbench: route of topic %s: %s: %s\n", o->topic, rj_strerror(rc),
                rj_last_error());
    }
    rj_admin_destroy(a);
    return rc;
}

int
rj_bench_group_to_end(const rj_bench_options_t *o)
{
    rj_admin_t *a = NULL;
    rj_pull_consumer_t *c = NULL;
    rj_message_queue_t *queues = NULL;
    size_t count = 0;
    char name[64];
    int rc;

    snprintf(name, sizeof(name), "mqbench_%ld_position", (long)getpid());
    if ((rc = rj_admin_create(o->namesrv, &a)) != RJ_OK ||
        (rc = rj_admin_topic_queues(a, o->topic, &queues, &count)) != RJ_OK ||
        (rc = rj_pull_consumer_create(o->group, &c)) != RJ_OK ||
        (rc = rj_pull_consumer_set_namesrv_addr(c, o->namesrv)) != RJ_OK ||
        (rc = rj_pull_consumer_set_instance_name(c, name)) != RJ_OK ||
        (rc = rj_pull_consumer_set_auto_commit(c, false, 5000)) != RJ_OK ||
        (rc = rj_pull_consumer_assign(c, queues, count)) != RJ_OK ||
        (rc = rj_pull_consumer_start(c)) != RJ_OK) {
        goto done;
    }
    for (size_t i = 0; i < count && rc == RJ_OK; i++) {
        int64_t end;
        rc = rj_admin_max_offset(a, &queues[i], &end);
        if (rc == RJ_OK) {
            rc = rj_pull_consumer_commit_offset(c, &queues[i], end);
        }
    }
done:
    if (rc != RJ_OK) {
        fprintf(stderr,
                "mqbench: cannot move group %s to the end of %s (%s: %s); older messages will be "
                "skipped as foreign\n",
                o->group, o->topic, rj_strerror(rc), rj_last_error());
    }
    if (c != NULL) {
        rj_pull_consumer_shutdown(c);
        rj_pull_consumer_destroy(c);
    }
    rj_message_queues_free(queues);
    rj_admin_destroy(a);
    return rc;
}
