/*
 * Name server over real sockets: brokers of two clusters (one master/slave
 * pair) register; routes, cluster info, topic lists, write-perm and topic
 * administration come back as a Java client expects.
 */
#include "namesrv_fixture.h"

#include "common/alloc.h"
#include "common/json.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

typedef struct {
    rj_daemon_t *ns;
    rj_raw_client_t *broker_a0, *broker_a1, *broker_b0;
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    assert_int_equal(it_namesrv_start(10000, 120000, NULL, &f->ns), 0);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_raw_client_close(f->broker_a0);
    rj_raw_client_close(f->broker_a1);
    rj_raw_client_close(f->broker_b0);
    if (!rj_daemon_is_external(f->ns)) {
        int status = -1;
        assert_int_equal(rj_daemon_stop(f->ns, 10000, &status), 0);
        assert_int_equal(status, 0);
    }
    rj_daemon_destroy(f->ns);
    free(f);
    return 0;
}

/* broker-a master + slave in cluster c1, broker-b master in c2; each on its own connection. */
static void
register_brokers(fixture_t *f)
{
    char topics[2048];
    rj_raw_reply_t r;
    f->broker_a0 = it_connect(f->ns);
    f->broker_a1 = it_connect(f->ns);
    f->broker_b0 = it_connect(f->ns);

    snprintf(topics, sizeof(topics), "{%s,%s}", it_topic("ItTopicA", 4, 4, 6),
             it_topic("ItShared", 2, 2, 6));
    it_register(f->broker_a0, "c1", "it-broker-a", 0, "127.0.0.1:20911", "127.0.0.1:20912", 1,
                topics, 0, &r);
    assert_int_equal(r.code, 0);
    /* Java always writes extFields for this response, empty for a master. */
    assert_non_null(r.ext);
    assert_int_equal(json_object_size(r.ext), 0);
    assert_int_equal(r.body.len, 0);
    rj_raw_reply_cleanup(&r);

    it_register(f->broker_a1, "c1", "it-broker-a", 1, "127.0.0.1:20921", "127.0.0.1:20922", 1,
                topics, 0, &r);
    assert_int_equal(r.code, 0);
    /* A slave learns where its master is. */
    assert_string_equal(rj_raw_reply_ext(&r, "masterAddr"), "127.0.0.1:20911");
    assert_string_equal(rj_raw_reply_ext(&r, "haServerAddr"), "127.0.0.1:20912");
    rj_raw_reply_cleanup(&r);

    snprintf(topics, sizeof(topics), "{%s,%s}", it_topic("ItTopicB", 8, 8, 6),
             it_topic("ItShared", 3, 3, 6));
    it_register(f->broker_b0, "c2", "it-broker-b", 0, "127.0.0.1:30911", "127.0.0.1:30912", 1,
                topics, 0, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
}

static void
test_routes_of_master_slave_and_two_clusters(void **state)
{
    fixture_t *f = *state;
    register_brokers(f);
    char *body = NULL;
    assert_int_equal(it_route(f->ns, "ItTopicA", IT_VERSION_JAVA, &body), 0);
    assert_string_equal(body, "{\"brokerDatas\":[{\"brokerAddrs\":{\"0\":\"127.0.0.1:20911\","
                              "\"1\":\"127.0.0.1:20921\"},\"brokerName\":\"it-broker-a\","
                              "\"cluster\":\"c1\"}],\"filterServerTable\":{},\"queueDatas\":[{"
                              "\"brokerName\":\"it-broker-a\",\"perm\":6,\"readQueueNums\":4,"
                              "\"topicSysFlag\":0,\"writeQueueNums\":4}]}");
    rj_free(body);
    /* ali-ons (version 121) gets fastjson's unquoted integer keys. */
    assert_int_equal(it_route(f->ns, "ItTopicA", IT_VERSION_ALIONS, &body), 0);
    assert_non_null(strstr(body, "{0:\"127.0.0.1:20911\",1:\"127.0.0.1:20921\"}"));
    rj_free(body);
    /* acceptStandardJsonOnly=true switches an old client to standard JSON. */
    rj_raw_client_t *c = it_connect(f->ns);
    rj_raw_reply_t r;
    it_call(c, 105, IT_VERSION_ALIONS, "{\"topic\":\"ItTopicA\",\"acceptStandardJsonOnly\":true}",
            NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(rj_raw_reply_body_text(&r), "{\"0\":\"127.0.0.1:20911\""));
    rj_raw_reply_cleanup(&r);

    assert_int_equal(it_route(f->ns, "ItShared", IT_VERSION_JAVA, &body), 0);
    json_t *route = rj_json_parse(body, strlen(body), NULL, 0);
    assert_int_equal(json_array_size(json_object_get(route, "brokerDatas")), 2);
    assert_int_equal(json_array_size(json_object_get(route, "queueDatas")), 2);
    json_decref(route);
    rj_free(body);

    /* Unknown topic: TOPIC_NOT_EXIST with Java's remark and no extFields. */
    it_call(c, 105, IT_VERSION_JAVA, "{\"topic\":\"ItNoSuchTopic\"}", NULL, 0, &r);
    assert_int_equal(r.code, 17);
    assert_string_equal(r.remark, "No topic route info in name server for the topic: "
                                  "ItNoSuchTopic\nSee http://rocketmq.apache.org/docs/faq/ for "
                                  "further details.");
    assert_null(r.ext);
    assert_int_equal(r.body.len, 0);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

static void
test_cluster_info_and_topic_lists(void **state)
{
    fixture_t *f = *state;
    register_brokers(f);
    rj_raw_client_t *c = it_connect(f->ns);
    rj_raw_reply_t r;
    it_call(c, 106, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_body_text(&r),
                        "{\"brokerAddrTable\":{\"it-broker-a\":{\"brokerAddrs\":{0:\"127.0.0.1:"
                        "20911\",1:\"127.0.0.1:20921\"},\"brokerName\":\"it-broker-a\",\"cluster\":"
                        "\"c1\"},\"it-broker-b\":{\"brokerAddrs\":{0:\"127.0.0.1:30911\"},"
                        "\"brokerName\":\"it-broker-b\",\"cluster\":\"c2\"}},\"clusterAddrTable\":"
                        "{\"c1\":[\"it-broker-a\"],\"c2\":[\"it-broker-b\"]}}");
    rj_raw_reply_cleanup(&r);

    it_call(c, 206, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_string_equal(rj_raw_reply_body_text(&r),
                        "{\"topicList\":[\"ItShared\",\"ItTopicA\",\"ItTopicB\"]}");
    rj_raw_reply_cleanup(&r);
    it_call(c, 224, IT_VERSION_JAVA, "{\"cluster\":\"c1\"}", NULL, 0, &r);
    assert_string_equal(rj_raw_reply_body_text(&r), "{\"topicList\":[\"ItShared\",\"ItTopicA\"]}");
    rj_raw_reply_cleanup(&r);
    it_call(c, 304, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_string_equal(rj_raw_reply_body_text(&r),
                        "{\"brokerAddr\":\"127.0.0.1:20911\",\"topicList\":[\"c1\",\"c2\","
                        "\"it-broker-a\",\"it-broker-b\"]}");
    rj_raw_reply_cleanup(&r);
    it_call(c, 311, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_body_text(&r), "{\"topicList\":[]}");
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

static void
test_write_perm_delete_topic_and_unregister(void **state)
{
    fixture_t *f = *state;
    register_brokers(f);
    rj_raw_client_t *c = it_connect(f->ns);
    rj_raw_reply_t r;
    char *body;

    it_call(c, 205, IT_VERSION_JAVA, "{\"brokerName\":\"it-broker-a\"}", NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_ext(&r, "wipeTopicCount"), "2");
    rj_raw_reply_cleanup(&r);
    assert_int_equal(it_route(f->ns, "ItTopicA", IT_VERSION_JAVA, &body), 0);
    assert_non_null(strstr(body, "\"perm\":4"));
    rj_free(body);
    it_call(c, 327, IT_VERSION_JAVA, "{\"brokerName\":\"it-broker-a\"}", NULL, 0, &r);
    assert_string_equal(rj_raw_reply_ext(&r, "addTopicCount"), "2");
    rj_raw_reply_cleanup(&r);
    assert_int_equal(it_route(f->ns, "ItTopicA", IT_VERSION_JAVA, &body), 0);
    assert_non_null(strstr(body, "\"perm\":6"));
    rj_free(body);

    /* Delete a topic on one cluster only, then everywhere. */
    it_call(c, 216, IT_VERSION_JAVA, "{\"topic\":\"ItShared\",\"clusterName\":\"c2\"}", NULL, 0,
            &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    assert_int_equal(it_route(f->ns, "ItShared", IT_VERSION_JAVA, &body), 0);
    assert_null(strstr(body, "it-broker-b"));
    rj_free(body);
    it_call(c, 216, IT_VERSION_JAVA, "{\"topic\":\"ItShared\"}", NULL, 0, &r);
    rj_raw_reply_cleanup(&r);
    assert_int_equal(it_route(f->ns, "ItShared", IT_VERSION_JAVA, NULL), 17);

    /* UNREGISTER_BROKER of the slave, then of the master: broker-a's topic goes. */
    it_call(c, 104, IT_VERSION_JAVA,
            "{\"brokerId\":\"1\",\"clusterName\":\"c1\",\"brokerAddr\":\"127.0.0.1:20921\","
            "\"brokerName\":\"it-broker-a\"}",
            NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_null(r.ext); /* as Java's frame 233 */
    rj_raw_reply_cleanup(&r);
    assert_int_equal(it_route(f->ns, "ItTopicA", IT_VERSION_JAVA, &body), 0);
    assert_null(strstr(body, "20921"));
    rj_free(body);
    it_call(c, 104, IT_VERSION_JAVA,
            "{\"brokerId\":\"0\",\"clusterName\":\"c1\",\"brokerAddr\":\"127.0.0.1:20911\","
            "\"brokerName\":\"it-broker-a\"}",
            NULL, 0, &r);
    rj_raw_reply_cleanup(&r);
    assert_int_equal(it_route(f->ns, "ItTopicA", IT_VERSION_JAVA, NULL), 17);
    assert_int_equal(it_route(f->ns, "ItTopicB", IT_VERSION_JAVA, NULL), 0);
    rj_raw_client_close(c);
}

static void
test_query_data_version_and_topic_refresh(void **state)
{
    fixture_t *f = *state;
    register_brokers(f);
    rj_raw_reply_t r;
    const char *ext = "{\"brokerId\":\"0\",\"clusterName\":\"c2\",\"brokerAddr\":\"127.0.0.1:"
                      "30911\",\"brokerName\":\"it-broker-b\"}";
    const char *same = "{\"counter\":1,\"timestamp\":1700000000000}";
    it_call(f->broker_b0, 322, IT_VERSION_JAVA, ext, same, strlen(same), &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_ext(&r, "changed"), "false");
    assert_string_equal(rj_raw_reply_body_text(&r), same);
    rj_raw_reply_cleanup(&r);
    const char *newer = "{\"counter\":2,\"timestamp\":1700000000000}";
    it_call(f->broker_b0, 322, IT_VERSION_JAVA, ext, newer, strlen(newer), &r);
    assert_string_equal(rj_raw_reply_ext(&r, "changed"), "true");
    rj_raw_reply_cleanup(&r);

    /* A new DataVersion makes the name server take the new queue counts. */
    char topics[1024];
    snprintf(topics, sizeof(topics), "{%s}", it_topic("ItTopicB", 16, 16, 6));
    it_register(f->broker_b0, "c2", "it-broker-b", 0, "127.0.0.1:30911", "127.0.0.1:30912", 2,
                topics, 0, &r);
    rj_raw_reply_cleanup(&r);
    char *body;
    assert_int_equal(it_route(f->ns, "ItTopicB", IT_VERSION_JAVA, &body), 0);
    assert_non_null(strstr(body, "\"readQueueNums\":16"));
    rj_free(body);
}

static void
test_one_way_registration_is_applied_but_never_answered(void **state)
{
    fixture_t *f = *state;
    rj_raw_client_t *c = it_connect(f->ns);
    char topics[1024];
    snprintf(topics, sizeof(topics), "{%s}", it_topic("ItOneWay", 4, 4, 6));
    it_register(c, "c9", "it-broker-ow", 0, "127.0.0.1:40911", "127.0.0.1:40912", 1, topics, 2,
                NULL);
    /* The next frame on this connection must be the answer to the next request. */
    rj_raw_reply_t r;
    it_call(c, 105, IT_VERSION_JAVA, "{\"topic\":\"ItOneWay\"}", NULL, 0, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_routes_of_master_slave_and_two_clusters),
        T(test_cluster_info_and_topic_lists),
        T(test_write_perm_delete_topic_and_unregister),
        T(test_query_data_version_and_topic_refresh),
        T(test_one_way_registration_is_applied_but_never_answered),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
