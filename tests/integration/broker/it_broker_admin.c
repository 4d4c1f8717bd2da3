/*
 * Administration and query codes against a real broker: topic and
 * subscription-group management, broker config (live changes, black list),
 * runtime info, topic and consume statistics (fastjson object keys),
 * connection lists, message queries by key and offset id, consume-queue and
 * time-span queries, offset cloning and reset (pushed to the consumer), and
 * calls forwarded to a consumer (GET_CONSUMER_RUNNING_INFO).
 */
#include "broker_fixture.h"

#include "common/alloc.h"
#include "common/clock.h"
#include "common/fs.h"
#include "common/json.h"
#include "ramjet/status.h"
#include "support/wait.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static it_cluster_t cluster;

static int
group_setup(void **state)
{
    (void)state;
    it_cluster_start(&cluster, NULL);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    it_cluster_stop(&cluster);
    return 0;
}

static json_t *
body_json(rj_raw_reply_t *r)
{
    json_t *j = rj_json_parse(r->body.data, r->body.len, NULL, 0);
    if (j == NULL) {
        fail_msg("body does not parse: %s", rj_raw_reply_body_text(r));
    }
    return j;
}

/* Waits until the queue's max offset reaches `want`. */
static void
wait_max_offset(rj_raw_client_t *c, const char *topic, int qid, int64_t want)
{
    char ext[256];
    snprintf(ext, sizeof(ext), "{\"topic\":\"%s\",\"queueId\":\"%d\"}", topic, qid);
    int64_t deadline = rj_clock_mono_ms() + IT_TIMEOUT_MS;
    for (;;) {
        rj_raw_reply_t r;
        it_call(c, 30, IT_VERSION_JAVA, ext, NULL, 0, &r);
        int64_t v = strtoll(rj_raw_reply_ext(&r, "offset"), NULL, 10);
        rj_raw_reply_cleanup(&r);
        if (v >= want) {
            return;
        }
        assert_true(rj_clock_mono_ms() < deadline);
        rj_clock_sleep_ms(2);
    }
}

