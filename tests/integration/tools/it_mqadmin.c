/*
 * mqadmin against real mqnamesrv + mqbroker processes (port 0, temp dirs).
 * Each sub-command runs as the real binary; its output is checked and, where
 * it changes something, the change is checked on its own path (raw remoting
 * calls to the name server or broker, or the C client's admin API), so a
 * command that prints success without doing the work fails.
 *
 * The first group needs no daemon: help, usage errors and unreachable name
 * servers must give a clear message and a non-zero exit.
 */
#include "support/daemon.h"
#include "support/raw_client.h"
#include "support/tempdir.h"
#include "support/wait.h"

#include "common/buf.h"
#include "ramjet/admin.h"
#include "ramjet/consumer.h"
#include "ramjet/message.h"
#include "ramjet/producer.h"
#include "ramjet/status.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <setjmp.h>
#include <stddef.h>
#include <cmocka.h>

extern char **environ;

#define MAX_ARGS 40

typedef struct {
    rj_daemon_t *ns;
    rj_daemon_t *broker;
} cluster_t;

static char *g_dir;           /* where mqadmin's stdout/stderr land */
static const char *g_ns_addr; /* -n for every run; NULL: none */
static cluster_t *g_cluster;

/* ---- running mqadmin ----------------------------------------------------------------------- */

typedef struct {
    int status; /* exit status; 128+signal when killed */
    char *out;
    char *err;
} run_t;

