/*
 * Broker life cycle against real processes: boot line and port file,
 * registration with the name server (at start and after a topic is
 * auto-created), SIGTERM (clean exit, config files and offsets persisted,
 * clean-shutdown marker, unregistration), restart with the same data, and
 * the command line (-p, -h, bad values, unknown keys), and the VIP channel
 * on listenPort - 2.
 */
#include "broker_fixture.h"

#include "common/alloc.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/fs.h"
#include "ramjet/status.h"
#include "support/tempdir.h"
#include "support/wait.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>

/* GET_ROUTEINFO_BY_TOPIC from the name server: the response code and body text (heap). */
static int32_t
route(const rj_daemon_t *ns, const char *topic, char **body)
{
    rj_raw_client_t *c = it_connect(ns);
    rj_raw_reply_t r;
    char ext[256];
    snprintf(ext, sizeof(ext), "{\"topic\":\"%s\"}", topic);
    it_call(c, 105, IT_VERSION_JAVA, ext, NULL, 0, &r);
    int32_t code = r.code;
    if (body != NULL) {
        *body = rj_strdup(rj_raw_reply_body_text(&r));
    }
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
    return code;
}

typedef struct {
    const rj_daemon_t *ns;
    const char *topic;
    int32_t want;
} route_probe_t;

static bool
route_is(void *arg)
{
    route_probe_t *p = arg;
    return route(p->ns, p->topic, NULL) == p->want;
}

static char *
store_file(const rj_daemon_t *broker, const char *rel)
{
    rj_buf_t b = RJ_BUF_INIT;
    rj_buf_appendf(&b, "%s/store/%s", rj_daemon_dir(broker), rel);
    rj_buf_terminate(&b);
    return (char *)b.data;
}

static char *
read_text(const char *path)
{
    rj_buf_t b = RJ_BUF_INIT;
    if (rj_fs_read_file(path, &b) != 0) {
        rj_buf_cleanup(&b);
        return NULL;
    }
    rj_buf_terminate(&b);
    return (char *)b.data;
}