static void
test_topic_admin(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    rj_raw_reply_t r;
    /* ali-ons' UPDATE_AND_CREATE_TOPIC, answered as 4.9.8 does. */
    it_golden_send(c, 104, &r);
    it_golden_expect(&r, 107, (const char *const[]){"remark", NULL});
    rj_raw_reply_cleanup(&r);
    it_call(c, 17, IT_VERSION_JAVA,
            "{\"topic\":\"TBW102\",\"defaultTopic\":\"TBW102\",\"readQueueNums\":\"8\","
            "\"writeQueueNums\":\"8\",\"perm\":\"7\",\"topicFilterType\":\"SINGLE_TAG\","
            "\"order\":\"false\"}",
            NULL, 0, &r);
    assert_int_equal(r.code, 1);
    assert_string_equal(r.remark, "The topic[TBW102] is conflict with system topic.");
    rj_raw_reply_cleanup(&r);
    it_call(c, 17, IT_VERSION_JAVA,
            "{\"topic\":\"BadQ\",\"defaultTopic\":\"TBW102\",\"readQueueNums\":\"-1\","
            "\"writeQueueNums\":\"8\",\"perm\":\"6\",\"topicFilterType\":\"SINGLE_TAG\","
            "\"order\":\"false\"}",
            NULL, 0, &r);
    assert_int_equal(r.code, 1);
    rj_raw_reply_cleanup(&r);

    it_call(c, 21, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_non_null(r.ext);
    json_t *all = body_json(&r);
    json_t *tc = json_object_get(json_object_get(all, "topicConfigTable"), "AlionsAcceptance");
    assert_int_equal(json_integer_value(json_object_get(tc, "writeQueueNums")), 4);
    assert_int_equal(json_integer_value(json_object_get(tc, "perm")), 6);
    json_decref(all);
    rj_raw_reply_cleanup(&r);

    it_call(c, 305, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(rj_raw_reply_body_text(&r), "\"SCHEDULE_TOPIC_XXXX\""));
    assert_non_null(strstr(rj_raw_reply_body_text(&r), "\"DefaultCluster\""));
    rj_raw_reply_cleanup(&r);

    /* Topic stats: fastjson MessageQueue keys. */
    for (int i = 0; i < 2; i++) {
        it_send_message(c, "AlionsAcceptance", 0, "TAGS\001TagA\002KEYS\001adminKey", "b", 1, &r);
        assert_int_equal(r.code, 0);
        rj_raw_reply_cleanup(&r);
    }
    wait_max_offset(c, "AlionsAcceptance", 0, 2);
    it_call(c, 202, IT_VERSION_JAVA, "{\"topic\":\"AlionsAcceptance\"}", NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(rj_raw_reply_body_text(&r),
                           "{\"brokerName\":\"broker-a\",\"queueId\":0,\"topic\":"
                           "\"AlionsAcceptance\"}:{\"lastUpdateTimestamp\":"));
    assert_non_null(strstr(rj_raw_reply_body_text(&r), "\"maxOffset\":2,\"minOffset\":0}"));
    rj_raw_reply_cleanup(&r);
    it_call(c, 202, IT_VERSION_JAVA, "{\"topic\":\"NoSuch\"}", NULL, 0, &r);
    assert_int_equal(r.code, 17);
    assert_string_equal(r.remark, "topic[NoSuch] not exist");
    rj_raw_reply_cleanup(&r);

    /* Query by key, then view by the offset id of the send. */
    it_call(c, 12, IT_VERSION_JAVA,
            "{\"topic\":\"AlionsAcceptance\",\"key\":\"adminKey\",\"maxNum\":\"32\","
            "\"beginTimestamp\":\"0\",\"endTimestamp\":\"9999999999999\"}",
            NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_int_equal(it_count_records(&r), 2);
    assert_non_null(rj_raw_reply_ext(&r, "indexLastUpdateTimestamp"));
    rj_raw_reply_cleanup(&r);
    it_call(c, 12, IT_VERSION_JAVA,
            "{\"topic\":\"AlionsAcceptance\",\"key\":\"noSuchKeyVectors\",\"maxNum\":\"32\","
            "\"beginTimestamp\":\"0\",\"endTimestamp\":\"9999999999999\"}",
            NULL, 0, &r);
    it_golden_expect(&r, 199, (const char *const[]){"remark", NULL});
    rj_raw_reply_cleanup(&r);
    it_call(c, 33, IT_VERSION_JAVA, "{\"offset\":\"1099511627776\"}", NULL, 0, &r);
    it_golden_expect(&r, 193, (const char *const[]){"remark", NULL});
    rj_raw_reply_cleanup(&r);
    it_call(c, 33, IT_VERSION_JAVA, "{\"offset\":\"0\"}", NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_int_equal(it_count_records(&r), 1);
    rj_raw_reply_cleanup(&r);

    /* Consume queue and time span. */
    it_call(c, 321, IT_VERSION_JAVA,
            "{\"topic\":\"AlionsAcceptance\",\"queueId\":\"0\",\"index\":\"0\",\"count\":\"10\"}",
            NULL, 0, &r);
    assert_int_equal(r.code, 0);
    json_t *cq = body_json(&r);
    assert_int_equal(json_integer_value(json_object_get(cq, "maxQueueIndex")), 2);
    json_t *units = json_object_get(cq, "queueData");
    assert_int_equal(json_array_size(units), 2);
    /* "TagA".hashCode() */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(units, 0), "tagsCode")),
                     2598919);
    json_decref(cq);
    rj_raw_reply_cleanup(&r);
    it_call(c, 303, IT_VERSION_JAVA, "{\"topic\":\"AlionsAcceptance\",\"group\":\"nobody\"}", NULL,
            0, &r);
    assert_int_equal(r.code, 0);
    json_t *span = body_json(&r);
    assert_int_equal(json_array_size(json_object_get(span, "consumeTimeSpanSet")), 4);
    json_decref(span);
    rj_raw_reply_cleanup(&r);

    /* Delete: gone from the table. */
    it_call(c, 215, IT_VERSION_JAVA, "{\"topic\":\"AlionsAcceptance\"}", NULL, 0, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    it_call(c, 202, IT_VERSION_JAVA, "{\"topic\":\"AlionsAcceptance\"}", NULL, 0, &r);
    assert_int_equal(r.code, 17);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

static void
test_broker_config_and_runtime_info(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    rj_raw_reply_t r;
    it_call(c, 26, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(rj_raw_reply_body_text(&r), "\nautoCreateTopicEnable=true\n"));
    const char *v1 = rj_raw_reply_ext(&r, "version");
    assert_non_null(v1);
    assert_non_null(strstr(v1, "\"counter\":0"));
    rj_raw_reply_cleanup(&r);

    const char *upd = "autoCreateTopicEnable=false\nfileReservedTime=24\n";
    it_call(c, 25, IT_VERSION_JAVA, NULL, upd, strlen(upd), &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    it_call(c, 26, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_non_null(strstr(rj_raw_reply_body_text(&r), "\nautoCreateTopicEnable=false\n"));
    assert_non_null(strstr(rj_raw_reply_body_text(&r), "\nfileReservedTime=24\n"));
    assert_non_null(strstr(rj_raw_reply_ext(&r, "version"), "\"counter\":1"));
    rj_raw_reply_cleanup(&r);
    /* Off now: a send to an unknown topic is refused. */
    it_send_message(c, "NeverCreated", 0, NULL, "x", 1, &r);
    assert_int_equal(r.code, 17);
    rj_raw_reply_cleanup(&r);
    const char *back = "autoCreateTopicEnable=true\n";
    it_call(c, 25, IT_VERSION_JAVA, NULL, back, strlen(back), &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);

    const char *black = "brokerConfigPath=/tmp/x\n";
    it_call(c, 25, IT_VERSION_JAVA, NULL, black, strlen(black), &r);
    assert_int_equal(r.code, 16);
    assert_string_equal(r.remark, "Can not update config in black list.");
    rj_raw_reply_cleanup(&r);
    const char *fixed = "listenPort=1\n";
    it_call(c, 25, IT_VERSION_JAVA, NULL, fixed, strlen(fixed), &r);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.remark, "listenPort"));
    rj_raw_reply_cleanup(&r);
    const char *bad = "fileReservedTime=soon\n";
    it_call(c, 25, IT_VERSION_JAVA, NULL, bad, strlen(bad), &r);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.remark, "fileReservedTime"));
    rj_raw_reply_cleanup(&r);

    it_call(c, 28, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_int_equal(r.code, 0);
    json_t *kv = body_json(&r);
    json_t *table = json_object_get(kv, "table");
    assert_string_equal(json_string_value(json_object_get(table, "brokerVersionDesc")), "V4_9_8");
    assert_string_equal(json_string_value(json_object_get(table, "brokerVersion")), "409");
    assert_non_null(json_object_get(table, "putTps"));
    assert_non_null(json_object_get(table, "pageCacheLockTimeMills"));
    assert_non_null(json_object_get(table, "commitLogDiskRatio"));
    assert_true(
        strtoll(json_string_value(json_object_get(table, "msgPutTotalTodayNow")), NULL, 10) >= 2);
    json_decref(kv);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

/* Keys whose name carries a path of the capturing machine: compared by their prefix. */
static const char *
runtime_key_class(const char *key)
{
    return strncmp(key, "commitLogDiskRatio_", 19) == 0 ? "commitLogDiskRatio_" : key;
}

static bool
has_key_class(const json_t *table, const char *cls)
{
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)table, k, v)
    {
        if (strcmp(runtime_key_class(k), cls) == 0) {
            return true;
        }
    }
    return false;
}