static void
run_free(run_t *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

static char *
read_file(const char *path)
{
    rj_buf_t b = RJ_BUF_INIT;
    FILE *f = fopen(path, "rb");
    char chunk[4096];
    size_t n;
    while (f != NULL && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        rj_buf_append(&b, chunk, n);
    }
    if (f != NULL) {
        fclose(f);
    }
    rj_buf_terminate(&b);
    char *s = strdup(b.data != NULL ? (const char *)b.data : "");
    rj_buf_cleanup(&b);
    return s;
}

/* Runs "mqadmin <args...>" (args end with NULL); stdout and stderr are captured. */
static run_t
run_argv(const char *const *args)
{
    char bin[4096], out_path[4096], err_path[4096];
    snprintf(bin, sizeof(bin), "%s/mqadmin", getenv("RJ_BIN_DIR"));
    snprintf(out_path, sizeof(out_path), "%s/out.txt", g_dir);
    snprintf(err_path, sizeof(err_path), "%s/err.txt", g_dir);
    /* `timeout`: a run that hangs must fail the test, not stall the suite. */
    const char *argv[MAX_ARGS + 8] = {"timeout", "-s", "KILL", "60", bin};
    size_t n = 5;
    for (size_t i = 0; args[i] != NULL && n < MAX_ARGS + 6; i++) {
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    run_t r = {.status = -1};
    if (posix_spawnp(&pid, "timeout", &fa, NULL, (char *const *)argv, environ) == 0) {
        int st;
        while (waitpid(pid, &st, 0) < 0) {
        }
        r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    posix_spawn_file_actions_destroy(&fa);
    r.out = read_file(out_path);
    r.err = read_file(err_path);
    return r;
}

/* "mqadmin <sub> -n <name server> <args...>"; the list ends with NULL. */
static run_t
adm(const char *sub, ...)
{
    const char *args[MAX_ARGS + 1];
    size_t n = 0;
    args[n++] = sub;
    if (g_ns_addr != NULL) {
        args[n++] = "-n";
        args[n++] = g_ns_addr;
    }
    va_list ap;
    va_start(ap, sub);
    for (const char *a = va_arg(ap, const char *); a != NULL && n < MAX_ARGS;
         a = va_arg(ap, const char *)) {
        args[n++] = a;
    }
    va_end(ap);
    args[n] = NULL;
    return run_argv(args);
}

static void
expect_ok(const run_t *r, const char *what)
{
    if (r->status != 0) {
        fail_msg("mqadmin %s: exit %d\nstdout:\n%s\nstderr:\n%s", what, r->status, r->out, r->err);
    }
}

static void
expect_failure(const run_t *r, const char *what, const char *needle)
{
    if (r->status != 1) { /* 1: a reported failure; sanitizer reports and crashes exit otherwise */
        fail_msg("mqadmin %s: expected a clean failure, got exit %d\nstdout:\n%s\nstderr:\n%s",
                 what, r->status, r->out, r->err);
    }
    if (needle != NULL && strstr(r->err, needle) == NULL) {
        fail_msg("mqadmin %s: stderr lacks \"%s\":\n%s", what, needle, r->err);
    }
}

static void
expect_in(const char *text, const char *needle, const char *what)
{
    if (strstr(text, needle) == NULL) {
        fail_msg("%s: output lacks \"%s\":\n%s", what, needle, text);
    }
}

/* The line of `text` that starts with `prefix`, copied into buf ("" when none). */
static const char *
line_starting(const char *text, const char *prefix, char *buf, size_t size)
{
    size_t plen = strlen(prefix);
    buf[0] = '\0';
    for (const char *p = text; p != NULL && *p != '\0';) {
        const char *end = strchr(p, '\n');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (len >= plen && strncmp(p, prefix, plen) == 0) {
            snprintf(buf, size, "%.*s", (int)len, p);
            return buf;
        }
        p = end != NULL ? end + 1 : NULL;
    }
    return buf;
}

/* ---- group without daemons: usage and reachability ------------------------------------------- */

static int
setup_dir_only(void **state)
{
    (void)state;
    g_ns_addr = NULL;
    return rj_tempdir_create("mqadmin-cli", &g_dir);
}

static int
teardown_dir_only(void **state)
{
    (void)state;
    rj_tempdir_remove(g_dir);
    g_dir = NULL;
    return 0;
}

static void
test_no_arguments_lists_the_commands(void **state)
{
    (void)state;
    const char *none[] = {NULL};
    run_t r = run_argv(none);
    expect_ok(&r, "(no arguments)");
    expect_in(r.out, "The most commonly used mqadmin commands are:", "mqadmin");
    static const char *const names[] = {
        "updateTopic",         "deleteTopic",        "topicList",
        "topicRoute",          "topicStatus",        "topicClusterList",
        "updateSubGroup",      "deleteSubGroup",     "clusterList",
        "brokerStatus",        "updateBrokerConfig", "getBrokerConfig",
        "consumerProgress",    "consumerConnection", "producerConnection",
        "queryMsgById",        "queryMsgByKey",      "queryMsgByUniqueKey",
        "queryMsgByOffset",    "resetOffsetByTime",  "cloneGroupOffset",
        "updateKvConfig",      "deleteKvConfig",     "getNamesrvConfig",
        "updateNamesrvConfig", "wipeWritePerm",      "addWritePerm",
        "sendMessage",         "consumeMessage",     "printMsg"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char needle[64];
        snprintf(needle, sizeof(needle), "   %s ", names[i]);
        expect_in(r.out, needle, "command list");
    }
    run_free(&r);
}

static void
test_help_prints_the_options_of_a_command(void **state)
{
    (void)state;
    const char *help[] = {"help", "updateTopic", NULL};
    run_t r = run_argv(help);
    expect_ok(&r, "help updateTopic");
    expect_in(r.out, "usage: mqadmin updateTopic", "help");
    expect_in(r.out, " -b,--brokerAddr <arg>", "help");
    expect_in(r.out, " -c,--clusterName <arg>", "help");
    expect_in(r.out, " -n,--namesrvAddr <arg>", "help");
    expect_in(r.out, " -t,--topic <arg>", "help");
    expect_in(r.out, " -o,--order <arg>", "help");
    run_free(&r);

    const char *dash_h[] = {"consumerProgress", "-h", NULL};
    r = run_argv(dash_h);
    expect_ok(&r, "consumerProgress -h");
    expect_in(r.out, " -g,--groupName <arg>", "consumerProgress -h");
    expect_in(r.out, " -s,--showClientIP <arg>", "consumerProgress -h");
    run_free(&r);
}

static void
test_bad_usage_fails_with_a_reason(void **state)
{
    (void)state;
    const char *unknown[] = {"noSuchCommand", NULL};
    run_t r = run_argv(unknown);
    expect_failure(&r, "noSuchCommand", "The sub command noSuchCommand not exist.");
    run_free(&r);

    const char *missing[] = {"updateTopic", "-t", "T", NULL};
    r = run_argv(missing);
    expect_failure(&r, "updateTopic without -b/-c", "Missing required option");
    expect_in(r.err, "usage: mqadmin updateTopic", "usage on stderr");
    run_free(&r);

    const char *both[] = {"updateTopic", "-t", "T", "-b", "x:1", "-c", "C", NULL};
    r = run_argv(both);
    expect_failure(&r, "updateTopic -b and -c", "already been selected");
    run_free(&r);

    const char *no_value[] = {"topicRoute", "-t", NULL};
    r = run_argv(no_value);
    expect_failure(&r, "topicRoute -t", "Missing argument for option: t");
    run_free(&r);

    const char *bad_flag[] = {"topicList", "-x", NULL};
    r = run_argv(bad_flag);
    expect_failure(&r, "topicList -x", "Unrecognized option: -x");
    run_free(&r);

    const char *stray[] = {"topicList", "stray", NULL};
    r = run_argv(stray);
    expect_failure(&r, "topicList stray", "Unexpected argument: stray");
    run_free(&r);

    const char *bad_number[] = {"updateTopic", "-b", "127.0.0.1:1", "-t", "T", "-r", "eight", NULL};
    r = run_argv(bad_number);
    expect_failure(&r, "updateTopic -r eight", "bad value for -r");
    run_free(&r);

    const char *no_broker[] = {"updateSubGroup", "-g", "G", NULL};
    r = run_argv(no_broker);
    expect_failure(&r, "updateSubGroup without -b/-c", "one of -b brokerAddr or -c clusterName");
    run_free(&r);
}

static void
test_missing_or_unreachable_name_server_fails(void **state)
{
    (void)state;
    unsetenv("NAMESRV_ADDR");
    const char *no_ns[] = {"topicList", NULL};
    run_t r = run_argv(no_ns);
    expect_failure(&r, "topicList without -n", "no name server address");
    run_free(&r);

    /* A port nobody listens on: bind one, note it, close it. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    char addr[64];
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", ntohs(sa.sin_port));

    const char *dead[] = {"clusterList", "-n", addr, NULL};
    r = run_argv(dead);
    expect_failure(&r, "clusterList -n <dead>", "connection refused");
    expect_in(r.err, addr, "the unreachable address is named");
    run_free(&r);

    setenv("NAMESRV_ADDR", addr, 1);
    const char *by_env[] = {"topicRoute", "-t", "T", NULL};
    r = run_argv(by_env);
    expect_failure(&r, "topicRoute with NAMESRV_ADDR=<dead>", "connection refused");
    run_free(&r);
    unsetenv("NAMESRV_ADDR");

    const char *bad_addr[] = {"topicList", "-n", "no-port-here", NULL};
    r = run_argv(bad_addr);
    expect_failure(&r, "topicList -n no-port-here", "no-port-here");
    run_free(&r);
}

/* ---- group with a name server and a broker ----------------------------------------------------
 */

static char g_ns_buf[64];
static char g_broker_addr[64];

static int
start_cluster(void **state)
{
    (void)state;
    cluster_t *c = calloc(1, sizeof(*c));
    static const char *const ns_args[] = {"-c", "{dir}/namesrv.conf", NULL};
    rj_daemon_options_t ns_opts = {
        .binary = "mqnamesrv",
        .args = ns_args,
        .config_name = "namesrv.conf",
        .config_text = "listenPort={port}\nbindAddress=127.0.0.1\n"
                       "kvConfigPath={dir}/store/kvConfig.json\nlogDir={dir}/logs\n",
        .external_env = "RJ_TEST_NAMESRV",
    };
    if (c == NULL || rj_daemon_start(&ns_opts, &c->ns) != 0) {
        return -1;
    }
    char conf[2048];
    snprintf(conf, sizeof(conf),
             "brokerClusterName=DefaultCluster\nbrokerName=broker-a\nbrokerId=0\n"
             "listenPort={port}\nbrokerIP1=127.0.0.1\nbrokerIP2=127.0.0.1\n"
             "storePathRootDir={dir}/store\nlogDir={dir}/logs\n"
             "mappedFileSizeCommitLog=67108864\nnamesrvAddr=%s\n",
             rj_daemon_addr(c->ns));
    static const char *const broker_args[] = {"-c", "{dir}/broker.conf", NULL};
    rj_daemon_options_t broker_opts = {
        .binary = "mqbroker",
        .args = broker_args,
        .config_name = "broker.conf",
        .config_text = conf,
        .external_env = "RJ_TEST_BROKER",
    };
    if (rj_daemon_start(&broker_opts, &c->broker) != 0 ||
        rj_tempdir_create("mqadmin", &g_dir) != 0) {
        return -1;
    }
    /* Message body files (queryMsgBy*) land in the test's directory, not in /tmp. */
    setenv("TMPDIR", g_dir, 1);
    snprintf(g_ns_buf, sizeof(g_ns_buf), "%s", rj_daemon_addr(c->ns));
    snprintf(g_broker_addr, sizeof(g_broker_addr), "%s", rj_daemon_addr(c->broker));
    g_ns_addr = g_ns_buf;
    g_cluster = c;
    /* Every scenario starts once the broker is in the cluster table. */
    for (int i = 0; i < 500; i++) {
        run_t r = adm("clusterList", NULL);
        bool in = r.status == 0 && strstr(r.out, g_broker_addr) != NULL;
        run_free(&r);
        if (in) {
            return 0;
        }
        usleep(20 * 1000);
    }
    return -1;
}

static int
stop_cluster(void **state)
{
    (void)state;
    cluster_t *c = g_cluster;
    int status = -1;
    if (c == NULL) {
        return 0;
    }
    if (c->broker != NULL && !rj_daemon_is_external(c->broker)) {
        rj_daemon_stop(c->broker, 20000, &status);
    }
    rj_daemon_destroy(c->broker);
    if (c->ns != NULL && !rj_daemon_is_external(c->ns)) {
        rj_daemon_stop(c->ns, 10000, &status);
    }
    rj_daemon_destroy(c->ns);
    unsetenv("TMPDIR");
    rj_tempdir_remove(g_dir);
    g_dir = NULL;
    g_ns_addr = NULL;
    free(c);
    g_cluster = NULL;
    return status == 0 ? 0 : -1;
}

/* One raw request to `addr` with JSON ext fields; the reply is returned for inspection. */
static void
raw_call(const char *addr, int32_t code, const char *ext_json, rj_raw_reply_t *reply)
{
    rj_raw_client_t *c = NULL;
    assert_int_equal(rj_raw_client_connect(addr, 5000, &c), 0);
    rj_buf_t req = RJ_BUF_INIT;
    assert_int_equal(rj_raw_request_json(&req, code, 409, 1, 0, ext_json, NULL, 0), 0);
    assert_int_equal(rj_raw_client_call(c, &req, 5000, reply), 0);
    rj_buf_cleanup(&req);
    rj_raw_client_close(c);
}

/* The route of `topic` as the name server gives it, or NULL when it has none. */
static json_t *
route_of(const char *topic)
{
    char ext[256];
    snprintf(ext, sizeof(ext), "{\"topic\":\"%s\"}", topic);
    rj_raw_reply_t r;
    raw_call(g_ns_addr, 105, ext, &r);
    json_t *route = NULL;
    if (r.code == 0) {
        route = json_loads(rj_raw_reply_body_text(&r), 0, NULL);
    }
    rj_raw_reply_cleanup(&r);
    return route;
}

static bool
route_exists(void *arg)
{
    json_t *route = route_of(arg);
    json_decref(route);
    return route != NULL;
}

/*
 * updateTopic returns once the broker stored the topic; the broker tells the
 * name server right after, on its own thread. Wait for the route.
 */
static void
wait_route(const char *topic)
{
    if (!rj_wait_until(route_exists, (void *)topic, 10000)) {
        fail_msg("no route for %s after updateTopic", topic);
    }
}

static int64_t
route_perm(const char *topic)
{
    json_t *route = route_of(topic);
    json_t *qd = json_array_get(json_object_get(route, "queueDatas"), 0);
    int64_t perm = json_integer_value(json_object_get(qd, "perm"));
    json_decref(route);
    return qd != NULL ? perm : -1;
}

static void
test_cluster_list_and_broker_status_show_the_broker(void **state)
{
    (void)state;
    run_t r = adm("clusterList", NULL);
    expect_ok(&r, "clusterList");
    char line[512];
    line_starting(r.out, "DefaultCluster", line, sizeof(line));
    expect_in(line, "broker-a", "clusterList row");
    expect_in(line, g_broker_addr, "clusterList row");
    expect_in(line, "V4_9_8", "clusterList row");
    expect_in(r.out, "#InTPS(LOAD)", "clusterList header");
    run_free(&r);

    r = adm("clusterList", "-m", NULL);
    expect_ok(&r, "clusterList -m");
    expect_in(r.out, "#InTotalToday", "clusterList -m");
    expect_in(line_starting(r.out, "DefaultCluster", line, sizeof(line)), "broker-a",
              "clusterList -m row");
    run_free(&r);

    r = adm("brokerStatus", "-b", g_broker_addr, NULL);
    expect_ok(&r, "brokerStatus -b");
    expect_in(r.out, "brokerVersionDesc               : V4_9_8", "brokerStatus");
    expect_in(r.out, "msgPutTotalTodayNow", "brokerStatus");
    run_free(&r);

    r = adm("brokerStatus", "-c", "DefaultCluster", NULL);
    expect_ok(&r, "brokerStatus -c");
    char prefix[128];
    snprintf(prefix, sizeof(prefix), "%-24s brokerVersionDesc", g_broker_addr);
    expect_in(r.out, prefix, "brokerStatus -c");
    run_free(&r);
}

static void
test_update_topic_shows_in_route_list_status_and_cluster(void **state)
{
    (void)state;
    run_t r = adm("updateTopic", "-c", "DefaultCluster", "-t", "ItAdminTopic", "-r", "3", "-w", "3",
                  NULL);
    expect_ok(&r, "updateTopic -c");
    char expect[256];
    snprintf(expect, sizeof(expect), "create topic to %s success.", g_broker_addr);
    expect_in(r.out, expect, "updateTopic");
    expect_in(r.out,
              "TopicConfig [topicName=ItAdminTopic, readQueueNums=3, writeQueueNums=3, perm=RW-, "
              "topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false]",
              "updateTopic");
    run_free(&r);
    wait_route("ItAdminTopic");

    /* The name server's own answer shows the topic with three queues. */
    json_t *route = route_of("ItAdminTopic");
    assert_non_null(route);
    json_t *qd = json_array_get(json_object_get(route, "queueDatas"), 0);
    assert_int_equal(json_integer_value(json_object_get(qd, "readQueueNums")), 3);
    assert_int_equal(json_integer_value(json_object_get(qd, "writeQueueNums")), 3);
    json_decref(route);

    r = adm("topicList", NULL);
    expect_ok(&r, "topicList");
    expect_in(r.out, "\nItAdminTopic\n", "topicList");
    run_free(&r);

    r = adm("topicList", "-c", NULL);
    expect_ok(&r, "topicList -c");
    char line[512];
    expect_in(line_starting(r.out, "DefaultCluster        ItAdminTopic", line, sizeof(line)),
              "ItAdminTopic", "topicList -c row");
    run_free(&r);

    r = adm("topicRoute", "-t", "ItAdminTopic", NULL);
    expect_ok(&r, "topicRoute");
    expect_in(r.out, "\"readQueueNums\":3", "topicRoute");
    expect_in(r.out, "\"brokerName\":\"broker-a\"", "topicRoute");
    expect_in(r.out, g_broker_addr, "topicRoute");
    json_t *printed = json_loads(r.out, 0, NULL);
    assert_non_null(printed); /* the pretty form is still JSON */
    json_decref(printed);
    run_free(&r);

    r = adm("topicRoute", "-t", "ItAdminTopic", "-l", NULL);
    expect_ok(&r, "topicRoute -l");
    snprintf(expect, sizeof(expect), "{0=%s}", g_broker_addr);
    expect_in(line_starting(r.out, "DefaultCluster", line, sizeof(line)), expect, "route row");
    expect_in(line_starting(r.out, "Total:", line, sizeof(line)), " 3 ", "route total");
    run_free(&r);

    r = adm("topicStatus", "-t", "ItAdminTopic", NULL);
    expect_ok(&r, "topicStatus");
    expect_in(r.out, "#Min Offset", "topicStatus");
    int rows = 0;
    for (const char *p = strstr(r.out, "\nbroker-a "); p != NULL;
         p = strstr(p + 1, "\nbroker-a ")) {
        rows++;
    }
    assert_int_equal(rows, 3);
    run_free(&r);

    r = adm("topicClusterList", "-t", "ItAdminTopic", NULL);
    expect_ok(&r, "topicClusterList");
    assert_string_equal(r.out, "DefaultCluster\n");
    run_free(&r);

    /* -b writes one broker; perm 4 (read only) reaches the route. */
    r = adm("updateTopic", "-b", g_broker_addr, "-t", "ItAdminReadOnly", "-p", "4", NULL);
    expect_ok(&r, "updateTopic -b");
    expect_in(r.out, "perm=R--", "updateTopic -b");
    run_free(&r);
    wait_route("ItAdminReadOnly");
    assert_int_equal(route_perm("ItAdminReadOnly"), 4);

    /* Order topics also record their layout in the name server's KV store. */
    r = adm("updateTopic", "-c", "DefaultCluster", "-t", "ItAdminOrdered", "-w", "2", "-o", "true",
            NULL);
    expect_ok(&r, "updateTopic -o true");
    expect_in(r.out, "orderConf=[broker-a:2]", "updateTopic -o true");
    run_free(&r);
    rj_raw_reply_t kv;
    raw_call(g_ns_addr, 101, "{\"namespace\":\"ORDER_TOPIC_CONFIG\",\"key\":\"ItAdminOrdered\"}",
             &kv);
    assert_int_equal(kv.code, 0);
    assert_string_equal(rj_raw_reply_ext(&kv, "value"), "broker-a:2");
    rj_raw_reply_cleanup(&kv);
}

typedef struct {
    const char *topic;
    const char *key;
    const char *expect;
} key_probe_t;

static bool
key_query_finds(void *arg)
{
    key_probe_t *p = arg;
    run_t r = adm("queryMsgByKey", "-t", p->topic, "-k", p->key, NULL);
    bool found = r.status == 0 && strstr(r.out, p->expect) != NULL;
    run_free(&r);
    return found;
}

/* The value after "<label>" up to the end of its line. */
static void
field(const char *text, const char *label, char *buf, size_t size)
{
    const char *p = strstr(text, label);
    if (p == NULL) {
        fail_msg("no \"%s\" in:\n%s", label, text);
    }
    p += strlen(label);
    while (*p == ' ') {
        p++;
    }
    size_t len = strcspn(p, "\n");
    snprintf(buf, size, "%.*s", (int)len, p);
}

static void
test_sent_message_is_found_by_key_id_unique_key_and_offset(void **state)
{
    (void)state;
    run_t r =
        adm("updateTopic", "-c", "DefaultCluster", "-t", "ItAdminMsg", "-r", "2", "-w", "2", NULL);
    expect_ok(&r, "updateTopic ItAdminMsg");
    run_free(&r);
    wait_route("ItAdminMsg");

    r = adm("sendMessage", "-t", "ItAdminMsg", "-p", "hello from mqadmin", "-k", "OrderNo-42", "-c",
            "TagQ", "-b", "broker-a", "-i", "1", NULL);
    expect_ok(&r, "sendMessage");
    char line[512], uniq[128];
    line_starting(r.out, "broker-a", line, sizeof(line));
    expect_in(line, "SEND_OK", "sendMessage row");
    /* "#Broker Name  #QID  #Send Result  #MsgId": the id is the last word. */
    const char *last = strrchr(line, ' ');
    assert_non_null(last);
    snprintf(uniq, sizeof(uniq), "%s", last + 1);
    assert_int_equal(strlen(uniq), 32);
    assert_int_equal(atoi(line + 34), 1); /* the queue asked for */
    run_free(&r);

    /* The index is written by the broker's dispatch: wait for it. */
    key_probe_t probe = {"ItAdminMsg", "OrderNo-42", uniq};
    assert_true(rj_wait_until(key_query_finds, &probe, 10000));
    r = adm("queryMsgByKey", "-t", "ItAdminMsg", "-k", "OrderNo-42", NULL);
    expect_ok(&r, "queryMsgByKey");
    expect_in(r.out, "#Message ID", "queryMsgByKey");
    line_starting(r.out, uniq, line, sizeof(line));
    assert_true(line[0] != '\0');
    run_free(&r);

    r = adm("queryMsgByKey", "-t", "ItAdminMsg", "-k", "NoSuchKey", NULL);
    expect_failure(&r, "queryMsgByKey NoSuchKey", "no message");
    run_free(&r);

    r = adm("queryMsgByUniqueKey", "-t", "ItAdminMsg", "-i", uniq, NULL);
    expect_ok(&r, "queryMsgByUniqueKey");
    expect_in(r.out, "Tags:                [TagQ]", "queryMsgByUniqueKey");
    expect_in(r.out, "Keys:                [OrderNo-42]", "queryMsgByUniqueKey");
    expect_in(r.out, "Queue ID:            1", "queryMsgByUniqueKey");
    expect_in(r.out, "WARN: No Consumer", "queryMsgByUniqueKey");
    char path[1024];
    field(r.out, "Message Body Path:", path, sizeof(path));
    char *body = read_file(path);
    assert_string_equal(body, "hello from mqadmin");
    free(body);
    run_free(&r);

    r = adm("queryMsgByOffset", "-t", "ItAdminMsg", "-b", "broker-a", "-i", "1", "-o", "0", NULL);
    expect_ok(&r, "queryMsgByOffset");
    expect_in(r.out, "Keys:                [OrderNo-42]", "queryMsgByOffset");
    char offset_id[128];
    field(r.out, "OffsetID:", offset_id, sizeof(offset_id));
    run_free(&r);

    r = adm("queryMsgByOffset", "-t", "ItAdminMsg", "-b", "broker-a", "-i", "1", "-o", "5", NULL);
    expect_failure(&r, "queryMsgByOffset past the end", "no message at offset 5");
    run_free(&r);

    r = adm("queryMsgById", "-i", offset_id, NULL);
    expect_ok(&r, "queryMsgById");
    char got[128];
    field(r.out, "OffsetID:", got, sizeof(got));
    assert_string_equal(got, offset_id);
    expect_in(r.out, "Topic:               ItAdminMsg", "queryMsgById");
    expect_in(r.out, "Queue Offset:        0", "queryMsgById");
    run_free(&r);

    r = adm("queryMsgById", "-i", "NOT-AN-ID", NULL);
    expect_failure(&r, "queryMsgById NOT-AN-ID", "no message");
    run_free(&r);

    r = adm("consumeMessage", "-t", "ItAdminMsg", "-b", "broker-a", "-i", "1", "-o", "0", NULL);
    expect_ok(&r, "consumeMessage");
    expect_in(r.out, "Consume ok", "consumeMessage");
    snprintf(line, sizeof(line), "MSGID: %s ", uniq);
    expect_in(r.out, line, "consumeMessage");
    expect_in(r.out, "BODY: hello from mqadmin", "consumeMessage");
    run_free(&r);

    r = adm("consumeMessage", "-t", "ItAdminMsg", "-c", "1", NULL);
    expect_ok(&r, "consumeMessage (all queues)");
    expect_in(r.out, "BODY: hello from mqadmin", "consumeMessage (all queues)");
    run_free(&r);

    /* printMsg walks every queue; the tag expression filters. */
    r = adm("printMsg", "-t", "ItAdminMsg", "-s", "TagX || TagQ", NULL);
    expect_ok(&r, "printMsg -s TagQ");
    expect_in(
        r.out,
        "minOffset=0, maxOffset=1, MessageQueue [topic=ItAdminMsg, brokerName=broker-a, queueId=1]",
        "printMsg");
    expect_in(r.out, "BODY: hello from mqadmin", "printMsg");
    run_free(&r);
    r = adm("printMsg", "-t", "ItAdminMsg", "-s", "TagX", NULL);
    expect_ok(&r, "printMsg -s TagX");
    assert_null(strstr(r.out, "MSGID:"));
    run_free(&r);
    r = adm("printMsg", "-t", "ItAdminMsg", "-d", "false", NULL);
    expect_ok(&r, "printMsg -d false");
    expect_in(r.out, "BODY: NOT PRINT BODY", "printMsg -d false");
    run_free(&r);
}

/* ---- consumer group scenario -------------------------------------------------------------------
 */

static atomic_int g_consumed;

static rj_consume_status_t
count_listener(const rj_message_t *const *msgs, size_t count, rj_consume_context_t *ctx, void *arg)
{
    (void)msgs;
    (void)ctx;
    (void)arg;
    atomic_fetch_add(&g_consumed, (int)count);
    return RJ_CONSUME_SUCCESS;
}

typedef struct {
    const char *sub;
    const char *arg1, *arg2, *arg3, *arg4;
    const char *expect;
} admin_probe_t;

static bool
admin_output_has(void *arg)
{
    admin_probe_t *p = arg;
    run_t r = adm(p->sub, p->arg1, p->arg2, p->arg3, p->arg4, NULL);
    bool ok = r.status == 0 && strstr(r.out, p->expect) != NULL;
    run_free(&r);
    return ok;
}

static bool
admin_fails(void *arg)
{
    admin_probe_t *p = arg;
    run_t r = adm(p->sub, p->arg1, p->arg2, p->arg3, p->arg4, NULL);
    bool failed = r.status == 1;
    run_free(&r);
    return failed;
}

static bool
consumed_at_least(void *arg)
{
    return atomic_load(&g_consumed) >= *(int *)arg;
}

#define CONSUME_TOPIC "ItAdminConsume"
#define CONSUME_GROUP "ItAdminGroup"
#define SENT 10

static int64_t
stored_offset(rj_admin_t *a, const char *group, int32_t qid)
{
    rj_message_queue_t mq = {CONSUME_TOPIC, "broker-a", qid};
    int64_t off = -2;
    assert_int_equal(rj_admin_consumer_offset(a, group, &mq, &off), RJ_OK);
    return off;
}

static void
test_consumer_progress_connection_reset_and_clone(void **state)
{
    (void)state;
    run_t r =
        adm("updateTopic", "-c", "DefaultCluster", "-t", CONSUME_TOPIC, "-r", "2", "-w", "2", NULL);
    expect_ok(&r, "updateTopic " CONSUME_TOPIC);
    run_free(&r);
    wait_route(CONSUME_TOPIC);

    rj_producer_t *p;
    assert_int_equal(rj_producer_create("ItAdminProducer", &p), RJ_OK);
    assert_int_equal(rj_producer_set_namesrv_addr(p, g_ns_addr), RJ_OK);
    assert_int_equal(rj_producer_set_heartbeat_interval(p, 200), RJ_OK);
    assert_int_equal(rj_producer_start(p), RJ_OK);
    char offset_id[64] = "";
    for (int i = 0; i < SENT; i++) {
        rj_message_t *m;
        char body[32];
        snprintf(body, sizeof(body), "m%d", i);
        assert_int_equal(rj_message_create(CONSUME_TOPIC, &m), RJ_OK);
        assert_int_equal(rj_message_set_body(m, body, strlen(body)), RJ_OK);
        rj_send_result_t *res = NULL;
        assert_int_equal(rj_producer_send(p, m, &res), RJ_OK);
        snprintf(offset_id, sizeof(offset_id), "%s", rj_send_result_offset_msg_id(res));
        rj_send_result_destroy(res);
        rj_message_destroy(m);
    }

    /* producerConnection sees the live producer once it has sent a heartbeat. */
    admin_probe_t prod = {"producerConnection", "-g",    "ItAdminProducer", "-t",
                          CONSUME_TOPIC,        "0001  "};
    assert_true(rj_wait_until(admin_output_has, &prod, 10000));

    atomic_store(&g_consumed, 0);
    rj_push_consumer_t *c;
    assert_int_equal(rj_push_consumer_create(CONSUME_GROUP, &c), RJ_OK);
    assert_int_equal(rj_push_consumer_set_namesrv_addr(c, g_ns_addr), RJ_OK);
    assert_int_equal(rj_push_consumer_subscribe(c, CONSUME_TOPIC, "*"), RJ_OK);
    assert_int_equal(rj_push_consumer_set_consume_from(c, RJ_CONSUME_FROM_FIRST_OFFSET, 0), RJ_OK);
    assert_int_equal(rj_push_consumer_set_persist_offset_interval(c, 200), RJ_OK);
    assert_int_equal(rj_push_consumer_set_listener(c, count_listener, NULL), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);
    int want = SENT;
    assert_true(rj_wait_until(consumed_at_least, &want, 20000));

    /* Progress reaches the broker with the next offset persist: wait for no lag. */
    admin_probe_t caught_up = {"consumerProgress", "-g", CONSUME_GROUP, NULL, NULL,
                               "Diff Total: 0\n"};
    assert_true(rj_wait_until(admin_output_has, &caught_up, 15000));
    r = adm("consumerProgress", "-g", CONSUME_GROUP, NULL);
    expect_ok(&r, "consumerProgress -g");
    expect_in(r.out, "#Consumer Offset", "consumerProgress -g");
    char line[512];
    line_starting(r.out, CONSUME_TOPIC, line, sizeof(line));
    expect_in(line, "broker-a", "consumerProgress row");
    run_free(&r);

    r = adm("consumerProgress", "-g", CONSUME_GROUP, "-s", "true", NULL);
    expect_ok(&r, "consumerProgress -s true");
    expect_in(r.out, "#Client IP", "consumerProgress -s true");
    run_free(&r);

    r = adm("consumerProgress", NULL);
    expect_ok(&r, "consumerProgress (all groups)");
    line_starting(r.out, CONSUME_GROUP " ", line, sizeof(line));
    expect_in(line, "PUSH", "consumerProgress group row");
    expect_in(line, "CLUSTERING", "consumerProgress group row");
    run_free(&r);

    r = adm("consumerConnection", "-g", CONSUME_GROUP, NULL);
    expect_ok(&r, "consumerConnection");
    expect_in(r.out, rj_push_consumer_client_id(c), "consumerConnection");
    expect_in(r.out, "ConsumeType: CONSUME_PASSIVELY", "consumerConnection");
    expect_in(r.out, "MessageModel: CLUSTERING", "consumerConnection");
    char sub_line[128];
    snprintf(sub_line, sizeof(sub_line), "%-20s *", CONSUME_TOPIC);
    expect_in(r.out, sub_line, "consumerConnection subscription");
    run_free(&r);

    /* The message track knows the group consumed the last message. */
    r = adm("queryMsgById", "-i", offset_id, NULL);
    expect_ok(&r, "queryMsgById (consumed)");
    expect_in(r.out, "MessageTrack [consumerGroup=" CONSUME_GROUP ", trackType=CONSUMED,",
              "message track");
    run_free(&r);

    /* Clone the progress to another group; the broker's stored offsets must match. */
    rj_admin_t *a;
    assert_int_equal(rj_admin_create(g_ns_addr, &a), RJ_OK);
    r = adm("cloneGroupOffset", "-s", CONSUME_GROUP, "-d", "ItAdminClone", "-t", CONSUME_TOPIC,
            NULL);
    expect_ok(&r, "cloneGroupOffset");
    expect_in(r.out, "clone group offset success.", "cloneGroupOffset");
    run_free(&r);
    int64_t total = 0;
    for (int32_t q = 0; q < 2; q++) {
        int64_t src = stored_offset(a, CONSUME_GROUP, q);
        assert_int_equal(stored_offset(a, "ItAdminClone", q), src);
        total += src;
    }
    assert_int_equal(total, SENT);

    /* Online reset to the beginning: the broker tells the consumer, which reads all again. */
    r = adm("resetOffsetByTime", "-g", CONSUME_GROUP, "-t", CONSUME_TOPIC, "-s", "0", NULL);
    expect_ok(&r, "resetOffsetByTime (online)");
    expect_in(r.out, "rollback consumer offset by specified group[" CONSUME_GROUP "]",
              "resetOffsetByTime");
    expect_in(r.out, "#brokerName", "resetOffsetByTime");
    line_starting(r.out, "broker-a", line, sizeof(line));
    expect_in(line, " 0 ", "resetOffsetByTime row");
    run_free(&r);
    want = 2 * SENT;
    assert_true(rj_wait_until(consumed_at_least, &want, 20000));

    assert_int_equal(rj_push_consumer_shutdown(c), RJ_OK);
    rj_push_consumer_destroy(c);
    admin_probe_t gone = {"consumerConnection", "-g", CONSUME_GROUP, NULL, NULL, NULL};
    assert_true(rj_wait_until(admin_fails, &gone, 10000));
    r = adm("consumerConnection", "-g", CONSUME_GROUP, NULL);
    expect_failure(&r, "consumerConnection (offline)", NULL);
    run_free(&r);

    /* Offline reset rewrites the stored offsets itself. */
    r = adm("resetOffsetByTime", "-g", CONSUME_GROUP, "-t", CONSUME_TOPIC, "-s", "0", NULL);
    expect_ok(&r, "resetOffsetByTime (offline)");
    expect_in(r.out, "#rollbackOffset", "resetOffsetByTime (offline)");
    run_free(&r);
    for (int32_t q = 0; q < 2; q++) {
        assert_int_equal(stored_offset(a, CONSUME_GROUP, q), 0);
    }
    r = adm("consumerProgress", "-g", CONSUME_GROUP, NULL);
    expect_ok(&r, "consumerProgress after reset");
    expect_in(r.out, "Diff Total: 10\n", "consumerProgress after reset");
    run_free(&r);

    /* "now" moves the stored offsets to the end of each queue. */
    r = adm("resetOffsetByTime", "-g", CONSUME_GROUP, "-t", CONSUME_TOPIC, "-s", "now", NULL);
    expect_ok(&r, "resetOffsetByTime -s now");
    run_free(&r);
    assert_int_equal(stored_offset(a, CONSUME_GROUP, 0) + stored_offset(a, CONSUME_GROUP, 1), SENT);

    r = adm("resetOffsetByTime", "-g", CONSUME_GROUP, "-t", CONSUME_TOPIC, "-s", "yesterday", NULL);
    expect_failure(&r, "resetOffsetByTime -s yesterday", "bad timestamp");
    run_free(&r);

    rj_admin_destroy(a);
    assert_int_equal(rj_producer_shutdown(p), RJ_OK);
    rj_producer_destroy(p);
}

static void
test_sub_group_update_and_delete_reach_the_broker(void **state)
{
    (void)state;
    run_t r = adm("updateSubGroup", "-c", "DefaultCluster", "-g", "ItAdminSubGroup", "-r", "5",
                  "-d", "true", NULL);
    expect_ok(&r, "updateSubGroup");
    expect_in(r.out, "retryMaxTimes=5", "updateSubGroup");
    expect_in(r.out, "consumeBroadcastEnable=true", "updateSubGroup");
    run_free(&r);

    rj_raw_reply_t reply;
    raw_call(g_broker_addr, 201, NULL, &reply);
    assert_int_equal(reply.code, 0);
    json_t *body = json_loads(rj_raw_reply_body_text(&reply), 0, NULL);
    json_t *g = json_object_get(json_object_get(body, "subscriptionGroupTable"), "ItAdminSubGroup");
    assert_non_null(g);
    assert_int_equal(json_integer_value(json_object_get(g, "retryMaxTimes")), 5);
    assert_true(json_is_true(json_object_get(g, "consumeBroadcastEnable")));
    json_decref(body);
    rj_raw_reply_cleanup(&reply);

    r = adm("deleteSubGroup", "-b", g_broker_addr, "-g", "ItAdminSubGroup", NULL);
    expect_ok(&r, "deleteSubGroup");
    expect_in(r.out, "delete subscription group [ItAdminSubGroup] from broker", "deleteSubGroup");
    run_free(&r);
    raw_call(g_broker_addr, 201, NULL, &reply);
    body = json_loads(rj_raw_reply_body_text(&reply), 0, NULL);
    assert_null(
        json_object_get(json_object_get(body, "subscriptionGroupTable"), "ItAdminSubGroup"));
    json_decref(body);
    rj_raw_reply_cleanup(&reply);
}

static void
test_kv_config_update_and_delete(void **state)
{
    (void)state;
    run_t r = adm("updateKvConfig", "-s", "ItAdminNs", "-k", "color", "-v", "blue", NULL);
    expect_ok(&r, "updateKvConfig");
    expect_in(r.out, "create or update kv config to namespace success.", "updateKvConfig");
    run_free(&r);

    const char *ext = "{\"namespace\":\"ItAdminNs\",\"key\":\"color\"}";
    rj_raw_reply_t reply;
    raw_call(g_ns_addr, 101, ext, &reply);
    assert_int_equal(reply.code, 0);
    assert_string_equal(rj_raw_reply_ext(&reply, "value"), "blue");
    rj_raw_reply_cleanup(&reply);

    r = adm("deleteKvConfig", "-s", "ItAdminNs", "-k", "color", NULL);
    expect_ok(&r, "deleteKvConfig");
    expect_in(r.out, "delete kv config from namespace success.", "deleteKvConfig");
    run_free(&r);
    raw_call(g_ns_addr, 101, ext, &reply);
    assert_int_equal(reply.code, 22); /* QUERY_NOT_FOUND */
    rj_raw_reply_cleanup(&reply);
}

static void
test_namesrv_config_get_and_update(void **state)
{
    (void)state;
    run_t r = adm("updateNamesrvConfig", "-k", "orderMessageEnable", "-v", "true", NULL);
    expect_ok(&r, "updateNamesrvConfig");
    expect_in(r.out, "update name server config success!", "updateNamesrvConfig");
    run_free(&r);

    r = adm("getNamesrvConfig", NULL);
    expect_ok(&r, "getNamesrvConfig");
    char banner[128], line[256];
    snprintf(banner, sizeof(banner), "============%s============", g_ns_addr);
    expect_in(r.out, banner, "getNamesrvConfig");
    line_starting(r.out, "orderMessageEnable ", line, sizeof(line));
    expect_in(line, "=  true", "getNamesrvConfig");
    run_free(&r);

    r = adm("updateNamesrvConfig", "-k", "kvConfigPath", "-v", "/elsewhere", NULL);
    expect_failure(&r, "updateNamesrvConfig kvConfigPath", "NO_PERMISSION");
    run_free(&r);
}

static void
test_wipe_and_add_write_perm(void **state)
{
    (void)state;
    run_t r = adm("updateTopic", "-c", "DefaultCluster", "-t", "ItAdminPerm", NULL);
    expect_ok(&r, "updateTopic ItAdminPerm");
    run_free(&r);
    wait_route("ItAdminPerm");
    assert_int_equal(route_perm("ItAdminPerm"), 6);

    r = adm("wipeWritePerm", "-b", "broker-a", NULL);
    expect_ok(&r, "wipeWritePerm");
    char expect[256];
    snprintf(expect, sizeof(expect), "wipe write perm of broker[broker-a] in name server[%s] OK, ",
             g_ns_addr);
    expect_in(r.out, expect, "wipeWritePerm");
    assert_true(atoi(strstr(r.out, expect) + strlen(expect)) > 0);
    run_free(&r);
    assert_int_equal(route_perm("ItAdminPerm"), 4);

    r = adm("addWritePerm", "-b", "broker-a", NULL);
    expect_ok(&r, "addWritePerm");
    expect_in(r.out, "add write perm of broker[broker-a]", "addWritePerm");
    run_free(&r);
    assert_int_equal(route_perm("ItAdminPerm"), 6);
}

static void
test_update_broker_config_live_key_round_trip(void **state)
{
    (void)state;
    char line[256];
    run_t r =
        adm("updateBrokerConfig", "-b", g_broker_addr, "-k", "slaveReadEnable", "-v", "true", NULL);
    expect_ok(&r, "updateBrokerConfig -b");
    expect_in(r.out, "update broker config success, ", "updateBrokerConfig");
    run_free(&r);
    r = adm("getBrokerConfig", "-b", g_broker_addr, NULL);
    expect_ok(&r, "getBrokerConfig -b");
    expect_in(line_starting(r.out, "slaveReadEnable ", line, sizeof(line)), "=  true",
              "getBrokerConfig after true");
    run_free(&r);

    r = adm("updateBrokerConfig", "-c", "DefaultCluster", "-k", "slaveReadEnable", "-v", "false",
            NULL);
    expect_ok(&r, "updateBrokerConfig -c");
    run_free(&r);
    r = adm("getBrokerConfig", "-c", "DefaultCluster", NULL);
    expect_ok(&r, "getBrokerConfig -c");
    char banner[128];
    snprintf(banner, sizeof(banner), "============Master: %s============", g_broker_addr);
    expect_in(r.out, banner, "getBrokerConfig -c");
    expect_in(line_starting(r.out, "slaveReadEnable ", line, sizeof(line)), "=  false",
              "getBrokerConfig after false");
    run_free(&r);

    r = adm("updateBrokerConfig", "-b", g_broker_addr, "-k", "noSuchKey", "-v", "1", NULL);
    expect_failure(&r, "updateBrokerConfig noSuchKey", "noSuchKey");
    run_free(&r);
}

static void
test_unknown_topic_group_and_cluster_fail_clearly(void **state)
{
    (void)state;
    run_t r = adm("topicRoute", "-t", "ItAdminNoSuchTopic", NULL);
    expect_failure(&r, "topicRoute unknown", "TOPIC_NOT_EXIST");
    run_free(&r);

    r = adm("topicStatus", "-t", "ItAdminNoSuchTopic", NULL);
    expect_failure(&r, "topicStatus unknown", "ItAdminNoSuchTopic");
    run_free(&r);

    r = adm("consumerProgress", "-g", "ItAdminNoSuchGroup", NULL);
    expect_failure(&r, "consumerProgress unknown group", "ItAdminNoSuchGroup");
    run_free(&r);

    r = adm("consumerConnection", "-g", "ItAdminNoSuchGroup", NULL);
    expect_failure(&r, "consumerConnection unknown group", "ItAdminNoSuchGroup");
    run_free(&r);

    r = adm("updateTopic", "-c", "NoSuchCluster", "-t", "T", NULL);
    expect_failure(&r, "updateTopic unknown cluster", "clusterName exists");
    run_free(&r);

    r = adm("sendMessage", "-t", "T", "-p", "x", "-i", "1", NULL);
    expect_failure(&r, "sendMessage -i without -b", "Broker name must be set");
    run_free(&r);
}

static void
test_delete_topic_removes_it_everywhere(void **state)
{
    (void)state;
    run_t r = adm("updateTopic", "-c", "DefaultCluster", "-t", "ItAdminDoomed", NULL);
    expect_ok(&r, "updateTopic ItAdminDoomed");
    run_free(&r);
    wait_route("ItAdminDoomed");

    r = adm("deleteTopic", "-c", "DefaultCluster", "-t", "ItAdminDoomed", NULL);
    expect_ok(&r, "deleteTopic");
    expect_in(r.out, "delete topic [ItAdminDoomed] from cluster [DefaultCluster] success.",
              "deleteTopic");
    expect_in(r.out, "delete topic [ItAdminDoomed] from NameServer success.", "deleteTopic");
    run_free(&r);
    assert_null(route_of("ItAdminDoomed"));

    /* The broker forgot it as well: its stats call now fails. */
    rj_raw_reply_t reply;
    raw_call(g_broker_addr, 202, "{\"topic\":\"ItAdminDoomed\"}", &reply);
    assert_int_equal(reply.code, 17); /* TOPIC_NOT_EXIST */
    rj_raw_reply_cleanup(&reply);

    r = adm("topicList", NULL);
    expect_ok(&r, "topicList after delete");
    assert_null(strstr(r.out, "\nItAdminDoomed\n"));
    run_free(&r);
}

/* ---- group against a server that answers oddly ---------------------------------------------- */

/*
 * A fake server standing in for both the name server and the broker: every
 * request gets the same canned answer (code, ext fields, body), echoing the
 * request's opaque. The answers are wrong in many ways (no body, not JSON,
 * wrong types, bad records, error codes without remarks, addresses pointing
 * back to itself); mqadmin must report or tolerate them, never crash or hang.
 */
typedef struct {
    int code;
    const char *ext;  /* extFields JSON text or NULL */
    const char *body; /* NULL: none; "{port}" is replaced by the server's port */
} odd_answer_t;

static int g_odd_listen = -1;
static int g_odd_port;
static pthread_t g_odd_thread;
static atomic_bool g_odd_stop;
static pthread_mutex_t g_odd_lock = PTHREAD_MUTEX_INITIALIZER;
static odd_answer_t g_odd_answer;
static char g_odd_addr[64];

static void
odd_reply(int fd, const uint8_t *frame, size_t len)
{
    uint32_t header_len = ((uint32_t)frame[5] << 16) | ((uint32_t)frame[6] << 8) | frame[7];
    json_t *h =
        header_len <= len - 8 ? json_loadb((const char *)frame + 8, header_len, 0, NULL) : NULL;
    json_int_t opaque = json_integer_value(json_object_get(h, "opaque"));
    json_decref(h);
    pthread_mutex_lock(&g_odd_lock);
    odd_answer_t a = g_odd_answer;
    pthread_mutex_unlock(&g_odd_lock);
    char header[1024], port[16];
    snprintf(header, sizeof(header),
             "{\"code\":%d,%s%s%s\"flag\":1,\"language\":\"JAVA\",\"opaque\":%lld,"
             "\"serializeTypeCurrentRPC\":\"JSON\",\"version\":409}",
             a.code, a.ext != NULL ? "\"extFields\":" : "", a.ext != NULL ? a.ext : "",
             a.ext != NULL ? "," : "", (long long)opaque);
    rj_buf_t body = RJ_BUF_INIT;
    snprintf(port, sizeof(port), "%d", g_odd_port);
    for (const char *b = a.body; b != NULL && *b != '\0';) {
        const char *mark = strstr(b, "{port}");
        size_t n = mark != NULL ? (size_t)(mark - b) : strlen(b);
        rj_buf_append(&body, b, n);
        if (mark == NULL) {
            break;
        }
        rj_buf_append_cstr(&body, port);
        b = mark + 6;
    }
    rj_buf_t out = RJ_BUF_INIT;
    rj_raw_frame(&out, 0, header, strlen(header), body.data, body.len);
    for (size_t off = 0; off < out.len;) {
        ssize_t w = write(fd, out.data + off, out.len - off);
        if (w <= 0) {
            break;
        }
        off += (size_t)w;
    }
    rj_buf_cleanup(&out);
    rj_buf_cleanup(&body);
}

static void *
odd_server(void *arg)
{
    (void)arg;
    struct pollfd fds[17];
    rj_buf_t bufs[17];
    size_t n = 1;
    memset(bufs, 0, sizeof(bufs));
    fds[0].fd = g_odd_listen;
    fds[0].events = POLLIN;
    while (!atomic_load(&g_odd_stop)) {
        if (poll(fds, n, 50) <= 0) {
            continue;
        }
        if ((fds[0].revents & POLLIN) && n < 17) {
            int c = accept(g_odd_listen, NULL, NULL);
            if (c >= 0) {
                fds[n].fd = c;
                fds[n].events = POLLIN;
                fds[n].revents = 0;
                rj_buf_init(&bufs[n]);
                n++;
            }
        }
        for (size_t i = 1; i < n; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                continue;
            }
            uint8_t chunk[65536];
            ssize_t r = read(fds[i].fd, chunk, sizeof(chunk));
            if (r <= 0) {
                close(fds[i].fd);
                rj_buf_cleanup(&bufs[i]);
                fds[i] = fds[n - 1];
                bufs[i] = bufs[n - 1];
                n--;
                i--;
                continue;
            }
            rj_buf_append(&bufs[i], chunk, (size_t)r);
            while (bufs[i].len >= 8) {
                const uint8_t *d = bufs[i].data;
                size_t frame =
                    4 + (((size_t)d[0] << 24) | ((size_t)d[1] << 16) | ((size_t)d[2] << 8) | d[3]);
                if (bufs[i].len < frame) {
                    break;
                }
                odd_reply(fds[i].fd, d, frame);
                rj_buf_consume(&bufs[i], frame);
            }
        }
    }
    for (size_t i = 1; i < n; i++) {
        close(fds[i].fd);
        rj_buf_cleanup(&bufs[i]);
    }
    return NULL;
}

static int
start_odd_server(void **state)
{
    (void)state;
    g_odd_listen = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    if (g_odd_listen < 0 || bind(g_odd_listen, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(g_odd_listen, 16) != 0 ||
        getsockname(g_odd_listen, (struct sockaddr *)&sa, &len) != 0) {
        return -1;
    }
    g_odd_port = ntohs(sa.sin_port);
    snprintf(g_odd_addr, sizeof(g_odd_addr), "127.0.0.1:%d", g_odd_port);
    g_ns_addr = g_odd_addr;
    atomic_store(&g_odd_stop, false);
    if (rj_tempdir_create("mqadmin-odd", &g_dir) != 0 ||
        pthread_create(&g_odd_thread, NULL, odd_server, NULL) != 0) {
        return -1;
    }
    return 0;
}

static int
stop_odd_server(void **state)
{
    (void)state;
    atomic_store(&g_odd_stop, true);
    pthread_join(g_odd_thread, NULL);
    close(g_odd_listen);
    rj_tempdir_remove(g_dir);
    g_dir = NULL;
    g_ns_addr = NULL;
    return 0;
}

/* A consistent-looking view that points back at the fake server, with bad values inside. */
#define SELF_VIEW                                                                               \
    "{\"brokerAddrTable\":{\"b\":{\"brokerAddrs\":{0:\"127.0.0.1:{port}\",\"x\":1,\"1\":7},"    \
    "\"brokerName\":\"b\",\"cluster\":\"C\"},\"z\":5},\"clusterAddrTable\":{\"C\":[\"b\",3],"   \
    "\"D\":\"b\"},\"brokerDatas\":[{\"brokerAddrs\":{\"0\":\"127.0.0.1:{port}\"},"              \
    "\"brokerName\":\"b\",\"cluster\":\"C\"},\"s\",null,{}],\"queueDatas\":[{\"brokerName\":"   \
    "\"b\","                                                                                    \
    "\"perm\":6,\"readQueueNums\":99999999999,\"writeQueueNums\":-4},{\"brokerName\":5}],"      \
    "\"topicList\":[\"%RETRY%G\",\"T\",5,null],\"groupList\":[\"G\",1],"                        \
    "\"offsetTable\":{{\"brokerName\":\"b\",\"queueId\":0,\"topic\":\"T\"}:{\"brokerOffset\":"  \
    "\"x\","                                                                                    \
    "\"consumerOffset\":null,\"lastTimestamp\":-1},\"garbage\":1,\"{\\\"topic\\\":1}\":2,"      \
    "{\"brokerName\":\"b\",\"queueId\":-3,\"topic\":\"T\"}:5},\"table\":{\"putTps\":\"abc\","   \
    "\"earliestMessageTimeStamp\":\"zz\",\"commitLogDiskRatio\":7,\"brokerVersionDesc\":null}," \
    "\"connectionSet\":[{\"clientId\":5,\"version\":\"v\"},7],\"subscriptionTable\":{\"T\":3}," \
    "\"mqTable\":[],\"consumeTps\":\"fast\"}"

static const odd_answer_t odd_answers[] = {
    {0, NULL, NULL},
    {0, NULL, "not json at all"},
    {0, NULL, "[1,2,3]"},
    {0, "{\"offset\":\"abc\",\"wipeTopicCount\":\"-\"}",
     "{\"brokerAddrTable\":[1],\"clusterAddrTable\":{\"C\":\"x\"},\"brokerDatas\":{},"
     "\"queueDatas\":7,\"topicList\":\"T\",\"offsetTable\":[5,{\"topic\":\"T\"}],\"table\":[],"
     "\"connectionSet\":{}}"},
    {0,
     "{\"offset\":\"1\",\"nextBeginOffset\":\"0\",\"minOffset\":\"0\",\"maxOffset\":\"9\","
     "\"value\":\"v\",\"addTopicCount\":\"1\",\"wipeTopicCount\":\"1\"}",
     SELF_VIEW},
    {0, "{\"offset\":\"0\"}", "{{{{"},
    {17, NULL, NULL},
    {1, "{}", "\x01\x02garbage"},
    {206, "{\"x\":\"y\"}", "{}"},
};

static void
test_odd_answers_are_reported_not_crashed_on(void **state)
{
    (void)state;
    static const char *const commands[][10] = {
        {"clusterList", NULL},
        {"clusterList", "-m", NULL},
        {"topicList", NULL},
        {"topicList", "-c", NULL},
        {"topicRoute", "-t", "T", NULL},
        {"topicRoute", "-t", "T", "-l", NULL},
        {"topicStatus", "-t", "T", NULL},
        {"topicClusterList", "-t", "T", NULL},
        {"updateTopic", "-c", "C", "-t", "T", "-o", "true", NULL},
        {"updateTopic", "-b", "127.0.0.1:1", "-t", "T", NULL},
        {"deleteTopic", "-c", "C", "-t", "T", NULL},
        {"brokerStatus", "-c", "C", NULL},
        {"getBrokerConfig", "-c", "C", NULL},
        {"consumerProgress", NULL},
        {"consumerProgress", "-g", "G", "-s", "true", NULL},
        {"consumerConnection", "-g", "G", NULL},
        {"producerConnection", "-g", "P", "-t", "T", NULL},
        {"resetOffsetByTime", "-g", "G", "-t", "T", "-s", "now", NULL},
        {"cloneGroupOffset", "-s", "G", "-d", "H", "-t", "T", NULL},
        {"queryMsgByKey", "-t", "T", "-k", "K", NULL},
        {"queryMsgByUniqueKey", "-t", "T", "-i", "K", NULL},
        {"queryMsgByOffset", "-t", "T", "-b", "b", "-i", "0", "-o", "0", NULL},
        {"consumeMessage", "-t", "T", "-c", "3", NULL},
        {"printMsg", "-t", "T", NULL},
        {"getNamesrvConfig", NULL},
        {"wipeWritePerm", "-b", "b", NULL},
        {"updateKvConfig", "-s", "N", "-k", "K", "-v", "V", NULL},
    };
    for (size_t a = 0; a < sizeof(odd_answers) / sizeof(odd_answers[0]); a++) {
        pthread_mutex_lock(&g_odd_lock);
        g_odd_answer = odd_answers[a];
        pthread_mutex_unlock(&g_odd_lock);
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
            const char *args[16];
            size_t n = 0;
            args[n++] = commands[i][0];
            args[n++] = "-n";
            args[n++] = g_odd_addr;
            for (size_t j = 1; commands[i][j] != NULL; j++) {
                args[n++] = commands[i][j];
            }
            args[n] = NULL;
            run_t r = run_argv(args);
            if (r.status != 0 && r.status != 1) {
                fail_msg("answer %zu, mqadmin %s: exit %d\nstdout:\n%s\nstderr:\n%s", a,
                         commands[i][0], r.status, r.out, r.err);
            }
            if (r.status == 1 && r.err[0] == '\0') {
                fail_msg("answer %zu, mqadmin %s failed without a reason", a, commands[i][0]);
            }
            run_free(&r);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest cli[] = {
        cmocka_unit_test(test_no_arguments_lists_the_commands),
        cmocka_unit_test(test_help_prints_the_options_of_a_command),
        cmocka_unit_test(test_bad_usage_fails_with_a_reason),
        cmocka_unit_test(test_missing_or_unreachable_name_server_fails),
    };
    const struct CMUnitTest cluster[] = {
        cmocka_unit_test(test_cluster_list_and_broker_status_show_the_broker),
        cmocka_unit_test(test_update_topic_shows_in_route_list_status_and_cluster),
        cmocka_unit_test(test_sent_message_is_found_by_key_id_unique_key_and_offset),
        cmocka_unit_test(test_consumer_progress_connection_reset_and_clone),
        cmocka_unit_test(test_sub_group_update_and_delete_reach_the_broker),
        cmocka_unit_test(test_kv_config_update_and_delete),
        cmocka_unit_test(test_namesrv_config_get_and_update),
        cmocka_unit_test(test_wipe_and_add_write_perm),
        cmocka_unit_test(test_update_broker_config_live_key_round_trip),
        cmocka_unit_test(test_unknown_topic_group_and_cluster_fail_clearly),
        cmocka_unit_test(test_delete_topic_removes_it_everywhere),
    };
    const struct CMUnitTest odd[] = {
        cmocka_unit_test(test_odd_answers_are_reported_not_crashed_on),
    };
    int failed = cmocka_run_group_tests_name("mqadmin_cli", cli, setup_dir_only, teardown_dir_only);
    failed +=
        cmocka_run_group_tests_name("mqadmin_odd_answers", odd, start_odd_server, stop_odd_server);
    failed += cmocka_run_group_tests_name("mqadmin_cluster", cluster, start_cluster, stop_cluster);
    return failed;
}
