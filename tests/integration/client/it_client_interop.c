/*
 * Cross-client: messages the C producer sends are consumed by ali-ons 3.12.0
 * (tests/interop/consume.js) with body, tag, keys, user property and
 * UNIQ_KEY unchanged, and messages ali-ons sends (tests/interop/produce.js)
 * reach the C push consumer unchanged, its compressed body inflated. Needs
 * Node.js and `npm ci` in tests/interop (scripts/deps.sh does it).
 */
#include "client_fixture.h"

#include "common/json.h"
#include "support/wait.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#define COUNT 20
#define BIG_PAD 6000

static it_cluster_t cluster;
static char interop_dir[1024];

static int
group_setup(void **state)
{
    const char *src = getenv("RJ_SOURCE_DIR");
    char path[1100];

    it_log_from_env();
    snprintf(interop_dir, sizeof(interop_dir), "%s/tests/interop", src != NULL ? src : ".");
    snprintf(path, sizeof(path), "%s/node_modules/ali-ons/package.json", interop_dir);
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "ali-ons is not installed in %s: run scripts/deps.sh (npm ci)\n",
                interop_dir);
        return -1;
    }
    if (system("node --version >/dev/null 2>&1") != 0) {
        fprintf(stderr, "node is not on PATH\n");
        return -1;
    }
    it_cluster_start(&cluster, 1);
    return 0;
}

static int
group_teardown(void **state)
{
    it_cluster_stop(&cluster);
    return 0;
}

