#include "broker/consumer_filter_manager.h"

#include "common/alloc.h"
#include "common/fs.h"
#include "common/json.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#define G RJ_BYTES_LIT("cg")
#define DAY (24 * 3600 * 1000LL)

typedef struct {
    char dir[256];
    char path[300];
    rj_consumer_filter_manager_t *m;
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = rj_calloc(1, sizeof(*f));
    const char *base = getenv("TMPDIR");
    snprintf(f->dir, sizeof(f->dir), "%s/rj_cfm_XXXXXX", base ? base : "/tmp");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/consumerFilter.json", f->dir);
    assert_int_equal(rj_consumer_filter_manager_create(f->path, DAY, &f->m), 0);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_consumer_filter_manager_destroy(f->m);
    rj_fs_remove_tree(f->dir);
    rj_free(f);
    return 0;
}

static rj_subscription_t *
sub(const char *topic, const char *expr, const char *type, int64_t version)
{
    rj_subscription_t *s;
    assert_int_equal(rj_subscription_data_build(rj_bytes_from_cstr(topic), rj_bytes_from_cstr(expr),
                                                rj_bytes_from_cstr(type), &s),
                     0);
    s->sub_version = version;
    return s;
}

static void
register_subs(fixture_t *f, rj_subscription_t **subs, size_t n, int64_t now)
{
    rj_consumer_filter_manager_register(f->m, G, subs, n, now);
    for (size_t i = 0; i < n; i++) {
        rj_subscription_data_release(subs[i]);
    }
}

/* Looks up and returns the expression's text ("" if none), checking the version. */
static const char *
lookup(fixture_t *f, const char *topic, int64_t *version)
{
    static char text[256];
    rj_consumer_filter_t cf;
    if (!rj_consumer_filter_manager_lookup(f->m, rj_bytes_from_cstr(topic), G, &cf)) {
        return NULL;
    }
    snprintf(text, sizeof(text), "%s", cf.expression ? rj_sql92_text(cf.expression) : "");
    *version = cf.client_version;
    rj_sql92_release(cf.expression);
    return text;
}

static void
test_sql_subscriptions_become_filter_data(void **state)
{
    fixture_t *f = *state;
    int64_t v;
    rj_subscription_t *subs[] = {sub("T1", "a > 1", "SQL92", 100), sub("T2", "TagA", "TAG", 100)};
    register_subs(f, subs, 2, 1000);
    assert_string_equal(lookup(f, "T1", &v), "a > 1");
    assert_int_equal(v, 100);
    assert_null(lookup(f, "T2", &v)); /* TAG subscriptions have none */
    assert_null(lookup(f, "T3", &v));
    /* The expression is usable. */
    rj_consumer_filter_t cf;
    assert_true(rj_consumer_filter_manager_lookup(f->m, RJ_BYTES_LIT("T1"), G, &cf));
    assert_true(rj_sql92_match_properties(cf.expression, RJ_BYTES_LIT("a\0015")));
    assert_false(rj_sql92_match_properties(cf.expression, RJ_BYTES_LIT("a\0010")));
    rj_sql92_release(cf.expression);
    /* Other groups do not see it. */
    assert_false(
        rj_consumer_filter_manager_lookup(f->m, RJ_BYTES_LIT("T1"), RJ_BYTES_LIT("other"), &cf));
}

static void
test_versions_decide_replacement(void **state)
{
    fixture_t *f = *state;
    int64_t v;
    rj_subscription_t *a[] = {sub("T1", "a > 1", "SQL92", 100)};
    register_subs(f, a, 1, 1000);
    /* An older or equal version changes nothing, even with another expression. */
    rj_subscription_t *b[] = {sub("T1", "a > 2", "SQL92", 100)};
    register_subs(f, b, 1, 2000);
    assert_string_equal(lookup(f, "T1", &v), "a > 1");
    /* A newer one with the same expression only moves the version. */
    rj_subscription_t *c[] = {sub("T1", "a > 1", "SQL92", 150)};
    register_subs(f, c, 1, 3000);
    assert_string_equal(lookup(f, "T1", &v), "a > 1");
    assert_int_equal(v, 150);
    /* A newer one with another expression replaces it. */
    rj_subscription_t *d[] = {sub("T1", "b IS NULL", "SQL92", 200)};
    register_subs(f, d, 1, 4000);
    assert_string_equal(lookup(f, "T1", &v), "b IS NULL");
    assert_int_equal(v, 200);
    /* A newer expression that does not compile removes the data (pulls then report it). */
    rj_subscription_t *e[] = {sub("T1", "b IS", "SQL92", 300)};
    register_subs(f, e, 1, 5000);
    assert_null(lookup(f, "T1", &v));
    /* And a first one that does not compile never registers. */
    rj_subscription_t *g[] = {sub("T4", "((", "SQL92", 300)};
    register_subs(f, g, 1, 5000);
    assert_null(lookup(f, "T4", &v));
}

static bool
file_has(fixture_t *f, const char *needle)
{
    rj_buf_t text = RJ_BUF_INIT;
    bool found = false;
    if (rj_fs_read_file(f->path, &text) == 0 && rj_buf_terminate(&text) == 0) {
        found = strstr((const char *)text.data, needle) != NULL;
    }
    rj_buf_cleanup(&text);
    return found;
}