static void
test_boot_registration_shutdown_and_restart(void **state)
{
    (void)state;
    it_cluster_t c;
    it_cluster_start(&c, NULL);
    char line[256];
    snprintf(line, sizeof(line),
             "The broker[broker-a, %s] boot success. serializeType=JSON and name server is %s",
             c.broker_addr, rj_daemon_addr(c.ns));
    assert_true(rj_daemon_wait_output(c.broker, "stdout", line, IT_TIMEOUT_MS));
    /* The process keeps its name (ps, pidof mqbroker) though threads are named. */
    char comm_path[64];
    snprintf(comm_path, sizeof(comm_path), "/proc/%ld/comm", (long)rj_daemon_pid(c.broker));
    char *comm = read_text(comm_path);
    assert_non_null(comm);
    assert_string_equal(comm, "mqbroker\n");
    rj_free(comm);

    /* Registered at start: TBW102 routes to this broker. */
    char *body = NULL;
    assert_int_equal(route(c.ns, "TBW102", &body), 0);
    assert_non_null(strstr(body, c.broker_addr));
    rj_free(body);

    /* An auto-created topic reaches the name server by the one-way registration. */
    rj_raw_client_t *cl = it_connect(c.broker);
    rj_raw_reply_t r;
    for (int i = 0; i < 7; i++) {
        it_send_message(cl, "LcNewTopic", 0, "TAGS\001t", "payload", 7, &r);
        assert_int_equal(r.code, 0);
        rj_raw_reply_cleanup(&r);
    }
    route_probe_t probe = {c.ns, "LcNewTopic", 0};
    assert_true(rj_wait_until(route_is, &probe, IT_TIMEOUT_MS));
    it_call(cl, 15, IT_VERSION_JAVA,
            "{\"consumerGroup\":\"lc_group\",\"topic\":\"LcNewTopic\",\"queueId\":\"0\","
            "\"commitOffset\":\"7\"}",
            NULL, 0, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(cl);

    /* SIGTERM: exit 0, files persisted, marker removed, unregistered. */
    int status = -1;
    assert_int_equal(rj_daemon_stop(c.broker, 20000, &status), 0);
    assert_int_equal(status, 0);
    char *abort_path = store_file(c.broker, "abort");
    assert_false(rj_fs_exists(abort_path));
    rj_free(abort_path);
    char *path = store_file(c.broker, "config/topics.json");
    char *text = read_text(path);
    assert_non_null(text);
    assert_non_null(strstr(text, "\"LcNewTopic\":{"));
    rj_free(text);
    rj_free(path);
    path = store_file(c.broker, "config/consumerOffset.json");
    text = read_text(path);
    assert_non_null(text);
    assert_non_null(strstr(text, "\"LcNewTopic@lc_group\":{0:7}"));
    rj_free(text);
    rj_free(path);
    probe.want = 17;
    assert_true(rj_wait_until(route_is, &probe, IT_TIMEOUT_MS));

    /* Restart on the same data: topic, offset and messages are back. */
    assert_int_equal(rj_daemon_restart(c.broker), 0);
    cl = it_connect(c.broker);
    it_call(cl, 14, IT_VERSION_JAVA,
            "{\"consumerGroup\":\"lc_group\",\"topic\":\"LcNewTopic\",\"queueId\":\"0\"}", NULL, 0,
            &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_ext(&r, "offset"), "7");
    rj_raw_reply_cleanup(&r);
    it_call(cl, 11, IT_VERSION_JAVA,
            "{\"consumerGroup\":\"lc_group\",\"topic\":\"LcNewTopic\",\"queueId\":\"0\","
            "\"queueOffset\":\"0\",\"maxMsgNums\":\"32\",\"sysFlag\":\"4\",\"commitOffset\":\"0\","
            "\"suspendTimeoutMillis\":\"0\",\"subscription\":\"*\",\"subVersion\":\"0\"}",
            NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_int_equal(it_count_records(&r), 7);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(cl);
    probe.want = 0;
    assert_true(rj_wait_until(route_is, &probe, IT_TIMEOUT_MS));
    it_cluster_stop(&c);
}

/* Runs mqbroker with `args` (and `conf` as -c file when not NULL); returns exit status. */
static int
run_cli(const char *args, const char *conf, char **output)
{
    char *dir = NULL;
    assert_int_equal(rj_tempdir_create("broker-cli", &dir), 0);
    rj_buf_t cmd = RJ_BUF_INIT;
    if (conf != NULL) {
        assert_int_equal(rj_tempdir_write_file(dir, "b.conf", conf), 0);
        rj_buf_appendf(&cmd, "cd %s && HOME=%s %s/mqbroker -c b.conf %s 2>&1", dir, dir,
                       getenv("RJ_BIN_DIR"), args);
    } else {
        rj_buf_appendf(&cmd, "cd %s && HOME=%s %s/mqbroker %s 2>&1", dir, dir, getenv("RJ_BIN_DIR"),
                       args);
    }
    rj_buf_terminate(&cmd);
    FILE *p = popen((const char *)cmd.data, "r");
    assert_non_null(p);
    rj_buf_t out = RJ_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0) {
        rj_buf_append(&out, chunk, n);
    }
    int status = pclose(p);
    rj_buf_terminate(&out);
    *output = (char *)out.data;
    rj_buf_cleanup(&cmd);
    rj_tempdir_remove(dir);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_command_line(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(run_cli("-h", NULL, &out), 0);
    assert_non_null(strstr(out, "usage: mqbroker"));
    rj_free(out);

    assert_int_equal(
        run_cli("-p -n 10.0.0.1:9876", "listenPort=12345\nfileReservedTime=48\n", &out), 0);
    assert_non_null(strstr(out, "\nlistenPort=12345\n"));
    assert_non_null(strstr(out, "\nfileReservedTime=48\n"));
    assert_non_null(strstr(out, "namesrvAddr=10.0.0.1:9876\n"));
    assert_non_null(strstr(out, "\nbrokerClusterName=DefaultCluster\n"));
    assert_non_null(strstr(out, "\nflushDiskType=ASYNC_FLUSH\n"));
    rj_free(out);

    /* A bad value stops the broker with a message naming the key. */
    assert_int_not_equal(run_cli("-p", "listenPort=70000\n", &out), 0);
    assert_non_null(strstr(out, "listenPort"));
    rj_free(out);
    assert_int_not_equal(run_cli("-p", "flushDiskType=SOMETIMES\n", &out), 0);
    assert_non_null(strstr(out, "flushDiskType"));
    rj_free(out);
    assert_int_not_equal(run_cli("-p -n nohost", NULL, &out), 0);
    assert_non_null(strstr(out, "The Name Server Address[nohost] illegal"));
    rj_free(out);
    /* An unknown key is a warning only. */
    assert_int_equal(run_cli("-p", "noSuchKey=1\n", &out), 0);
    assert_non_null(strstr(out, "unknown configuration key 'noSuchKey'"));
    rj_free(out);
    assert_int_not_equal(run_cli("--bogus", NULL, &out), 0);
    rj_free(out);
}

/* Binds 127.0.0.1:`port` (0: any) and returns the bound port, or -1. The socket is closed. */
static int
probe_port(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(sin);
    int got = -1;
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sin, &len) == 0) {
        got = ntohs(sin.sin_port);
    }
    close(fd);
    return got;
}

