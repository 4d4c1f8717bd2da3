/*
 * A RocketMQ user's habits: `mqnamesrv -p` prints the configuration and
 * exits, `-c namesrv.conf` reads one, `-h` helps, and mistakes (unknown
 * option, missing or bad config file, a port in use) end with a message and
 * a non-zero exit instead of a half-started server.
 */
#include "namesrv_fixture.h"

#include "common/alloc.h"
#include "common/buf.h"
#include "support/tempdir.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

typedef struct {
    char *dir;
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    assert_int_equal(rj_tempdir_create("namesrv-cli", &f->dir), 0);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_tempdir_remove(f->dir);
    free(f);
    return 0;
}

/* Runs mqnamesrv with `args` (shell words), HOME in the temp dir; output (both streams) to *out. */
static int
run(const fixture_t *f, const char *args, rj_buf_t *out)
{
    char cmd[8192];
    /* `timeout`: a server that wrongly starts must fail the test, not hang it. */
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && HOME='%s' RJ_PORT_FILE= timeout -s KILL 20 '%s/mqnamesrv' %s 2>&1", f->dir,
             f->dir, getenv("RJ_BIN_DIR"), args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char chunk[4096];
    size_t n;
    rj_buf_reset(out);
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0) {
        rj_buf_append(out, chunk, n);
    }
    rj_buf_terminate(out);
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void
test_print_config_and_exit(void **state)
{
    fixture_t *f = *state;
    rj_buf_t out = RJ_BUF_INIT;
    assert_int_equal(run(f, "-p", &out), 0);
    const char *text = (const char *)out.data;
    assert_non_null(strstr(text, "listenPort=9876\n"));
    assert_non_null(strstr(text, "kvConfigPath="));
    assert_non_null(strstr(text, "orderMessageEnable=false\n"));
    assert_non_null(strstr(text, "brokerChannelExpiredTime=120000\n"));
    assert_null(strstr(text, "boot success"));
    rj_buf_cleanup(&out);
}

static void
test_config_file_is_read(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(rj_tempdir_write_file(f->dir, "namesrv.conf",
                                           "# a RocketMQ namesrv.conf\nlistenPort=19999\n"
                                           "orderMessageEnable=true\nunknownKey=ignored\n"),
                     0);
    rj_buf_t out = RJ_BUF_INIT;
    assert_int_equal(run(f, "-c namesrv.conf -p", &out), 0);
    const char *text = (const char *)out.data;
    assert_non_null(strstr(text, "load config properties file OK, namesrv.conf"));
    assert_non_null(strstr(text, "listenPort=19999\n"));
    assert_non_null(strstr(text, "orderMessageEnable=true\n"));
    /* As Java, the -c file is where configuration updates are persisted. */
    assert_non_null(strstr(text, "configStorePath=namesrv.conf\n"));
    assert_int_equal(run(f, "--configFile=namesrv.conf -p", &out), 0);
    assert_non_null(strstr((const char *)out.data, "listenPort=19999\n"));
    rj_buf_cleanup(&out);
}

static void
test_help_and_mistakes(void **state)
{
    fixture_t *f = *state;
    rj_buf_t out = RJ_BUF_INIT;
    assert_int_equal(run(f, "-h", &out), 0);
    assert_non_null(strstr((const char *)out.data, "usage: mqnamesrv"));
    assert_int_equal(run(f, "--bogus", &out), 1);
    assert_non_null(strstr((const char *)out.data, "Unrecognized option: --bogus"));
    assert_int_equal(run(f, "-c", &out), 1);
    assert_non_null(strstr((const char *)out.data, "Missing argument"));
    assert_int_equal(run(f, "-c no-such.conf", &out), 1);
    assert_non_null(strstr((const char *)out.data, "no-such.conf"));
    assert_int_equal(rj_tempdir_write_file(f->dir, "bad.conf", "listenPort=http\n"), 0);
    assert_int_equal(run(f, "-c bad.conf -p", &out), 1);
    assert_non_null(strstr((const char *)out.data, "listenPort"));
    rj_buf_cleanup(&out);
}

static void
test_port_in_use_fails_cleanly(void **state)
{
    fixture_t *f = *state;
    rj_daemon_t *d;
    assert_int_equal(it_namesrv_start(10000, 120000, NULL, &d), 0);
    if (rj_daemon_is_external(d)) {
        rj_daemon_destroy(d);
        skip();
    }
    char conf[256];
    snprintf(conf, sizeof(conf), "listenPort=%d\nbindAddress=127.0.0.1\nlogDir=%s/logs\n",
             rj_daemon_port(d), f->dir);
    assert_int_equal(rj_tempdir_write_file(f->dir, "busy.conf", conf), 0);
    rj_buf_t out = RJ_BUF_INIT;
    assert_int_equal(run(f, "-c busy.conf", &out), 1);
    assert_non_null(strstr((const char *)out.data, "start failed"));
    assert_null(strstr((const char *)out.data, "boot success"));
    rj_buf_cleanup(&out);
    int status = -1;
    assert_int_equal(rj_daemon_stop(d, 10000, &status), 0);
    assert_int_equal(status, 0);
    rj_daemon_destroy(d);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_print_config_and_exit),
        T(test_config_file_is_read),
        T(test_help_and_mistakes),
        T(test_port_in_use_fails_cleanly),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