static void
test_runtime_info_has_the_keys_of_rocketmq(void **state)
{
    (void)state;
    rj_golden_frame_t g;
    assert_int_equal(rj_golden_frame_load(24, &g), 0);
    json_t *want = rj_json_parse(g.body.data, g.body.len, NULL, 0);
    const json_t *want_table = json_object_get(want, "table");
    assert_true(json_object_size(want_table) > 40);

    rj_raw_client_t *c = it_connect(cluster.broker);
    rj_raw_reply_t r;
    it_call(c, 28, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_int_equal(r.code, 0);
    json_t *mine = body_json(&r);
    const json_t *table = json_object_get(mine, "table");
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)want_table, k, v)
    {
        if (!has_key_class(table, runtime_key_class(k))) {
            fail_msg("runtime info lacks %s", k);
        }
    }
    json_object_foreach((json_t *)table, k, v)
    {
        if (!has_key_class(want_table, runtime_key_class(k))) {
            fail_msg("runtime info has %s, which 4.9.8 does not send", k);
        }
        assert_true(json_is_string(v));
    }
    /* Values of this broker: configured capacities, its commit-log path, no transient pool. */
    assert_string_equal(json_string_value(json_object_get(table, "sendThreadPoolQueueCapacity")),
                        "10000");
    assert_string_equal(json_string_value(json_object_get(table, "queryThreadPoolQueueCapacity")),
                        "20000");
    assert_string_equal(
        json_string_value(json_object_get(table, "remainTransientStoreBufferNumbs")), "2147483647");
    char path_key[512];
    snprintf(path_key, sizeof(path_key), "commitLogDiskRatio_%s/store/commitlog",
             rj_daemon_dir(cluster.broker));
    assert_non_null(json_object_get(table, path_key));
    assert_string_equal(json_string_value(json_object_get(table, "sendThreadPoolQueueSize")), "0");
    assert_string_equal(
        json_string_value(json_object_get(table, "sendThreadPoolQueueHeadWaitTimeMills")), "0");
    int fields = 0;
    const char *total = json_string_value(json_object_get(table, "getTotalTps"));
    for (const char *p = total; p != NULL; p = strchr(p + 1, ' ')) {
        fields++;
    }
    assert_int_equal(fields, 3);
    /* Sends and pulls happened: their store calls were timed (whole ms, so 0 is possible). */
    assert_true(strtoll(json_string_value(json_object_get(table, "putMessageEntireTimeMax")), NULL,
                        10) >= 0);
    json_decref(mine);
    rj_raw_reply_cleanup(&r);
    json_decref(want);
    rj_golden_frame_cleanup(&g);
    rj_raw_client_close(c);
}