/* A free port P whose P - 2 is free too (the kernel's pick, not a fixed number). */
static int
free_port_pair(void)
{
    for (int i = 0; i < 100; i++) {
        int vip = probe_port(0);
        if (vip > 0 && vip + 2 <= 65535 && probe_port(vip + 2) == vip + 2) {
            return vip + 2;
        }
    }
    fail_msg("no free port pair found");
    return -1;
}

/* Clients with vipChannelEnabled send to listenPort - 2: everything but pulls is served there. */
static void
test_vip_channel(void **state)
{
    (void)state;
    int port = free_port_pair();
    char conf[64];
    snprintf(conf, sizeof(conf), "listenPort=%d\n", port);
    it_cluster_t c;
    it_cluster_start(&c, conf);
    assert_int_equal(rj_daemon_port(c.broker), port);
    char vip_addr[64];
    snprintf(vip_addr, sizeof(vip_addr), "127.0.0.1:%d", port - 2);
    rj_raw_client_t *vip = NULL;
    assert_int_equal(rj_raw_client_connect(vip_addr, IT_TIMEOUT_MS, &vip), 0);
    rj_raw_reply_t r;
    it_send_message(vip, "VipTopic", 0, "TAGS\001t", "via vip", 7, &r);
    assert_int_equal(r.code, 0);
    assert_non_null(rj_raw_reply_ext(&r, "msgId"));
    rj_raw_reply_cleanup(&r);
    it_wait_max_offset(vip, "VipTopic", 0, 1);
    /* PULL_MESSAGE stays on the main port, as RocketMQ's fast port does not serve it. */
    it_pull(vip, "vip_group", "VipTopic", 0, 0, 32, "*", "TAG", &r);
    assert_int_equal(r.code, 3);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(vip);
    rj_raw_client_t *main_port = it_connect(c.broker);
    it_pull(main_port, "vip_group", "VipTopic", 0, 0, 32, "*", "TAG", &r);
    assert_int_equal(r.code, 0);
    assert_int_equal(it_count_records(&r), 1);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(main_port);
    it_cluster_stop(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boot_registration_shutdown_and_restart),
        cmocka_unit_test(test_command_line),
        cmocka_unit_test(test_vip_channel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
