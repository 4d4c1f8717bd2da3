#include "namesrv/route_table.h"

#include "common/buf.h"
#include "common/json.h"
#include "ramjet/status.h"
#include "support/golden.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define EXPIRY_MS 120000
#define T0 1700000000000LL

typedef struct {
    rj_route_table_t *rt;
    rj_buf_t out;
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    f->rt = rj_route_table_create(EXPIRY_MS);
    assert_non_null(f->rt);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_route_table_destroy(f->rt);
    rj_buf_cleanup(&f->out);
    free(f);
    return 0;
}

/* One topic config. */
static rj_topic_config_entry_t
topic(const char *name, int rq, int wq, int perm, int sysflag)
{
    rj_topic_config_entry_t t = {(char *)name, rq, wq, perm, sysflag};
    return t;
}

static int
reg(fixture_t *f, const char *cluster, const char *name, int64_t id, const char *addr,
    const char *ha, uint64_t conn, int64_t now, int64_t counter, rj_topic_config_entry_t *topics,
    size_t ntopics, rj_register_result_t *res)
{
    rj_register_body_t body;
    memset(&body, 0, sizeof(body));
    body.data_version.counter = counter;
    body.data_version.timestamp = 1000;
    body.topics = topics;
    body.topic_count = ntopics;
    body.has_filter_servers = true;
    rj_broker_registration_t r = {cluster, addr, name, ha, id, conn, 0, now};
    return rj_route_table_register(f->rt, &r, &body, res);
}

static const char *
route(fixture_t *f, const char *t, unsigned flags)
{
    rj_buf_reset(&f->out);
    int rc = rj_route_table_route_json(f->rt, t, flags, NULL, &f->out);
    if (rc != 0) {
        return NULL;
    }
    rj_buf_terminate(&f->out);
    return (const char *)f->out.data;
}

static const char *
cluster_info(fixture_t *f)
{
    rj_buf_reset(&f->out);
    assert_int_equal(rj_route_table_cluster_info_json(f->rt, &f->out), 0);
    rj_buf_terminate(&f->out);
    return (const char *)f->out.data;
}

static const char *
topic_list(fixture_t *f, rj_topic_list_kind_t kind, const char *cluster)
{
    rj_buf_reset(&f->out);
    assert_int_equal(rj_route_table_topic_list_json(f->rt, kind, cluster, &f->out), 0);
    rj_buf_terminate(&f->out);
    return (const char *)f->out.data;
}

/* Two clusters: broker-a (master + slave) in c1, broker-b (master) in c2. */
static void
register_two_clusters(fixture_t *f)
{
    rj_topic_config_entry_t ta[] = {topic("TopicA", 4, 4, 6, 0), topic("Shared", 2, 2, 6, 0)};
    rj_topic_config_entry_t tb[] = {topic("TopicB", 8, 8, 6, 0), topic("Shared", 3, 3, 6, 0)};
    assert_int_equal(
        reg(f, "c1", "broker-a", 0, "10.0.0.1:10911", "10.0.0.1:10912", 1, T0, 1, ta, 2, NULL), 0);
    rj_register_result_t res;
    assert_int_equal(
        reg(f, "c1", "broker-a", 1, "10.0.0.2:10911", "10.0.0.2:10912", 2, T0, 1, ta, 2, &res), 0);
    assert_string_equal(res.master_addr, "10.0.0.1:10911");
    assert_string_equal(res.ha_server_addr, "10.0.0.1:10912");
    rj_register_result_cleanup(&res);
    assert_int_equal(
        reg(f, "c2", "broker-b", 0, "10.0.1.1:10911", "10.0.1.1:10912", 3, T0, 1, tb, 2, NULL), 0);
}