/* The consumeTps of GET_BROKER_CONSUME_STATS for `group` (its first topic), or -1. */
static double
broker_consume_tps(rj_raw_client_t *c, const char *group)
{
    rj_raw_reply_t r;
    it_call(c, 317, IT_VERSION_JAVA, "{\"isOrder\":\"false\"}", NULL, 0, &r);
    assert_int_equal(r.code, 0);
    json_t *all = body_json(&r);
    double tps = -1.0;
    size_t i;
    json_t *entry;
    json_array_foreach(json_object_get(all, "consumeStatsList"), i, entry)
    {
        json_t *list = json_object_get(entry, group);
        if (list != NULL) {
            tps = json_number_value(json_object_get(json_array_get(list, 0), "consumeTps"));
        }
    }
    json_decref(all);
    rj_raw_reply_cleanup(&r);
    return tps;
}

static void
test_consume_tps_counts_pulled_messages(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    rj_raw_reply_t r;
    it_call(c, 17, IT_VERSION_JAVA,
            "{\"topic\":\"TpsTopic\",\"defaultTopic\":\"TBW102\",\"readQueueNums\":\"1\","
            "\"writeQueueNums\":\"1\",\"perm\":\"6\",\"topicFilterType\":\"SINGLE_TAG\","
            "\"order\":\"false\"}",
            NULL, 0, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    for (int i = 0; i < 20; i++) {
        it_send_message(c, "TpsTopic", 0, "TAGS\001t", "m", 1, &r);
        assert_int_equal(r.code, 0);
        rj_raw_reply_cleanup(&r);
    }
    wait_max_offset(c, "TpsTopic", 0, 20);
    it_pull(c, "tps_group", "TpsTopic", 0, 0, 32, "*", NULL, &r);
    assert_int_equal(it_count_records(&r), 20);
    rj_raw_reply_cleanup(&r);
    it_call(c, 15, IT_VERSION_JAVA,
            "{\"consumerGroup\":\"tps_group\",\"topic\":\"TpsTopic\",\"queueId\":\"0\","
            "\"commitOffset\":\"20\"}",
            NULL, 0, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);

    /* Sampled every 10 s as RocketMQ's GROUP_GET_NUMS: 20 messages over 10 s .. 60 s. */
    double tps = 0.0;
    int64_t deadline = rj_clock_mono_ms() + 3 * 10000;
    while (tps == 0.0) {
        it_call(c, 208, IT_VERSION_JAVA, "{\"consumerGroup\":\"tps_group\"}", NULL, 0, &r);
        assert_int_equal(r.code, 0);
        json_t *stats = body_json(&r);
        tps = json_number_value(json_object_get(stats, "consumeTps"));
        assert_non_null(strstr(rj_raw_reply_body_text(&r), "\"topic\":\"TpsTopic\""));
        json_decref(stats);
        rj_raw_reply_cleanup(&r);
        if (tps == 0.0) {
            assert_true(rj_clock_mono_ms() < deadline);
            rj_clock_sleep_ms(100);
        }
    }
    assert_true(tps >= 20.0 / 60.0 - 1e-9 && tps <= 2.0 + 1e-9);
    double broker_tps = broker_consume_tps(c, "tps_group");
    assert_true(broker_tps >= 20.0 / 60.0 - 1e-9 && broker_tps <= 2.0 + 1e-9);
    rj_raw_client_close(c);
}

static void
test_groups_connections_offsets_and_forwarding(void **state)
{
    (void)state;
    rj_raw_client_t *admin = it_connect(cluster.broker);
    rj_raw_client_t *consumer = it_connect(cluster.broker);
    rj_raw_reply_t r;
    const char *sg = "{\"groupName\":\"adm_group\",\"retryMaxTimes\":5,\"consumeEnable\":true}";
    it_call(admin, 200, IT_VERSION_JAVA, NULL, sg, strlen(sg), &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    it_call(admin, 201, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    json_t *groups = body_json(&r);
    json_t *g = json_object_get(json_object_get(groups, "subscriptionGroupTable"), "adm_group");
    assert_int_equal(json_integer_value(json_object_get(g, "retryMaxTimes")), 5);
    json_decref(groups);
    rj_raw_reply_cleanup(&r);

    /* A consumer (and producer) of adm_group on AdmTopic. */
    it_call(admin, 17, IT_VERSION_JAVA,
            "{\"topic\":\"AdmTopic\",\"defaultTopic\":\"TBW102\",\"readQueueNums\":\"4\","
            "\"writeQueueNums\":\"4\",\"perm\":\"6\",\"topicFilterType\":\"SINGLE_TAG\","
            "\"order\":\"false\"}",
            NULL, 0, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    it_send_message(admin, "AdmTopic", 0, "TAGS\001t", "m", 1, &r);
    assert_int_equal(r.code, 0);
    char adm_msg_id[64];
    snprintf(adm_msg_id, sizeof(adm_msg_id), "%s", rj_raw_reply_ext(&r, "msgId"));
    rj_raw_reply_cleanup(&r);
    wait_max_offset(admin, "AdmTopic", 0, 1);
    const char *hb = "{\"clientID\":\"127.0.0.1@adm\",\"consumerDataSet\":[{\"consumeFromWhere\":"
                     "\"CONSUME_FROM_LAST_OFFSET\",\"consumeType\":\"CONSUME_PASSIVELY\","
                     "\"groupName\":\"adm_group\",\"messageModel\":\"CLUSTERING\","
                     "\"subscriptionDataSet\":[{\"classFilterMode\":false,\"codeSet\":[],"
                     "\"expressionType\":\"TAG\",\"subString\":\"*\",\"subVersion\":1,"
                     "\"tagsSet\":[],\"topic\":\"AdmTopic\"}],\"unitMode\":false}],"
                     "\"producerDataSet\":[{\"groupName\":\"adm_pg\"}]}";
    it_call(consumer, 34, IT_VERSION_JAVA, NULL, hb, strlen(hb), &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    /* The consumer commits all four queues (RocketMQ's reset needs an offset for each). */
    for (int q = 0; q < 4; q++) {
        char ext[256];
        snprintf(ext, sizeof(ext),
                 "{\"consumerGroup\":\"adm_group\",\"topic\":\"AdmTopic\",\"queueId\":\"%d\","
                 "\"commitOffset\":\"%d\"}",
                 q, q == 0 ? 1 : 0);
        it_call(consumer, 15, IT_VERSION_JAVA, ext, NULL, 0, &r);
        assert_int_equal(r.code, 0);
        rj_raw_reply_cleanup(&r);
    }

    it_call(admin, 203, IT_VERSION_JAVA, "{\"consumerGroup\":\"adm_group\"}", NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(rj_raw_reply_body_text(&r), "\"clientId\":\"127.0.0.1@adm\""));
    assert_non_null(strstr(rj_raw_reply_body_text(&r), "\"messageModel\":\"CLUSTERING\""));
    rj_raw_reply_cleanup(&r);
    it_call(admin, 203, IT_VERSION_JAVA, "{\"consumerGroup\":\"nobody\"}", NULL, 0, &r);
    assert_int_equal(r.code, 206);
    assert_string_equal(r.remark, "the consumer group[nobody] not online");
    rj_raw_reply_cleanup(&r);
    it_call(admin, 204, IT_VERSION_JAVA, "{\"producerGroup\":\"adm_pg\"}", NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(rj_raw_reply_body_text(&r), "\"clientId\":\"127.0.0.1@adm\""));
    rj_raw_reply_cleanup(&r);

    it_call(admin, 208, IT_VERSION_JAVA, "{\"consumerGroup\":\"adm_group\"}", NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(rj_raw_reply_body_text(&r),
                           "{\"brokerName\":\"broker-a\",\"queueId\":0,\"topic\":\"AdmTopic\"}:{"
                           "\"brokerOffset\":"));
    assert_non_null(strstr(rj_raw_reply_body_text(&r), "\"consumerOffset\":1"));
    rj_raw_reply_cleanup(&r);
    it_call(admin, 317, IT_VERSION_JAVA, "{\"isOrder\":\"false\"}", NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(rj_raw_reply_body_text(&r), "\"adm_group\":[{"));
    rj_raw_reply_cleanup(&r);
    it_call(admin, 300, IT_VERSION_JAVA, "{\"topic\":\"AdmTopic\"}", NULL, 0, &r);
    assert_string_equal(rj_raw_reply_body_text(&r), "{\"groupList\":[\"adm_group\"]}");
    rj_raw_reply_cleanup(&r);

    it_call(admin, 314, IT_VERSION_JAVA,
            "{\"srcGroup\":\"adm_group\",\"destGroup\":\"adm_clone\",\"topic\":\"AdmTopic\","
            "\"offline\":\"false\"}",
            NULL, 0, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    it_call(admin, 43, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_non_null(strstr(rj_raw_reply_body_text(&r), "\"AdmTopic@adm_clone\":{0:1,1:0,2:0,3:0}"));
    rj_raw_reply_cleanup(&r);

    /* Reset to the end of the queues: the consumer is told with RESET_CONSUMER_CLIENT_OFFSET. */
    it_call(admin, 222, IT_VERSION_JAVA,
            "{\"topic\":\"AdmTopic\",\"group\":\"adm_group\",\"timestamp\":\"-1\","
            "\"isForce\":\"true\"}",
            NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(rj_raw_reply_body_text(&r), "\"topic\":\"AdmTopic\"}:1"));
    rj_raw_reply_cleanup(&r);
    assert_int_equal(rj_raw_client_read_reply(consumer, IT_TIMEOUT_MS, &r), 0);
    assert_int_equal(r.code, 220);
    assert_int_equal(r.flag, 2);
    assert_string_equal(rj_raw_reply_ext(&r, "group"), "adm_group");
    rj_raw_reply_cleanup(&r);

    /* GET_CONSUMER_RUNNING_INFO is forwarded to the consumer and its answer relayed. */
    int32_t op = it_send(admin, 307, IT_VERSION_JAVA, 0,
                         "{\"consumerGroup\":\"adm_group\",\"clientId\":\"127.0.0.1@adm\","
                         "\"jstackEnable\":\"false\"}",
                         NULL, 0);
    rj_raw_reply_t fwd;
    assert_int_equal(rj_raw_client_read_reply(consumer, IT_TIMEOUT_MS, &fwd), 0);
    assert_int_equal(fwd.code, 307);
    assert_string_equal(rj_raw_reply_ext(&fwd, "clientId"), "127.0.0.1@adm");
    rj_buf_t answer = RJ_BUF_INIT;
    const char *info = "{\"properties\":{\"consumeType\":\"CONSUME_PASSIVELY\"}}";
    assert_int_equal(
        rj_raw_request_json(&answer, 0, IT_VERSION_JAVA, fwd.opaque, 1, NULL, info, strlen(info)),
        0);
    assert_int_equal(rj_raw_client_send(consumer, answer.data, answer.len), 0);
    rj_buf_cleanup(&answer);
    rj_raw_reply_cleanup(&fwd);
    assert_int_equal(rj_raw_client_read_reply(admin, IT_TIMEOUT_MS, &r), 0);
    assert_int_equal(r.opaque, op);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_body_text(&r), info);
    rj_raw_reply_cleanup(&r);
    /* CONSUME_MESSAGE_DIRECTLY: forwarded with brokerName and the stored record as body. */
    char cmd_ext[256];
    snprintf(cmd_ext, sizeof(cmd_ext),
             "{\"consumerGroup\":\"adm_group\",\"clientId\":\"127.0.0.1@adm\",\"msgId\":\"%s\"}",
             adm_msg_id);
    op = it_send(admin, 309, IT_VERSION_JAVA, 0, cmd_ext, NULL, 0);
    assert_int_equal(rj_raw_client_read_reply(consumer, IT_TIMEOUT_MS, &fwd), 0);
    assert_int_equal(fwd.code, 309);
    assert_string_equal(rj_raw_reply_ext(&fwd, "brokerName"), "broker-a");
    assert_string_equal(rj_raw_reply_ext(&fwd, "msgId"), adm_msg_id);
    assert_int_equal(it_count_records(&fwd), 1);
    const char *result = "{\"autoCommit\":true,\"consumeResult\":\"CR_SUCCESS\",\"order\":false,"
                         "\"spentTimeMills\":1}";
    rj_buf_t answer2 = RJ_BUF_INIT;
    assert_int_equal(rj_raw_request_json(&answer2, 0, IT_VERSION_JAVA, fwd.opaque, 1, NULL, result,
                                         strlen(result)),
                     0);
    assert_int_equal(rj_raw_client_send(consumer, answer2.data, answer2.len), 0);
    rj_buf_cleanup(&answer2);
    rj_raw_reply_cleanup(&fwd);
    assert_int_equal(rj_raw_client_read_reply(admin, IT_TIMEOUT_MS, &r), 0);
    assert_int_equal(r.opaque, op);
    assert_string_equal(rj_raw_reply_body_text(&r), result);
    rj_raw_reply_cleanup(&r);

    it_call(admin, 307, IT_VERSION_JAVA,
            "{\"consumerGroup\":\"adm_group\",\"clientId\":\"nobody\"}", NULL, 0, &r);
    assert_int_equal(r.code, 1);
    assert_string_equal(r.remark, "The Consumer <adm_group> <nobody> not online");
    rj_raw_reply_cleanup(&r);

    it_call(admin, 207, IT_VERSION_JAVA, "{\"groupName\":\"adm_clone\",\"removeOffset\":\"true\"}",
            NULL, 0, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    it_call(admin, 43, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_null(strstr(rj_raw_reply_body_text(&r), "adm_clone"));
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(consumer);
    rj_raw_client_close(admin);
}

/* Commits `offset` for group/topic/queue with UPDATE_CONSUMER_OFFSET. */
static void
commit(rj_raw_client_t *c, const char *group, const char *topic, int qid, int64_t offset)
{
    char ext[300];
    snprintf(ext, sizeof(ext),
             "{\"consumerGroup\":\"%s\",\"topic\":\"%s\",\"queueId\":\"%d\",\"commitOffset\":"
             "\"%lld\"}",
             group, topic, qid, (long long)offset);
    rj_raw_reply_t r;
    it_call(c, 15, IT_VERSION_JAVA, ext, NULL, 0, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
}

static void
create_topic(rj_raw_client_t *c, const char *topic)
{
    char ext[400];
    snprintf(ext, sizeof(ext),
             "{\"topic\":\"%s\",\"defaultTopic\":\"TBW102\",\"readQueueNums\":\"4\","
             "\"writeQueueNums\":\"4\",\"perm\":\"6\",\"topicFilterType\":\"SINGLE_TAG\","
             "\"order\":\"false\"}",
             topic);
    rj_raw_reply_t r;
    it_call(c, 17, IT_VERSION_JAVA, ext, NULL, 0, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
}

/* AdminBrokerProcessor.validateSlave: topic and group changes are refused on a slave. */
static void
test_slave_refuses_topic_and_group_changes(void **state)
{
    (void)state;
    rj_daemon_t *slave;
    assert_int_equal(it_broker_start(NULL, "brokerRole=SLAVE\nbrokerId=1\n", &slave), 0);
    rj_raw_client_t *c = it_connect(slave);
    static const struct {
        int32_t code;
        const char *ext;
        const char *body;
    } changes[] = {
        {17,
         "{\"topic\":\"SlaveTopic\",\"defaultTopic\":\"TBW102\",\"readQueueNums\":\"4\","
         "\"writeQueueNums\":\"4\",\"perm\":\"6\",\"topicFilterType\":\"SINGLE_TAG\"}",
         NULL},
        {215, "{\"topic\":\"SlaveTopic\"}", NULL},
        {200, NULL, "{\"groupName\":\"slave_group\"}"},
        {207, "{\"groupName\":\"slave_group\"}", NULL},
    };
    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
        rj_raw_reply_t r;
        const char *body = changes[i].body;
        it_call(c, changes[i].code, IT_VERSION_JAVA, changes[i].ext, body, body ? strlen(body) : 0,
                &r);
        assert_int_equal(r.code, 1);
        assert_string_equal(r.remark, "Can't modify topic or subscription group from slave broker, "
                                      "please execute it from master broker.");
        rj_raw_reply_cleanup(&r);
    }
    rj_raw_client_close(c);
    int status;
    assert_int_equal(rj_daemon_stop(slave, 20000, &status), 0);
    assert_int_equal(status, 0);
    rj_daemon_destroy(slave);
}

static void
test_small_admin_codes(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    rj_raw_reply_t r;
    /* (TBW102 lost its INHERIT when auto-creation was switched off above, as in RocketMQ.) */
    create_topic(c, "TopicCorr");
    create_topic(c, "TopicGone");
    for (int i = 0; i < 4; i++) {
        it_send_message(c, "TopicCorr", i % 2, "TAGS\001x", "m", 1, &r);
        if (r.code != 0) {
            fail_msg("send: %d %s", r.code, r.remark);
        }
        rj_raw_reply_cleanup(&r);
    }
    wait_max_offset(c, "TopicCorr", 1, 2);

    /* QUERY_CORRECTION_OFFSET: smallest offset of all groups per queue. */
    commit(c, "corr_a", "TopicCorr", 0, 2);
    commit(c, "corr_a", "TopicCorr", 1, 1);
    commit(c, "corr_b", "TopicCorr", 0, 1);
    commit(c, "corr_b", "TopicCorr", 1, 2);
    it_call(c, 308, IT_VERSION_JAVA, "{\"topic\":\"TopicCorr\",\"compareGroup\":\"corr_a\"}", NULL,
            0, &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_body_text(&r), "{\"correctionOffsets\":{0:1,1:1}}");
    rj_raw_reply_cleanup(&r);
    /* Leaving corr_b out, corr_a is the minimum; a compare group behind it gives Long.MAX. */
    commit(c, "corr_c", "TopicCorr", 0, 0);
    it_call(c, 308, IT_VERSION_JAVA,
            "{\"topic\":\"TopicCorr\",\"compareGroup\":\"corr_c\",\"filterGroups\":"
            "\"corr_b,corr_c\"}",
            NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_body_text(&r),
                        "{\"correctionOffsets\":{0:9223372036854775807,1:1}}");
    rj_raw_reply_cleanup(&r);
    /* The filtered groups keep their offsets. */
    it_call(c, 14, IT_VERSION_JAVA,
            "{\"consumerGroup\":\"corr_b\",\"topic\":\"TopicCorr\",\"queueId\":\"1\"}", NULL, 0,
            &r);
    assert_string_equal(rj_raw_reply_ext(&r, "offset"), "2");
    rj_raw_reply_cleanup(&r);
    it_call(c, 308, IT_VERSION_JAVA, "{\"topic\":\"TopicCorr\"}", NULL, 0, &r);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.remark, "compareGroup"));
    rj_raw_reply_cleanup(&r);

    /* GET_ALL_PRODUCER_INFO. */
    const char *hb = "{\"clientID\":\"10.1.1.1@77\",\"consumerDataSet\":[],\"producerDataSet\":"
                     "[{\"groupName\":\"pinfo_group\"}]}";
    it_call(c, 34, IT_VERSION_JAVA, NULL, hb, strlen(hb), &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    it_call(c, 328, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_int_equal(r.code, 0);
    json_t *j = body_json(&r);
    const json_t *list = json_object_get(json_object_get(j, "data"), "pinfo_group");
    assert_int_equal(json_array_size(list), 1);
    const json_t *p = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(p, "clientId")), "10.1.1.1@77");
    assert_string_equal(json_string_value(json_object_get(p, "language")), "JAVA");
    assert_int_equal(json_integer_value(json_object_get(p, "version")), IT_VERSION_JAVA);
    assert_true(json_integer_value(json_object_get(p, "lastUpdateTimestamp")) > 1600000000000LL);
    assert_int_equal(strncmp(json_string_value(json_object_get(p, "remoteIP")), "/127.0.0.1:", 11),
                     0);
    json_decref(j);
    rj_raw_reply_cleanup(&r);

    /* VIEW_BROKER_STATS_DATA: the broker-wide items, keyed by cluster name. */
    it_call(c, 315, IT_VERSION_JAVA,
            "{\"statsName\":\"BROKER_PUT_NUMS\",\"statsKey\":\"DefaultCluster\"}", NULL, 0, &r);
    assert_int_equal(r.code, 0);
    j = body_json(&r);
    const char *items[] = {"statsMinute", "statsHour", "statsDay"};
    for (int i = 0; i < 3; i++) {
        const json_t *it = json_object_get(j, items[i]);
        assert_true(json_is_integer(json_object_get(it, "sum")));
        assert_true(json_is_number(json_object_get(it, "tps")));
        assert_true(json_is_number(json_object_get(it, "avgpt")));
    }
    json_decref(j);
    rj_raw_reply_cleanup(&r);
    it_call(c, 315, IT_VERSION_JAVA,
            "{\"statsName\":\"TOPIC_PUT_NUMS\",\"statsKey\":\"TopicCorr\"}", NULL, 0, &r);
    assert_int_equal(r.code, 1);
    assert_string_equal(r.remark, "The stats <TOPIC_PUT_NUMS> <TopicCorr> not exist");
    rj_raw_reply_cleanup(&r);
    it_call(c, 315, IT_VERSION_JAVA, "{\"statsName\":\"BROKER_GET_NUMS\"}", NULL, 0, &r);
    assert_int_equal(r.code, 1);
    rj_raw_reply_cleanup(&r);

    /*
     * CLEAN_UNUSED_TOPIC: consume queues of topics missing from the topic table
     * (here: taken out of topics.json while the broker was down) are deleted.
     */
    it_send_message(c, "TopicGone", 0, "TAGS\001x", "m", 1, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    wait_max_offset(c, "TopicGone", 0, 1);
    rj_raw_client_close(c);
    int status;
    assert_int_equal(rj_daemon_stop(cluster.broker, 20000, &status), 0);
    assert_int_equal(status, 0);
    char path[1024], cq[1024];
    snprintf(path, sizeof(path), "%s/store/config/topics.json", rj_daemon_dir(cluster.broker));
    snprintf(cq, sizeof(cq), "%s/store/consumequeue/TopicGone", rj_daemon_dir(cluster.broker));
    rj_buf_t text = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_file(path, &text), 0);
    j = rj_json_parse(text.data, text.len, NULL, 0);
    rj_buf_cleanup(&text);
    assert_int_equal(json_object_del(json_object_get(j, "topicConfigTable"), "TopicGone"), 0);
    char *dump = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    assert_int_equal(rj_fs_write_config(path, dump, strlen(dump)), 0);
    free(dump);
    assert_int_equal(rj_daemon_restart(cluster.broker), 0);
    c = it_connect(cluster.broker);
    assert_int_equal(access(cq, F_OK), 0);
    assert_int_equal(it_max_offset(c, "TopicGone", 0), 1);
    it_call(c, 316, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_null(r.remark);
    rj_raw_reply_cleanup(&r);
    assert_int_equal(it_max_offset(c, "TopicGone", 0), 0);
    /* Known topics and the system queues stay. */
    assert_int_equal(it_max_offset(c, "TopicCorr", 1), 2);
    rj_raw_client_close(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topic_admin),
        cmocka_unit_test(test_broker_config_and_runtime_info),
        cmocka_unit_test(test_runtime_info_has_the_keys_of_rocketmq),
        cmocka_unit_test(test_groups_connections_offsets_and_forwarding),
        cmocka_unit_test(test_consume_tps_counts_pulled_messages),
        cmocka_unit_test(test_slave_refuses_topic_and_group_changes),
        cmocka_unit_test(test_small_admin_codes),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
