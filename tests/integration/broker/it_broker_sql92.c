/*
 * SQL92 filtering over real sockets (features.md §4, requests.md §C1/§C5):
 * enablePropertyFilter (off by default → SYSTEM_ERROR, as 4.9.8),
 * CHECK_CLIENT_CONFIG, pulls carrying their expression, heartbeat-registered
 * filter data (FILTER_DATA_NOT_EXIST / FILTER_DATA_NOT_LATEST), long polls
 * that only wake for matching messages, and consumerFilter.json.
 */
#include "broker_fixture.h"

#include "common/clock.h"
#include "common/fs.h"
#include "ramjet/status.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void
set_config(rj_raw_client_t *c, const char *text)
{
    rj_raw_reply_t r;
    it_call(c, 25, IT_VERSION_JAVA, NULL, text, strlen(text), &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
}

static void
expect(rj_raw_reply_t *r, int code, const char *remark)
{
    if (r->code != code || (remark != NULL && (r->remark == NULL || strcmp(r->remark, remark)))) {
        fail_msg("expected %d '%s', got %d '%s'", code, remark ? remark : "", r->code,
                 r->remark ? r->remark : "(null)");
    }
    rj_raw_reply_cleanup(r);
}

static void
check_client_config(rj_raw_client_t *c, const char *type, const char *expr, rj_raw_reply_t *r)
{
    json_t *body = json_pack("{s:s,s:s,s:{s:s,s:s,s:s,s:i}}", "clientId", "10.0.0.1@1", "group",
                             "sqlcg", "subscriptionData", "expressionType", type, "subString", expr,
                             "topic", "TopicSql", "subVersion", 1);
    char *text = json_dumps(body, JSON_COMPACT);
    it_call(c, 46, IT_VERSION_JAVA, NULL, text, strlen(text), r);
    free(text);
    json_decref(body);
}

/* Ten messages into TopicSql queue 0: a = 1..10, odd ones tagged 'odd'; one without `a`. */
static int64_t
fill(rj_raw_client_t *c)
{
    static bool done = false;
    static int64_t end;
    if (done) {
        return end;
    }
    rj_raw_reply_t r;
    for (int i = 1; i <= 10; i++) {
        char props[64];
        snprintf(props, sizeof(props), "a\001%d\002TAGS\001%s", i, i % 2 ? "odd" : "even");
        it_send_message(c, "TopicSql", 0, props, "m", 1, &r);
        assert_int_equal(r.code, 0);
        rj_raw_reply_cleanup(&r);
    }
    it_send_message(c, "TopicSql", 0, "TAGS\001none", "n", 1, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    end = 11;
    it_wait_max_offset(c, "TopicSql", 0, end);
    done = true;
    return end;
}

/* The values of `a` of the records of a pull ("" for none), e.g. "6,7,8". */
static void
values_of(const rj_raw_reply_t *r, char *out, size_t size)
{
    rj_message_record_t recs[32];
    int n = it_records(r, recs, 32);
    assert_true(n >= 0);
    out[0] = '\0';
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        char v[32];
        it_record_prop(&recs[i], "a", v, sizeof(v));
        len += (size_t)snprintf(out + len, size - len, "%s%s", i ? "," : "", v[0] ? v : "-");
    }
}

static void
test_property_filter_is_off_by_default(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    fill(c);
    rj_raw_reply_t r;
    it_pull(c, "sqlcg", "TopicSql", 0, 0, 32, "a > 5", "SQL92", &r);
    expect(&r, 1, "The broker does not support consumer to filter message by SQL92");
    check_client_config(c, "SQL92", "a > 5", &r);
    expect(&r, 1, "The broker does not support consumer to filter message by SQL92");
    /* An expression that does not parse is refused first, as in 4.9.8. */
    it_pull(c, "sqlcg", "TopicSql", 0, 0, 32, "a >", "SQL92", &r);
    expect(&r, 23, "parse the consumer's subscription failed");
    /* TAG subscriptions are not affected. */
    check_client_config(c, "TAG", "odd", &r);
    expect(&r, 0, NULL);
    set_config(c, "enablePropertyFilter=true\n");
    rj_raw_client_close(c);
}

static void
test_pull_with_its_own_expression(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    set_config(c, "enablePropertyFilter=true\n");
    int64_t end = fill(c);
    rj_raw_reply_t r;
    char vals[256];
    it_pull(c, "sqlcg", "TopicSql", 0, 0, 32, "a > 5 AND TAGS = 'even'", "SQL92", &r);
    assert_int_equal(r.code, 0);
    values_of(&r, vals, sizeof(vals));
    assert_string_equal(vals, "6,8,10");
    assert_string_equal(r.remark, "FOUND");
    rj_raw_reply_cleanup(&r);
    /* Unknown properties are NULL: only IS NULL matches them. */
    it_pull(c, "sqlcg", "TopicSql", 0, 0, 32, "a IS NULL", "SQL92", &r);
    assert_int_equal(r.code, 0);
    values_of(&r, vals, sizeof(vals));
    assert_string_equal(vals, "-");
    rj_raw_reply_cleanup(&r);
    it_pull(c, "sqlcg", "TopicSql", 0, 0, 32, "a BETWEEN 2 AND 4 OR a IN ('9')", "SQL92", &r);
    values_of(&r, vals, sizeof(vals));
    assert_string_equal(vals, "2,3,4,9");
    rj_raw_reply_cleanup(&r);
    /* Case-insensitive keywords, string-to-number conversions. */
    it_pull(c, "sqlcg", "TopicSql", 0, 0, 32, "not (a < 10.0) and a is not null", "SQL92", &r);
    values_of(&r, vals, sizeof(vals));
    assert_string_equal(vals, "10");
    rj_raw_reply_cleanup(&r);
    /* Nothing matches: every unit is scanned, PULL_RETRY_IMMEDIATELY at the end. */
    it_pull(c, "sqlcg", "TopicSql", 0, 0, 32, "a > 100", "SQL92", &r);
    assert_int_equal(r.code, 20);
    assert_string_equal(r.remark, "NO_MATCHED_MESSAGE");
    assert_int_equal(strtoll(rj_raw_reply_ext(&r, "nextBeginOffset"), NULL, 10), end);
    rj_raw_reply_cleanup(&r);
    /* Errors: bad expression, empty expression, unknown type. */
    it_pull(c, "sqlcg", "TopicSql", 0, 0, 32, "a = = 1", "SQL92", &r);
    expect(&r, 23, "parse the consumer's subscription failed");
    it_pull(c, "sqlcg", "TopicSql", 0, 0, 32, "", "SQL92", &r);
    expect(&r, 23, "parse the consumer's subscription failed");
    it_pull(c, "sqlcg", "TopicSql", 0, 0, 32, "a > 1", "XPATH", &r);
    expect(&r, 23, "parse the consumer's subscription failed");
    /* The pull's expression is compiled once per thread: many pulls stay consistent. */
    for (int i = 0; i < 50; i++) {
        it_pull(c, "sqlcg", "TopicSql", 0, 0, 32, "a >= 9", "SQL92", &r);
        values_of(&r, vals, sizeof(vals));
        assert_string_equal(vals, "9,10");
        rj_raw_reply_cleanup(&r);
    }
    rj_raw_client_close(c);
}

static void
test_check_client_config(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    set_config(c, "enablePropertyFilter=true\n");
    rj_raw_reply_t r;
    check_client_config(c, "SQL92", "a > 5 AND b IN ('x')", &r);
    expect(&r, 0, NULL);
    check_client_config(c, "SQL92", "a > 'x'", &r);
    assert_int_equal(r.code, 23);
    assert_non_null(strstr(r.remark, "cannot be compared"));
    rj_raw_reply_cleanup(&r);
    check_client_config(c, "SQL92", "a ==", &r);
    assert_int_equal(r.code, 23);
    assert_non_null(strstr(r.remark, "Invalid MessageSelector"));
    rj_raw_reply_cleanup(&r);
    check_client_config(c, "XPATH", "/a", &r);
    assert_int_equal(r.code, 23);
    rj_raw_reply_cleanup(&r);
    /* No subscription: nothing to check. */
    const char *body = "{\"clientId\":\"c\",\"group\":\"g\"}";
    it_call(c, 46, IT_VERSION_JAVA, NULL, body, strlen(body), &r);
    expect(&r, 0, NULL);
    it_call(c, 46, IT_VERSION_JAVA, NULL, "{oops", 5, &r);
    assert_int_equal(r.code, 1);
    rj_raw_reply_cleanup(&r);
    it_call(c, 46, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_int_equal(r.code, 1);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

static void
heartbeat(rj_raw_client_t *c, const char *group, const char *expr, int64_t version)
{
    json_t *hb = json_pack(
        "{s:s,s:[{s:s,s:s,s:s,s:s,s:[{s:b,s:[],s:s,s:s,s:I,s:[],s:s}],s:b}],s:[]}", "clientID",
        "10.0.0.1@sql#1", "consumerDataSet", "consumeFromWhere", "CONSUME_FROM_FIRST_OFFSET",
        "consumeType", "CONSUME_PASSIVELY", "groupName", group, "messageModel", "CLUSTERING",
        "subscriptionDataSet", "classFilterMode", 0, "codeSet", "expressionType", "SQL92",
        "subString", expr, "subVersion", (json_int_t)version, "tagsSet", "topic", "TopicSql",
        "unitMode", 0, "producerDataSet");
    char *text = json_dumps(hb, JSON_COMPACT);
    rj_raw_reply_t r;
    it_call(c, 34, IT_VERSION_JAVA, NULL, text, strlen(text), &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    free(text);
    json_decref(hb);
}

/* A pull that relies on the group's heartbeat (no SUBSCRIPTION flag). */
static void
pull_registered(rj_raw_client_t *c, const char *group, int64_t sub_version, rj_raw_reply_t *r)
{
    char ext[512];
    snprintf(ext, sizeof(ext),
             "{\"consumerGroup\":\"%s\",\"topic\":\"TopicSql\",\"queueId\":\"0\",\"queueOffset\":"
             "\"0\",\"maxMsgNums\":\"32\",\"sysFlag\":\"0\",\"commitOffset\":\"0\","
             "\"suspendTimeoutMillis\":\"0\",\"subVersion\":\"%lld\",\"expressionType\":\"SQL92\"}",
             group, (long long)sub_version);
    it_call(c, 11, IT_VERSION_JAVA, ext, NULL, 0, r);
}

static void
test_heartbeat_registers_filter_data(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    set_config(c, "enablePropertyFilter=true\n");
    fill(c);
    rj_raw_reply_t r;
    char vals[256];
    heartbeat(c, "sqlhb", "a >= 8", 100);
    pull_registered(c, "sqlhb", 100, &r);
    assert_int_equal(r.code, 0);
    values_of(&r, vals, sizeof(vals));
    assert_string_equal(vals, "8,9,10");
    rj_raw_reply_cleanup(&r);
    /* A newer expression replaces it. */
    heartbeat(c, "sqlhb", "a < 3", 200);
    pull_registered(c, "sqlhb", 200, &r);
    values_of(&r, vals, sizeof(vals));
    assert_string_equal(vals, "1,2");
    rj_raw_reply_cleanup(&r);
    /* One that does not compile removes the filter data. */
    heartbeat(c, "sqlhb", "a <", 300);
    pull_registered(c, "sqlhb", 300, &r);
    expect(&r, 27, "The broker's consumer filter data is not exist!Your expression may be wrong!");
    /* An older version brings filter data back but the subscription stays at 300. */
    heartbeat(c, "sqlhb", "a = 5", 250);
    pull_registered(c, "sqlhb", 300, &r);
    expect(&r, 28, "the consumer's consumer filter data not latest");
    pull_registered(c, "sqlhb", 250, &r);
    values_of(&r, vals, sizeof(vals));
    assert_string_equal(vals, "5");
    rj_raw_reply_cleanup(&r);
    /* A pull ahead of the registered subscription. */
    pull_registered(c, "sqlhb", 999, &r);
    expect(&r, 25, "the consumer's subscription not latest");
    rj_raw_client_close(c);
}

static void
test_long_poll_wakes_only_for_matching_messages(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    rj_raw_client_t *p = it_connect(cluster.broker);
    set_config(c, "enablePropertyFilter=true\n");
    int64_t end = it_max_offset(c, "TopicSqlLp", 1);
    char ext[512];
    rj_raw_reply_t r;
    /* The topic has to exist for the pull: a first message creates it. */
    it_send_message(c, "TopicSqlLp", 1, "kind\001setup", "s", 1, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    end = end + 1;
    it_wait_max_offset(c, "TopicSqlLp", 1, end);
    snprintf(ext, sizeof(ext),
             "{\"consumerGroup\":\"sqllp\",\"topic\":\"TopicSqlLp\",\"queueId\":\"1\","
             "\"queueOffset\":\"%lld\",\"maxMsgNums\":\"32\",\"sysFlag\":\"6\",\"commitOffset\":"
             "\"0\",\"suspendTimeoutMillis\":\"20000\",\"subscription\":\"kind = 'hit'\","
             "\"subVersion\":\"0\",\"expressionType\":\"SQL92\"}",
             (long long)end);
    it_send(p, 11, IT_VERSION_JAVA, 0, ext, NULL, 0);
    /* Let the pull park (nothing to read yet). */
    assert_int_equal(rj_raw_client_read_reply(p, 300, &r), RJ_ETIMEDOUT);
    /* A message that does not match leaves it parked. */
    it_send_message(c, "TopicSqlLp", 1, "kind\001miss", "x", 1, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    it_wait_max_offset(c, "TopicSqlLp", 1, end + 1);
    assert_int_equal(rj_raw_client_read_reply(p, 300, &r), RJ_ETIMEDOUT);
    /* A matching one wakes it at once. */
    int64_t sent = rj_clock_mono_ns();
    it_send_message(c, "TopicSqlLp", 1, "kind\001hit", "y", 1, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    assert_int_equal(rj_raw_client_read_reply(p, IT_TIMEOUT_MS, &r), 0);
    double ms = (double)(rj_clock_mono_ns() - sent) / 1e6;
    printf("SQL92 long poll woke %.2f ms after the matching send\n", ms);
    assert_true(ms < 200);
    assert_int_equal(r.code, 0);
    char vals[64];
    rj_message_record_t rec;
    assert_int_equal(it_records(&r, &rec, 1), 1);
    assert_string_equal(it_record_prop(&rec, "kind", vals, sizeof(vals)), "hit");
    assert_int_equal(strtoll(rj_raw_reply_ext(&r, "nextBeginOffset"), NULL, 10), end + 2);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(p);
    rj_raw_client_close(c);
}

static void
test_filter_support_retry(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    set_config(c, "enablePropertyFilter=true\n");
    heartbeat(c, "sqlretry", "a >= 9", 100);
    /* Two messages in the group's retry topic, from TopicSql, one matching its filter. */
    rj_raw_reply_t r;
    it_send_message(c, "%RETRY%sqlretry", 0, "RETRY_TOPIC\001TopicSql\002a\0015", "r5", 2, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    it_send_message(c, "%RETRY%sqlretry", 0, "RETRY_TOPIC\001TopicSql\002a\0019", "r9", 2, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    it_wait_max_offset(c, "%RETRY%sqlretry", 0, 2);
    char vals[64];
    /* Off (4.9.8's default): the retry topic's "*" takes both. */
    it_pull(c, "sqlretry", "%RETRY%sqlretry", 0, 0, 32, "*", NULL, &r);
    values_of(&r, vals, sizeof(vals));
    assert_string_equal(vals, "5,9");
    rj_raw_reply_cleanup(&r);
    /* On: the filter of the original topic applies. */
    set_config(c, "filterSupportRetry=true\n");
    it_pull(c, "sqlretry", "%RETRY%sqlretry", 0, 0, 32, "*", NULL, &r);
    values_of(&r, vals, sizeof(vals));
    assert_string_equal(vals, "9");
    rj_raw_reply_cleanup(&r);
    set_config(c, "filterSupportRetry=false\n");
    rj_raw_client_close(c);
}

static void
test_filter_data_is_persisted(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    heartbeat(c, "sqlpersist", "color = 'blue'", 500);
    rj_raw_client_close(c);
    /* Written at the latest by the shutdown. */
    int status;
    assert_int_equal(rj_daemon_stop(cluster.broker, 20000, &status), 0);
    assert_int_equal(status, 0);
    char path[1024];
    snprintf(path, sizeof(path), "%s/store/config/consumerFilter.json",
             rj_daemon_dir(cluster.broker));
    rj_buf_t text = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_file(path, &text), 0);
    json_error_t err;
    json_t *root = json_loadb((const char *)text.data, text.len, 0, &err);
    rj_buf_cleanup(&text);
    assert_non_null(root);
    const json_t *d = json_object_get(
        json_object_get(json_object_get(json_object_get(root, "filterDataByTopic"), "TopicSql"),
                        "groupFilterData"),
        "sqlpersist");
    assert_string_equal(json_string_value(json_object_get(d, "expression")), "color = 'blue'");
    assert_int_equal(json_integer_value(json_object_get(d, "clientVersion")), 500);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(d, "bloomFilterData"), "bitNum")), 112);
    json_decref(root);
    /* The restarted broker loads it (a bad file would stop it from starting). */
    assert_int_equal(rj_daemon_restart(cluster.broker), 0);
    c = it_connect(cluster.broker);
    assert_true(it_max_offset(c, "TopicSql", 0) >= 11);
    rj_raw_client_close(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_property_filter_is_off_by_default),
        cmocka_unit_test(test_pull_with_its_own_expression),
        cmocka_unit_test(test_check_client_config),
        cmocka_unit_test(test_heartbeat_registers_filter_data),
        cmocka_unit_test(test_long_poll_wakes_only_for_matching_messages),
        cmocka_unit_test(test_filter_support_retry),
        cmocka_unit_test(test_filter_data_is_persisted),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