static void
test_master_and_slave_routes_in_both_dialects(void **state)
{
    fixture_t *f = *state;
    register_two_clusters(f);
    assert_string_equal(
        route(f, "TopicA", 0),
        "{\"brokerDatas\":[{\"brokerAddrs\":{0:\"10.0.0.1:10911\",1:\"10.0.0.2:10911\"},"
        "\"brokerName\":\"broker-a\",\"cluster\":\"c1\"}],\"filterServerTable\":{},"
        "\"queueDatas\":[{\"brokerName\":\"broker-a\",\"perm\":6,\"readQueueNums\":4,"
        "\"topicSysFlag\":0,\"writeQueueNums\":4}]}");
    assert_string_equal(
        route(f, "TopicA", RJ_ROUTE_JSON_STANDARD),
        "{\"brokerDatas\":[{\"brokerAddrs\":{\"0\":\"10.0.0.1:10911\",\"1\":\"10.0.0.2:10911\"},"
        "\"brokerName\":\"broker-a\",\"cluster\":\"c1\"}],\"filterServerTable\":{},"
        "\"queueDatas\":[{\"brokerName\":\"broker-a\",\"perm\":6,\"readQueueNums\":4,"
        "\"topicSysFlag\":0,\"writeQueueNums\":4}]}");
    /* A topic on both clusters lists both brokers, sorted. */
    assert_string_equal(
        route(f, "Shared", RJ_ROUTE_JSON_STANDARD),
        "{\"brokerDatas\":[{\"brokerAddrs\":{\"0\":\"10.0.0.1:10911\",\"1\":\"10.0.0.2:10911\"},"
        "\"brokerName\":\"broker-a\",\"cluster\":\"c1\"},{\"brokerAddrs\":{\"0\":\"10.0.1.1:"
        "10911\"},"
        "\"brokerName\":\"broker-b\",\"cluster\":\"c2\"}],\"filterServerTable\":{},"
        "\"queueDatas\":[{\"brokerName\":\"broker-a\",\"perm\":6,\"readQueueNums\":2,"
        "\"topicSysFlag\":0,\"writeQueueNums\":2},{\"brokerName\":\"broker-b\",\"perm\":6,"
        "\"readQueueNums\":3,\"topicSysFlag\":0,\"writeQueueNums\":3}]}");
    assert_null(route(f, "NoSuchTopic", 0));

    /* Standard JSON parses with a strict parser; the fastjson form needs the lenient one. */
    route(f, "TopicA", RJ_ROUTE_JSON_STANDARD);
    json_error_t jerr;
    json_t *strict = json_loadb((const char *)f->out.data, f->out.len, 0, &jerr);
    assert_non_null(strict);
    json_decref(strict);
    route(f, "TopicA", 0);
    assert_null(json_loadb((const char *)f->out.data, f->out.len, 0, &jerr));
    json_t *lenient = rj_json_parse(f->out.data, f->out.len, NULL, 0);
    assert_non_null(lenient);
    json_decref(lenient);
}

static void
test_cluster_info_is_always_unquoted(void **state)
{
    fixture_t *f = *state;
    register_two_clusters(f);
    assert_string_equal(
        cluster_info(f),
        "{\"brokerAddrTable\":{\"broker-a\":{\"brokerAddrs\":{0:\"10.0.0.1:10911\",1:\"10.0.0.2:"
        "10911\"},\"brokerName\":\"broker-a\",\"cluster\":\"c1\"},\"broker-b\":{\"brokerAddrs\":{0:"
        "\"10.0.1.1:10911\"},\"brokerName\":\"broker-b\",\"cluster\":\"c2\"}},\"clusterAddrTable\":"
        "{\"c1\":[\"broker-a\"],\"c2\":[\"broker-b\"]}}");
}