static void
test_persisted_in_rocketmq_format_and_loaded_back(void **state)
{
    fixture_t *f = *state;
    rj_subscription_t *subs[] = {sub("T1", "a > 1", "SQL92", 100)};
    register_subs(f, subs, 1, 1000);
    assert_int_equal(rj_consumer_filter_manager_persist(f->m, 2000), 0);
    rj_buf_t text = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_file(f->path, &text), 0);
    json_t *root = rj_json_parse(text.data, text.len, NULL, 0);
    rj_buf_cleanup(&text);
    const json_t *by_topic = json_object_get(json_object_get(root, "filterDataByTopic"), "T1");
    assert_string_equal(rj_json_get_str(by_topic, "topic", ""), "T1");
    const json_t *d = json_object_get(json_object_get(by_topic, "groupFilterData"), "cg");
    assert_string_equal(rj_json_get_str(d, "consumerGroup", ""), "cg");
    assert_string_equal(rj_json_get_str(d, "expression", ""), "a > 1");
    assert_string_equal(rj_json_get_str(d, "expressionType", ""), "SQL92");
    assert_int_equal(rj_json_get_int(d, "bornTime", 0), 1000);
    assert_int_equal(rj_json_get_int(d, "deadTime", -1), 0);
    assert_int_equal(rj_json_get_int(d, "clientVersion", 0), 100);
    assert_false(rj_json_get_bool(d, "dead", true));
    const json_t *bloom = json_object_get(d, "bloomFilterData");
    assert_int_equal(rj_json_get_int(bloom, "bitNum", 0), 112);
    assert_int_equal(json_array_size(json_object_get(bloom, "bitPos")), 3);
    json_decref(root);

    /* A new broker loads it; the data counts as dead but serves pulls. */
    rj_consumer_filter_manager_t *m2;
    assert_int_equal(rj_consumer_filter_manager_create(f->path, DAY, &m2), 0);
    assert_int_equal(rj_consumer_filter_manager_load(m2, 100000), 0);
    rj_consumer_filter_t cf;
    assert_true(rj_consumer_filter_manager_lookup(m2, RJ_BYTES_LIT("T1"), G, &cf));
    assert_string_equal(rj_sql92_text(cf.expression), "a > 1");
    assert_int_equal(cf.client_version, 100);
    rj_sql92_release(cf.expression);
    /* Dead since the load minus 30 s: cleaned a day after that. */
    rj_consumer_filter_manager_persist(m2, 100000);
    assert_true(file_has(f, "\"deadTime\":70000"));
    rj_consumer_filter_manager_persist(m2, 70000 + DAY);
    assert_false(rj_consumer_filter_manager_lookup(m2, RJ_BYTES_LIT("T1"), G, &cf));
    assert_true(file_has(f, "{\"filterDataByTopic\":{}}"));
    rj_consumer_filter_manager_destroy(m2);
}

static void
test_foreign_bloom_data_voids_the_file(void **state)
{
    fixture_t *f = *state;
    const char *text =
        "{\"filterDataByTopic\":{\"T1\":{\"groupFilterData\":{\"cg\":{\"bloomFilterData\":"
        "{\"bitNum\":64,\"bitPos\":[1,2]},\"bornTime\":1,\"clientVersion\":5,\"consumerGroup\":"
        "\"cg\",\"deadTime\":0,\"expression\":\"a=1\",\"expressionType\":\"SQL92\",\"topic\":"
        "\"T1\"}},\"topic\":\"T1\"}}}";
    assert_int_equal(rj_fs_write_config(f->path, text, strlen(text)), 0);
    assert_int_equal(rj_consumer_filter_manager_load(f->m, 1000), 0);
    int64_t v;
    assert_null(lookup(f, "T1", &v));
    /* Not JSON at all: an error, as for the other config files. */
    assert_int_equal(rj_fs_write_atomic(f->path, "{{{", 3), 0);
    char bak[400];
    snprintf(bak, sizeof(bak), "%s.bak", f->path);
    unlink(bak);
    assert_int_not_equal(rj_consumer_filter_manager_load(f->m, 1000), 0);
}

static void
test_dead_data_lives_on_and_comes_back(void **state)
{
    fixture_t *f = *state;
    int64_t v;
    rj_subscription_t *a[] = {sub("T1", "a > 1", "SQL92", 100), sub("T2", "b = 1", "SQL92", 100)};
    register_subs(f, a, 2, 1000);
    /* The group drops T2: that data dies, T1's stays alive. */
    rj_subscription_t *b[] = {sub("T1", "a > 1", "SQL92", 100)};
    register_subs(f, b, 1, 2000);
    assert_int_equal(rj_consumer_filter_manager_persist(f->m, 2000), 0);
    assert_true(file_has(f, "\"deadTime\":2000"));
    assert_string_equal(lookup(f, "T2", &v), "b = 1");
    /* The last consumer leaves: everything of the group dies, lookups still work. */
    rj_consumer_filter_manager_unregister(f->m, G, 3000);
    assert_string_equal(lookup(f, "T1", &v), "a > 1");
    /* The same version coming back makes it alive again. */
    rj_subscription_t *c[] = {sub("T1", "a > 1", "SQL92", 100)};
    register_subs(f, c, 1, 4000);
    rj_consumer_filter_manager_persist(f->m, 4000 + DAY - 1);
    assert_string_equal(lookup(f, "T1", &v), "a > 1");
    /* T2 died at 2000: gone a day later. */
    rj_consumer_filter_manager_persist(f->m, 2000 + DAY);
    assert_null(lookup(f, "T2", &v));
    assert_string_equal(lookup(f, "T1", &v), "a > 1");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sql_subscriptions_become_filter_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_versions_decide_replacement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persisted_in_rocketmq_format_and_loaded_back, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_foreign_bloom_data_voids_the_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_data_lives_on_and_comes_back, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
