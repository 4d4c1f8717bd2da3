/*
 * Registration of admin changes with the name servers: UPDATE_AND_CREATE_TOPIC
 * is answered only after every name server took the REGISTER_BROKER naming the
 * topic (as 4.9.8's registerIncrementBrokerData waits), so a route query right
 * after the answer succeeds. The broker registers with a real mqnamesrv and
 * with a slow name server run in this process (answers after a delay), which
 * makes the order observable: a broker answering before its registration
 * completed fails the check every time, not only when the route query wins a
 * race. A name server that answers too late only delays the reply up to
 * registerBrokerTimeoutMills. Topics the broker creates by itself (a new
 * group's %RETRY% topic at its first heartbeat, a topic auto-created by a
 * send, a %DLQ% topic made by CONSUMER_SEND_MSG_BACK) are registered the same
 * way before the request that created them is answered, as 4.9.8's
 * createTopicIn*Method calls registerBrokerAll before returning.
 */
#include "broker_fixture.h"

#include "common/clock.h"
#include "common/json.h"
#include "ramjet/status.h"
#include "remoting/request_code.h"
#include "remoting/response_code.h"
#include "remoting/server.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define REGISTER_TIMEOUT_MS 1000

/* The in-process name server: answers REGISTER_BROKER after `delay_ms`. */
typedef struct {
    rj_server_t *server;
    char addr[64];
    int delay_ms;
    char watched[64];         /* topic whose registration is tracked */
    atomic_int answered;      /* REGISTER_BROKER naming `watched` answered */
    atomic_int registrations; /* REGISTER_BROKER requests seen */
} slow_namesrv_t;

static bool
body_names_topic(const rj_command_t *cmd, const char *topic)
{
    json_t *body = rj_json_parse(cmd->body.data, cmd->body.len, NULL, 0);
    json_t *table =
        json_object_get(json_object_get(body, "topicConfigSerializeWrapper"), "topicConfigTable");
    bool found = json_object_get(table, topic) != NULL;
    json_decref(body);
    return found;
}

/* A worker handler, so sleeping only holds this test's own pool thread. */
static int
slow_register(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    slow_namesrv_t *ns = arg;
    atomic_fetch_add(&ns->registrations, 1);
    bool watched = ns->watched[0] != '\0' && body_names_topic(cmd, ns->watched);
    rj_clock_sleep_ms(ns->delay_ms);
    rj_command_t resp;
    rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
    int rc = rj_request_reply(req, &resp);
    if (watched) {
        atomic_store(&ns->answered, 1);
    }
    return rc;
}

static void
slow_namesrv_start(slow_namesrv_t *ns, int delay_ms)
{
    memset(ns, 0, sizeof(*ns));
    ns->delay_ms = delay_ms;
    rj_server_options_t so;
    rj_server_options_init(&so);
    so.name = "slowns";
    so.bind_host = "127.0.0.1";
    so.io_threads = 1;
    assert_int_equal(rj_server_create(&so, &ns->server), 0);
    assert_int_equal(rj_server_register(ns->server, RJ_REQ_REGISTER_BROKER, RJ_DISPATCH_WORKER,
                                        slow_register, ns),
                     0);
    assert_int_equal(rj_server_start(ns->server), 0);
    snprintf(ns->addr, sizeof(ns->addr), "127.0.0.1:%d", rj_server_port(ns->server));
}

static void
slow_namesrv_stop(slow_namesrv_t *ns)
{
    rj_server_destroy(ns->server);
    ns->server = NULL;
}

/* Starts a broker registering with `ns` (real) and `slow`. */
static rj_daemon_t *
broker_with_two_namesrvs(const rj_daemon_t *ns, const slow_namesrv_t *slow)
{
    char conf[256];
    snprintf(conf, sizeof(conf), "namesrvAddr=%s;%s\nregisterBrokerTimeoutMills=%d\n",
             rj_daemon_addr(ns), slow->addr, REGISTER_TIMEOUT_MS);
    rj_daemon_t *broker = NULL;
    assert_int_equal(it_broker_start(NULL, conf, &broker), 0);
    return broker;
}

static void
update_topic(rj_raw_client_t *c, const char *topic, int queues, rj_raw_reply_t *r)
{
    char ext[512];
    snprintf(ext, sizeof(ext),
             "{\"topic\":\"%s\",\"defaultTopic\":\"TBW102\",\"readQueueNums\":\"%d\","
             "\"writeQueueNums\":\"%d\",\"perm\":\"6\",\"topicFilterType\":\"SINGLE_TAG\","
             "\"topicSysFlag\":\"0\",\"order\":\"false\"}",
             topic, queues, queues);
    it_call(c, RJ_REQ_UPDATE_AND_CREATE_TOPIC, IT_VERSION_JAVA, ext, NULL, 0, r);
}