/* Runs a node script; each stdout line that parses as JSON goes to `lines`. Returns exit status. */
static int
run_node(const char *script, const char *args, json_t *lines)
{
    char cmd[2048];
    char line[16384];

    snprintf(cmd, sizeof(cmd), "node '%s/%s' %s", interop_dir, script, args);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        json_t *j = json_loads(line, 0, NULL);
        if (j != NULL) {
            json_array_append_new(lines, j);
        } else {
            fprintf(stderr, "node: %s", line);
        }
    }
    int status = pclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_c_producer_to_alions_consumer(void **state)
{
    rj_producer_t *p;
    rj_message_t *m;
    char ids[COUNT][64];
    static char big[BIG_PAD + 64];

    it_create_topic(&cluster, "IT_C2A", 4);
    assert_int_equal(rj_producer_create("it_c2a_pg", &p), RJ_OK);
    assert_int_equal(rj_producer_set_namesrv_addr(p, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_producer_start(p), RJ_OK);
    assert_int_equal(rj_message_create("IT_C2A", &m), RJ_OK);
    for (int i = 0; i < COUNT; i++) {
        char keys[64], prop[16];
        int n = snprintf(big, sizeof(big), "c2a #%d", i);
        if (i == COUNT - 1) {
            memset(big + n, 'q', BIG_PAD);
            n += BIG_PAD;
        }
        snprintf(keys, sizeof(keys), "ck-%d other", i);
        snprintf(prop, sizeof(prop), "%d", i);
        rj_message_set_body(m, big, (size_t)n);
        rj_message_set_tags(m, "TagC");
        rj_message_set_keys(m, keys);
        rj_message_set_property(m, "interop", prop);
        rj_send_result_t *r;
        assert_int_equal(rj_producer_send(p, m, &r), RJ_OK);
        snprintf(ids[i], sizeof(ids[i]), "%s", rj_send_result_msg_id(r));
        rj_send_result_destroy(r);
    }
    rj_message_destroy(m);
    rj_producer_destroy(p);

    json_t *lines = json_array();
    char args[512];
    snprintf(args, sizeof(args), "%s IT_C2A it_c2a_alions %d 60000", it_namesrv(&cluster), COUNT);
    assert_int_equal(run_node("consume.js", args, lines), 0);
    bool got[COUNT] = {false};
    size_t idx;
    json_t *l;
    json_array_foreach(lines, idx, l)
    {
        const char *body = rj_json_get_str(l, "body", "");
        int i = atoi(strchr(body, '#') + 1);
        assert_true(i >= 0 && i < COUNT);
        char want[64];
        snprintf(want, sizeof(want), "c2a #%d", i);
        assert_int_equal(strncmp(body, want, strlen(want)), 0);
        assert_int_equal(rj_json_get_int(l, "bodyLength", -1),
                         (int64_t)strlen(want) + (i == COUNT - 1 ? BIG_PAD : 0));
        assert_string_equal(rj_json_get_str(l, "tags", ""), "TagC");
        snprintf(want, sizeof(want), "ck-%d other", i);
        assert_string_equal(rj_json_get_str(l, "keys", ""), want);
        snprintf(want, sizeof(want), "%d", i);
        assert_string_equal(rj_json_get_str(l, "interop", ""), want);
        assert_string_equal(rj_json_get_str(l, "uniqKey", ""), ids[i]);
        got[i] = true;
    }
    for (int i = 0; i < COUNT; i++) {
        assert_true(got[i]);
    }
    json_decref(lines);
}

typedef struct {
    pthread_mutex_t lock;
    int seen[COUNT];
    bool ok[COUNT];
    int distinct;
} a2c_seen_t;

static rj_consume_status_t
a2c_listener(const rj_message_t *const *msgs, size_t count, rj_consume_context_t *ctx, void *arg)
{
    a2c_seen_t *s = arg;
    (void)ctx;
    for (size_t k = 0; k < count; k++) {
        size_t len;
        const char *body = rj_message_body(msgs[k], &len);
        char head[32];
        snprintf(head, sizeof(head), "%.*s", (int)(len < 31 ? len : 31), body);
        const char *hash = strchr(head, '#');
        if (hash == NULL) {
            continue;
        }
        int i = atoi(hash + 1);
        if (i < 0 || i >= COUNT) {
            continue;
        }
        char want_body[32], want_keys[64], want_prop[16];
        int n = snprintf(want_body, sizeof(want_body), "a2c #%d", i);
        snprintf(want_keys, sizeof(want_keys), "key-%d extra", i);
        snprintf(want_prop, sizeof(want_prop), "%d", i);
        size_t want_len = (size_t)n + (i == COUNT - 1 ? 1 + BIG_PAD : 0);
        const char *tags = rj_message_tags(msgs[k]);
        const char *keys = rj_message_keys(msgs[k]);
        const char *prop = rj_message_property(msgs[k], "interop");
        bool ok = len == want_len && memcmp(body, want_body, (size_t)n) == 0 && tags != NULL &&
                  strcmp(tags, "TagI") == 0 && keys != NULL && strcmp(keys, want_keys) == 0 &&
                  prop != NULL && strcmp(prop, want_prop) == 0;
        if (ok && i == COUNT - 1) {
            for (size_t z = (size_t)n + 1; z < len && ok; z++) {
                ok = body[z] == 'z';
            }
        }
        pthread_mutex_lock(&s->lock);
        if (s->seen[i]++ == 0) {
            s->distinct++;
        }
        s->ok[i] = ok;
        pthread_mutex_unlock(&s->lock);
    }
    return RJ_CONSUME_SUCCESS;
}

static bool
a2c_all(void *arg)
{
    a2c_seen_t *s = arg;
    pthread_mutex_lock(&s->lock);
    bool done = s->distinct >= COUNT;
    pthread_mutex_unlock(&s->lock);
    return done;
}

static void
test_alions_producer_to_c_consumer(void **state)
{
    a2c_seen_t s = {.lock = PTHREAD_MUTEX_INITIALIZER};
    rj_push_consumer_t *c;

    it_create_topic(&cluster, "IT_A2C", 4);
    json_t *lines = json_array();
    char args[512];
    snprintf(args, sizeof(args), "%s IT_A2C it_a2c_alions_pg %d a2c", it_namesrv(&cluster), COUNT);
    assert_int_equal(run_node("produce.js", args, lines), 0);
    assert_int_equal(json_array_size(lines), COUNT + 1);
    json_decref(lines);

    assert_int_equal(rj_push_consumer_create("it_a2c", &c), RJ_OK);
    assert_int_equal(rj_push_consumer_set_namesrv_addr(c, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_push_consumer_subscribe(c, "IT_A2C", "*"), RJ_OK);
    assert_int_equal(rj_push_consumer_set_consume_from(c, RJ_CONSUME_FROM_FIRST_OFFSET, 0), RJ_OK);
    assert_int_equal(rj_push_consumer_set_listener(c, a2c_listener, &s), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);
    assert_true(rj_wait_until(a2c_all, &s, 20000));
    rj_push_consumer_destroy(c);
    for (int i = 0; i < COUNT; i++) {
        assert_int_equal(s.seen[i], 1);
        assert_true(s.ok[i]);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_c_producer_to_alions_consumer),
        cmocka_unit_test(test_alions_producer_to_c_consumer),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