static void
test_matches_captured_java_bodies(void **state)
{
    fixture_t *f = *state;
    rj_golden_frame_t reg1, r9, r11, r21, r32;
    assert_int_equal(rj_golden_frame_load(1, &reg1), 0);
    rj_register_body_t body;
    assert_int_equal(rj_register_body_decode(reg1.body.data, reg1.body.len, false, &body, NULL, 0),
                     0);
    rj_broker_registration_t r = {
        "DefaultCluster", "127.0.0.1:10911", "broker-a", "192.0.2.2:10912", 0, 7, 0, T0};
    assert_int_equal(rj_route_table_register(f->rt, &r, &body, NULL), 0);
    rj_register_body_cleanup(&body);

    /* version 121 → fastjson default; version 409 → standard. Byte-exact. */
    assert_int_equal(rj_golden_frame_load(9, &r9), 0);
    assert_string_equal(route(f, "TBW102", 0), rj_golden_frame_body_text(&r9));
    assert_int_equal(rj_golden_frame_load(11, &r11), 0);
    assert_string_equal(route(f, "TBW102", RJ_ROUTE_JSON_STANDARD),
                        rj_golden_frame_body_text(&r11));
    assert_int_equal(rj_golden_frame_load(21, &r21), 0);
    assert_string_equal(cluster_info(f), rj_golden_frame_body_text(&r21));

    /* Java lists topics in HashMap order: compare as sets. */
    assert_int_equal(rj_golden_frame_load(32, &r32), 0);
    const char *ours = topic_list(f, RJ_TOPIC_LIST_ALL, NULL);
    json_t *a = rj_json_parse(ours, strlen(ours), NULL, 0);
    json_t *b = rj_json_parse(r32.body.data, r32.body.len, NULL, 0);
    json_t *la = json_object_get(a, "topicList"), *lb = json_object_get(b, "topicList");
    assert_int_equal(json_array_size(la), json_array_size(lb));
    for (size_t i = 0; i < json_array_size(lb); i++) {
        const char *want = json_string_value(json_array_get(lb, i));
        bool found = false;
        for (size_t j = 0; j < json_array_size(la); j++) {
            found = found || strcmp(want, json_string_value(json_array_get(la, j))) == 0;
        }
        if (!found) {
            fail_msg("topic %s missing from %s", want, ours);
        }
    }
    json_decref(a);
    json_decref(b);
    rj_golden_frame_cleanup(&reg1);
    rj_golden_frame_cleanup(&r9);
    rj_golden_frame_cleanup(&r11);
    rj_golden_frame_cleanup(&r21);
    rj_golden_frame_cleanup(&r32);
}

static void
test_slave_before_master_gets_no_master_address(void **state)
{
    fixture_t *f = *state;
    rj_topic_config_entry_t t[] = {topic("T", 4, 4, 6, 0)};
    rj_register_result_t res;
    assert_int_equal(reg(f, "c1", "b", 1, "s:1", "s:2", 1, T0, 1, t, 1, &res), 0);
    assert_null(res.master_addr);
    assert_null(res.ha_server_addr);
    /* A slave's topics do not create QueueData. */
    assert_null(route(f, "T", 0));
}

static void
test_data_version_gates_topic_refresh(void **state)
{
    fixture_t *f = *state;
    rj_topic_config_entry_t v1[] = {topic("T", 4, 4, 6, 0)};
    rj_topic_config_entry_t v1b[] = {topic("T", 16, 16, 6, 0), topic("New", 1, 1, 6, 0)};
    assert_int_equal(reg(f, "c", "b", 0, "m:1", NULL, 1, T0, 1, v1, 1, NULL), 0);
    /* Same DataVersion: the topic table is not looked at. */
    assert_int_equal(reg(f, "c", "b", 0, "m:1", NULL, 1, T0 + 1, 1, v1b, 2, NULL), 0);
    assert_non_null(strstr(route(f, "T", 0), "\"readQueueNums\":4"));
    assert_null(route(f, "New", 0));
    /* New DataVersion: refreshed; topics missing from the table are kept (4.9.8). */
    rj_topic_config_entry_t v2[] = {topic("New", 1, 1, 6, 0)};
    assert_int_equal(reg(f, "c", "b", 0, "m:1", NULL, 1, T0 + 2, 2, v2, 1, NULL), 0);
    assert_non_null(route(f, "New", 0));
    assert_non_null(route(f, "T", 0));
}

static void
test_slave_promoted_to_master_keeps_one_id_per_address(void **state)
{
    fixture_t *f = *state;
    rj_topic_config_entry_t t[] = {topic("T", 4, 4, 6, 0)};
    assert_int_equal(reg(f, "c", "b", 0, "m:1", NULL, 1, T0, 1, t, 1, NULL), 0);
    assert_int_equal(reg(f, "c", "b", 1, "s:1", NULL, 2, T0, 1, t, 1, NULL), 0);
    /* The master dies; the slave comes back as master on the same address. */
    assert_true(rj_route_table_on_conn_closed(f->rt, 1));
    assert_int_equal(reg(f, "c", "b", 0, "s:1", NULL, 3, T0, 1, t, 1, NULL), 0);
    assert_non_null(strstr(route(f, "T", 0), "\"brokerAddrs\":{0:\"s:1\"}"));
}