/* GET_ROUTEINFO_BY_TOPIC on the real name server: the write queue count of broker-a, or -1. */
static int
route_write_queues(const rj_daemon_t *ns, const char *topic)
{
    rj_raw_client_t *c = it_connect(ns);
    char ext[128];
    snprintf(ext, sizeof(ext), "{\"topic\":\"%s\"}", topic);
    rj_raw_reply_t r;
    it_call(c, RJ_REQ_GET_ROUTEINFO_BY_TOPIC, IT_VERSION_JAVA, ext, NULL, 0, &r);
    int queues = -1;
    if (r.code == RJ_RESP_SUCCESS) {
        json_t *route = rj_json_parse(r.body.data, r.body.len, NULL, 0);
        json_t *qd = json_array_get(json_object_get(route, "queueDatas"), 0);
        if (qd != NULL &&
            strcmp(json_string_value(json_object_get(qd, "brokerName")), "broker-a") == 0) {
            queues = (int)json_integer_value(json_object_get(qd, "writeQueueNums"));
        }
        json_decref(route);
    }
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
    return queues;
}

/* One scenario: a real name server, the slow one and a broker registering with both. */
typedef struct {
    rj_daemon_t *ns;
    slow_namesrv_t slow;
    rj_daemon_t *broker;
} scenario_t;

static scenario_t scenario;

static int
scenario_start(int slow_delay_ms)
{
    assert_int_equal(it_namesrv_start(&scenario.ns), 0);
    slow_namesrv_start(&scenario.slow, slow_delay_ms);
    scenario.broker = broker_with_two_namesrvs(scenario.ns, &scenario.slow);
    return 0;
}

static int
setup_slow(void **state)
{
    (void)state;
    return scenario_start(300);
}

static int
setup_too_slow(void **state)
{
    (void)state;
    return scenario_start(REGISTER_TIMEOUT_MS + 1500);
}

static int
teardown(void **state)
{
    (void)state;
    int status = -1;
    if (scenario.broker != NULL) {
        assert_int_equal(rj_daemon_stop(scenario.broker, 20000, &status), 0);
        assert_int_equal(status, 0);
        rj_daemon_destroy(scenario.broker);
    }
    if (scenario.slow.server != NULL) {
        slow_namesrv_stop(&scenario.slow);
    }
    if (scenario.ns != NULL) {
        rj_daemon_stop(scenario.ns, 10000, NULL);
        rj_daemon_destroy(scenario.ns);
    }
    memset(&scenario, 0, sizeof(scenario));
    return 0;
}

static void
test_update_topic_answers_after_every_namesrv_registered_it(void **state)
{
    (void)state;
    slow_namesrv_t *slow = &scenario.slow;
    rj_raw_client_t *c = it_connect(scenario.broker);
    rj_raw_reply_t r;

    assert_int_equal(route_write_queues(scenario.ns, "RegisteredAtOnce"), -1);
    snprintf(slow->watched, sizeof(slow->watched), "RegisteredAtOnce");
    update_topic(c, "RegisteredAtOnce", 4, &r);
    assert_int_equal(r.code, RJ_RESP_SUCCESS);
    assert_string_equal(r.remark, "not set any response code");
    rj_raw_reply_cleanup(&r);
    /* The slow name server had answered the registration before the broker answered. */
    assert_int_equal(atomic_load(&slow->answered), 1);
    /* mqadmin updateTopic; topicRoute: no waiting in between. */
    assert_int_equal(route_write_queues(scenario.ns, "RegisteredAtOnce"), 4);

    /* A changed queue count is in the route at once too. */
    atomic_store(&slow->answered, 0);
    update_topic(c, "RegisteredAtOnce", 8, &r);
    assert_int_equal(r.code, RJ_RESP_SUCCESS);
    rj_raw_reply_cleanup(&r);
    assert_int_equal(atomic_load(&slow->answered), 1);
    assert_int_equal(route_write_queues(scenario.ns, "RegisteredAtOnce"), 8);
    rj_raw_client_close(c);
}

static void
test_update_topic_answers_when_a_namesrv_is_too_slow(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(scenario.broker);
    rj_raw_reply_t r;

    int before = atomic_load(&scenario.slow.registrations);
    int64_t start = rj_clock_mono_ms();
    update_topic(c, "SlowNamesrvTopic", 2, &r);
    int64_t took = rj_clock_mono_ms() - start;
    assert_int_equal(r.code, RJ_RESP_SUCCESS);
    rj_raw_reply_cleanup(&r);
    assert_true(atomic_load(&scenario.slow.registrations) > before);
    /* Waited for the registration's timeout, not for the late answer. */
    assert_true(took >= REGISTER_TIMEOUT_MS - 100);
    assert_true(took < REGISTER_TIMEOUT_MS + 1400);
    /* The name server that answered in time has the topic. */
    assert_int_equal(route_write_queues(scenario.ns, "SlowNamesrvTopic"), 2);
    rj_raw_client_close(c);
}