static void
test_unregister_slave_then_master(void **state)
{
    fixture_t *f = *state;
    register_two_clusters(f);
    rj_route_table_unregister(f->rt, "c1", "10.0.0.2:10911", "broker-a", 1);
    assert_false(rj_route_table_is_live(f->rt, "10.0.0.2:10911"));
    assert_non_null(strstr(route(f, "TopicA", 0), "{0:\"10.0.0.1:10911\"}"));
    rj_route_table_unregister(f->rt, "c1", "10.0.0.1:10911", "broker-a", 0);
    /* broker-a gone: its only topic disappears, the shared one keeps broker-b. */
    assert_null(route(f, "TopicA", 0));
    assert_null(strstr(route(f, "Shared", 0), "broker-a"));
    assert_null(strstr(cluster_info(f), "c1"));
    rj_route_table_stats_t st;
    rj_route_table_stats(f->rt, &st);
    assert_int_equal(st.clusters, 1);
    assert_int_equal(st.broker_names, 1);
    assert_int_equal(st.live_brokers, 1);
    assert_int_equal(st.topics, 2);
    /* Unknown brokers are ignored. */
    rj_route_table_unregister(f->rt, "cx", "nowhere:1", "nobody", 0);
}

static void
test_expiry_scan_removes_silent_brokers_only(void **state)
{
    fixture_t *f = *state;
    register_two_clusters(f);
    rj_topic_config_entry_t tb[] = {topic("TopicB", 8, 8, 6, 0)};
    /* broker-b keeps registering; broker-a stays silent. */
    assert_int_equal(
        reg(f, "c2", "broker-b", 0, "10.0.1.1:10911", NULL, 3, T0 + 100000, 1, tb, 1, NULL), 0);
    rj_expired_broker_t *gone;
    size_t n;
    assert_int_equal(rj_route_table_scan_expired(f->rt, T0 + EXPIRY_MS, &gone, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(rj_route_table_scan_expired(f->rt, T0 + EXPIRY_MS + 1, &gone, &n), 0);
    assert_int_equal(n, 2);
    uint64_t conns = gone[0].conn_id + gone[1].conn_id;
    assert_int_equal(conns, 3); /* connections 1 and 2 */
    rj_expired_brokers_free(gone, n);
    assert_null(route(f, "TopicA", 0));
    assert_non_null(route(f, "TopicB", 0));
    assert_true(rj_route_table_is_live(f->rt, "10.0.1.1:10911"));

    /* A live timestamp refreshed by QUERY_DATA_VERSION keeps broker-b. */
    rj_data_version_t dv = {1, 1000}, stored;
    bool changed, has;
    rj_route_table_query_data_version(f->rt, "10.0.1.1:10911", &dv, T0 + 300000, &changed, &stored,
                                      &has);
    assert_false(changed);
    assert_true(has);
    assert_int_equal(rj_route_table_scan_expired(f->rt, T0 + 400000, &gone, &n), 0);
    assert_int_equal(n, 0);
    rj_expired_brokers_free(gone, n);
    /* Shorter default expiry applies at once. */
    rj_route_table_set_default_expiry(f->rt, 1000);
    assert_int_equal(rj_route_table_scan_expired(f->rt, T0 + 400000, &gone, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(gone[0].broker_addr, "10.0.1.1:10911");
    rj_expired_brokers_free(gone, n);
}

static void
test_per_broker_heartbeat_timeout(void **state)
{
    fixture_t *f = *state;
    rj_register_body_t body;
    memset(&body, 0, sizeof(body));
    rj_broker_registration_t r = {"c", "x:1", "b", NULL, 0, 1, 5000, T0};
    assert_int_equal(rj_route_table_register(f->rt, &r, &body, NULL), 0);
    rj_expired_broker_t *gone;
    size_t n;
    assert_int_equal(rj_route_table_scan_expired(f->rt, T0 + 5001, &gone, &n), 0);
    assert_int_equal(n, 1);
    rj_expired_brokers_free(gone, n);
}

static void
test_closed_connection_removes_its_broker_at_once(void **state)
{
    fixture_t *f = *state;
    register_two_clusters(f);
    assert_false(rj_route_table_on_conn_closed(f->rt, 99));
    assert_false(rj_route_table_on_conn_closed(f->rt, 0));
    /* Master's connection: the slave keeps broker-a's route (reads from the slave). */
    assert_true(rj_route_table_on_conn_closed(f->rt, 1));
    assert_non_null(strstr(route(f, "TopicA", 0), "\"brokerAddrs\":{1:\"10.0.0.2:10911\"}"));
    assert_true(rj_route_table_on_conn_closed(f->rt, 2));
    assert_null(route(f, "TopicA", 0));
    assert_null(strstr(cluster_info(f), "broker-a"));
}

static void
test_query_data_version(void **state)
{
    fixture_t *f = *state;
    rj_topic_config_entry_t t[] = {topic("T", 4, 4, 6, 0)};
    rj_data_version_t dv = {7, 1000}, stored = {0, 0};
    bool changed = false, has = true;
    rj_route_table_query_data_version(f->rt, "m:1", &dv, T0, &changed, &stored, &has);
    assert_true(changed);
    assert_false(has);
    assert_int_equal(reg(f, "c", "b", 0, "m:1", NULL, 1, T0, 7, t, 1, NULL), 0);
    rj_route_table_query_data_version(f->rt, "m:1", &dv, T0, &changed, &stored, &has);
    assert_false(changed);
    assert_true(has);
    assert_int_equal(stored.counter, 7);
    dv.counter = 8;
    rj_route_table_query_data_version(f->rt, "m:1", &dv, T0, &changed, &stored, &has);
    assert_true(changed);
}

static void
test_wipe_and_add_write_perm(void **state)
{
    fixture_t *f = *state;
    register_two_clusters(f);
    assert_int_equal(rj_route_table_wipe_write_perm(f->rt, "broker-a"), 2);
    assert_non_null(strstr(route(f, "TopicA", 0), "\"perm\":4"));
    assert_non_null(strstr(route(f, "TopicB", 0), "\"perm\":6"));
    assert_int_equal(rj_route_table_add_write_perm(f->rt, "broker-a"), 2);
    assert_non_null(strstr(route(f, "TopicA", 0), "\"perm\":6"));
    assert_int_equal(rj_route_table_wipe_write_perm(f->rt, "nobody"), 0);
}

static void
test_delete_topic_everywhere_or_per_cluster(void **state)
{
    fixture_t *f = *state;
    register_two_clusters(f);
    rj_route_table_delete_topic(f->rt, "Shared", "c2");
    assert_null(strstr(route(f, "Shared", 0), "broker-b"));
    rj_route_table_delete_topic(f->rt, "Shared", "no-such-cluster");
    assert_non_null(route(f, "Shared", 0));
    rj_route_table_delete_topic(f->rt, "Shared", "c1");
    assert_null(route(f, "Shared", 0));
    rj_route_table_delete_topic(f->rt, "TopicA", NULL);
    assert_null(route(f, "TopicA", 0));
    assert_non_null(route(f, "TopicB", 0));
}

static void
test_topic_lists(void **state)
{
    fixture_t *f = *state;
    register_two_clusters(f);
    assert_string_equal(topic_list(f, RJ_TOPIC_LIST_ALL, NULL),
                        "{\"topicList\":[\"Shared\",\"TopicA\",\"TopicB\"]}");
    assert_string_equal(topic_list(f, RJ_TOPIC_LIST_BY_CLUSTER, "c2"),
                        "{\"topicList\":[\"Shared\",\"TopicB\"]}");
    assert_string_equal(topic_list(f, RJ_TOPIC_LIST_BY_CLUSTER, "nope"), "{\"topicList\":[]}");
    assert_string_equal(topic_list(f, RJ_TOPIC_LIST_SYSTEM, NULL),
                        "{\"brokerAddr\":\"10.0.0.1:10911\",\"topicList\":[\"broker-a\","
                        "\"broker-b\",\"c1\",\"c2\"]}");
    rj_topic_config_entry_t t[] = {topic("Unit", 1, 1, 6, 1), topic("Sub", 1, 1, 6, 2),
                                   topic("Both", 1, 1, 6, 3)};
    assert_int_equal(reg(f, "c3", "broker-u", 0, "u:1", NULL, 9, T0, 1, t, 3, NULL), 0);
    assert_string_equal(topic_list(f, RJ_TOPIC_LIST_UNIT, NULL),
                        "{\"topicList\":[\"Both\",\"Unit\"]}");
    assert_string_equal(topic_list(f, RJ_TOPIC_LIST_HAS_UNIT_SUB, NULL),
                        "{\"topicList\":[\"Both\",\"Sub\"]}");
    assert_string_equal(topic_list(f, RJ_TOPIC_LIST_HAS_UNIT_SUB_NOT_UNIT, NULL),
                        "{\"topicList\":[\"Sub\"]}");
}

static void
test_filter_servers_and_order_conf_in_route(void **state)
{
    fixture_t *f = *state;
    rj_topic_config_entry_t t[] = {topic("T", 4, 4, 6, 0)};
    char *fs[] = {"10.0.0.1:4000"};
    rj_register_body_t body;
    memset(&body, 0, sizeof(body));
    body.data_version.counter = 1;
    body.topics = t;
    body.topic_count = 1;
    body.filter_servers = fs;
    body.filter_server_count = 1;
    body.has_filter_servers = true;
    rj_broker_registration_t r = {"c", "m:1", "b", NULL, 0, 1, 0, T0};
    assert_int_equal(rj_route_table_register(f->rt, &r, &body, NULL), 0);
    rj_buf_reset(&f->out);
    assert_int_equal(rj_route_table_route_json(f->rt, "T", RJ_ROUTE_JSON_STANDARD, "b:4", &f->out),
                     0);
    rj_buf_terminate(&f->out);
    assert_string_equal(
        (const char *)f->out.data,
        "{\"brokerDatas\":[{\"brokerAddrs\":{\"0\":\"m:1\"},\"brokerName\":\"b\","
        "\"cluster\":\"c\"}],\"filterServerTable\":{\"m:1\":[\"10.0.0.1:4000\"]},"
        "\"orderTopicConf\":\"b:4\",\"queueDatas\":[{\"brokerName\":\"b\","
        "\"perm\":6,\"readQueueNums\":4,\"topicSysFlag\":0,\"writeQueueNums\":4}]}");
    /* An empty list clears them. */
    body.filter_server_count = 0;
    body.data_version.counter = 2;
    assert_int_equal(rj_route_table_register(f->rt, &r, &body, NULL), 0);
    assert_non_null(strstr(route(f, "T", 0), "\"filterServerTable\":{}"));
}

static void
test_non_ascii_names_follow_the_dialect(void **state)
{
    fixture_t *f = *state;
    rj_topic_config_entry_t t[] = {topic("T", 1, 1, 6, 0)};
    assert_int_equal(reg(f, "c", "br\xc3\xa9", 0, "m:1", NULL, 1, T0, 1, t, 1, NULL), 0);
    assert_non_null(strstr(route(f, "T", RJ_ROUTE_JSON_STANDARD), "\"br\\u00e9\""));
    assert_non_null(strstr(route(f, "T", 0), "\"br\xc3\xa9\""));
}

static void
test_register_rejects_missing_identity(void **state)
{
    fixture_t *f = *state;
    rj_broker_registration_t r = {NULL, "a:1", "b", NULL, 0, 1, 0, T0};
    assert_int_equal(rj_route_table_register(f->rt, &r, NULL, NULL), RJ_EINVAL);
    r.cluster_name = "c";
    r.broker_name = "";
    assert_int_equal(rj_route_table_register(f->rt, &r, NULL, NULL), RJ_EINVAL);
    /* No body: registered with DataVersion 0/0 and no topics. */
    r.broker_name = "b";
    assert_int_equal(rj_route_table_register(f->rt, &r, NULL, NULL), 0);
    assert_true(rj_route_table_is_live(f->rt, "a:1"));
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_master_and_slave_routes_in_both_dialects),
        T(test_cluster_info_is_always_unquoted),
        T(test_matches_captured_java_bodies),
        T(test_slave_before_master_gets_no_master_address),
        T(test_data_version_gates_topic_refresh),
        T(test_slave_promoted_to_master_keeps_one_id_per_address),
        T(test_unregister_slave_then_master),
        T(test_expiry_scan_removes_silent_brokers_only),
        T(test_per_broker_heartbeat_timeout),
        T(test_closed_connection_removes_its_broker_at_once),
        T(test_query_data_version),
        T(test_wipe_and_add_write_perm),
        T(test_delete_topic_everywhere_or_per_cluster),
        T(test_topic_lists),
        T(test_filter_servers_and_order_conf_in_route),
        T(test_non_ascii_names_follow_the_dialect),
        T(test_register_rejects_missing_identity),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