/* Watches `topic` on the slow name server from now on. */
static void
watch(const char *topic)
{
    snprintf(scenario.slow.watched, sizeof(scenario.slow.watched), "%s", topic);
    atomic_store(&scenario.slow.answered, 0);
}

/* The commit-log offset in a msgId (its last 16 hex digits). */
static int64_t
msg_id_offset(const char *msg_id)
{
    size_t len = strlen(msg_id);
    assert_true(len >= 16);
    return (int64_t)strtoull(msg_id + len - 16, NULL, 16);
}

static void
test_auto_created_topics_answer_after_every_namesrv_registered_them(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(scenario.broker);
    rj_raw_reply_t r;

    /* A new consumer group's first heartbeat creates %RETRY%<group>. */
    assert_int_equal(route_write_queues(scenario.ns, "%RETRY%AutoGroup"), -1);
    watch("%RETRY%AutoGroup");
    const char *hb = "{\"clientID\":\"127.0.0.1@auto\",\"consumerDataSet\":[{\"groupName\":"
                     "\"AutoGroup\",\"consumeType\":\"CONSUME_PASSIVELY\",\"messageModel\":"
                     "\"CLUSTERING\",\"consumeFromWhere\":\"CONSUME_FROM_FIRST_OFFSET\","
                     "\"subscriptionDataSet\":[],\"unitMode\":false}],\"producerDataSet\":[]}";
    it_call(c, RJ_REQ_HEART_BEAT, IT_VERSION_JAVA, NULL, hb, strlen(hb), &r);
    assert_int_equal(r.code, RJ_RESP_SUCCESS);
    rj_raw_reply_cleanup(&r);
    assert_int_equal(atomic_load(&scenario.slow.answered), 1);
    assert_int_equal(route_write_queues(scenario.ns, "%RETRY%AutoGroup"), 1);

    /* A send to an unknown topic creates it from TBW102. */
    watch("AutoSendTopic");
    it_send_message(c, "AutoSendTopic", 0, "WAIT\001true", "x", 1, &r);
    assert_int_equal(r.code, RJ_RESP_SUCCESS);
    int64_t phy = msg_id_offset(rj_raw_reply_ext(&r, "msgId"));
    rj_raw_reply_cleanup(&r);
    assert_int_equal(atomic_load(&scenario.slow.answered), 1);
    assert_true(route_write_queues(scenario.ns, "AutoSendTopic") > 0);

    /* A message handed back with a negative delay level goes to the new %DLQ%<group>. */
    watch("%DLQ%AutoGroup");
    char ext[256];
    snprintf(ext, sizeof(ext),
             "{\"offset\":\"%lld\",\"group\":\"AutoGroup\",\"delayLevel\":\"-1\","
             "\"maxReconsumeTimes\":\"16\"}",
             (long long)phy);
    it_call(c, RJ_REQ_CONSUMER_SEND_MSG_BACK, IT_VERSION_JAVA, ext, NULL, 0, &r);
    assert_int_equal(r.code, RJ_RESP_SUCCESS);
    rj_raw_reply_cleanup(&r);
    assert_int_equal(atomic_load(&scenario.slow.answered), 1);
    assert_int_equal(route_write_queues(scenario.ns, "%DLQ%AutoGroup"), 1);

    /* Known topics answer without waiting for a registration. */
    int before = atomic_load(&scenario.slow.registrations);
    int64_t start = rj_clock_mono_ms();
    it_call(c, RJ_REQ_HEART_BEAT, IT_VERSION_JAVA, NULL, hb, strlen(hb), &r);
    rj_raw_reply_cleanup(&r);
    it_send_message(c, "AutoSendTopic", 0, "WAIT\001true", "y", 1, &r);
    assert_int_equal(r.code, RJ_RESP_SUCCESS);
    rj_raw_reply_cleanup(&r);
    assert_true(rj_clock_mono_ms() - start < 300);
    assert_int_equal(atomic_load(&scenario.slow.registrations), before);
    rj_raw_client_close(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_update_topic_answers_after_every_namesrv_registered_it,
                                        setup_slow, teardown),
        cmocka_unit_test_setup_teardown(test_update_topic_answers_when_a_namesrv_is_too_slow,
                                        setup_too_slow, teardown),
        cmocka_unit_test_setup_teardown(
            test_auto_created_topics_answer_after_every_namesrv_registered_them, setup_slow,
            teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
