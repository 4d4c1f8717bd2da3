/*
 * mqnamesrv: the name server daemon. Command line as RocketMQ's
 * (`-c namesrv.conf`, `-p` prints the configuration and exits, `-h`), the
 * boot line "The Name Server boot success. serializeType=JSON" on stdout once
 * it accepts connections, SIGTERM/SIGINT for a clean shutdown (exit 0).
 *
 * Tests: listenPort=0 binds a free port; when RJ_PORT_FILE is set the bound
 * port is written there (style.md §9) before the boot line.
 *
 * The main thread owns the name server: it blocks SIGTERM/SIGINT for every
 * thread, then waits for them with sigtimedwait(), running the broker
 * liveness scan each time the wait times out (scanNotActiveBrokerInterval).
 */
#include "common/alloc.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/fs.h"
#include "common/log.h"
#include "namesrv/namesrv.h"
#include "namesrv/namesrv_config.h"
#include "ramjet/status.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BOOT_LINE "The Name Server boot success. serializeType=JSON"

static void
usage(FILE *to)
{
    fprintf(to, "usage: mqnamesrv [-c <arg>] [-h] [-n <arg>] [-p]\n"
                " -c,--configFile <arg>    Name server config properties file\n"
                " -h,--help                Print help\n"
                " -n,--namesrvAddr <arg>   Name server address list (accepted, unused by the "
                "name server)\n"
                " -p,--printConfigItem     Print all config items\n");
}

typedef struct {
    const char *config_file;
    bool print_config;
} cli_t;

/* Returns 0, or the exit code to leave with (after printing why). */
static int
parse_args(int argc, char **argv, cli_t *cli, bool *exit_now)
{
    *exit_now = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *value = NULL;
        bool takes_value = false;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            *exit_now = true;
            return 0;
        }
        if (strcmp(a, "-p") == 0 || strcmp(a, "--printConfigItem") == 0) {
            cli->print_config = true;
            continue;
        }
        if (strcmp(a, "-c") == 0 || strcmp(a, "--configFile") == 0 || strcmp(a, "-n") == 0 ||
            strcmp(a, "--namesrvAddr") == 0) {
            takes_value = true;
            value = i + 1 < argc ? argv[++i] : NULL;
        } else if (strncmp(a, "--configFile=", 13) == 0) {
            takes_value = true;
            value = a + 13;
            a = "-c";
        } else if (strncmp(a, "--namesrvAddr=", 14) == 0) {
            takes_value = true;
            value = a + 14;
            a = "-n";
        } else if (strncmp(a, "-c", 2) == 0 && a[2] != '\0') {
            takes_value = true;
            value = a + 2;
            a = "-c";
        }
        if (!takes_value) {
            fprintf(stderr, "Unrecognized option: %s\n", argv[i]);
            usage(stderr);
            *exit_now = true;
            return 1;
        }
        if (value == NULL) {
            fprintf(stderr, "Missing argument for option: %s\n", a);
            usage(stderr);
            *exit_now = true;
            return 1;
        }
        if (strcmp(a, "-c") == 0 || strcmp(a, "--configFile") == 0) {
            cli->config_file = value;
        }
        /* -n: the name server talks to no other name server; accepted like Java does. */
    }
    return 0;
}

static int
write_port_file(int port)
{
    const char *path = getenv("RJ_PORT_FILE");
    if (path == NULL || path[0] == '\0') {
        return 0;
    }
    char text[16];
    int n = snprintf(text, sizeof(text), "%d\n", port);
    int rc = rj_fs_write_atomic(path, text, (size_t)n);
    if (rc != 0) {
        rj_log(RJ_LOG_ERROR, rc, "cannot write the port file %s", path);
    }
    return rc;
}

/* Waits for SIGTERM/SIGINT, scanning broker liveness every interval. Returns the signal. */
static int
run_until_signal(rj_namesrv_t *ns, const sigset_t *set)
{
    int64_t next_scan = rj_clock_mono_ms() + rj_namesrv_scan_interval_ms(ns);
    for (;;) {
        int64_t wait_ms = next_scan - rj_clock_mono_ms();
        if (wait_ms <= 0) {
            rj_namesrv_scan(ns);
            next_scan = rj_clock_mono_ms() + rj_namesrv_scan_interval_ms(ns);
            continue;
        }
        struct timespec ts = {wait_ms / 1000, (long)(wait_ms % 1000) * 1000000L};
        int sig = sigtimedwait(set, NULL, &ts);
        if (sig > 0) {
            return sig;
        }
        if (errno != EAGAIN && errno != EINTR) {
            rj_log(RJ_LOG_ERROR, -errno, "sigtimedwait failed");
            return SIGTERM;
        }
    }
}

int
main(int argc, char **argv)
{
    cli_t cli = {NULL, false};
    bool exit_now;
    int code = parse_args(argc, argv, &cli, &exit_now);
    if (exit_now) {
        return code;
    }
    rj_log_use_stderr();
    rj_alloc_set_abort_on_oom(true);

    rj_namesrv_config_t config;
    if (rj_namesrv_config_init(&config) != 0) {
        fprintf(stderr, "mqnamesrv: out of memory\n");
        return 1;
    }
    if (cli.config_file != NULL) {
        char err[512] = "";
        int rc = rj_config_load_file(rj_namesrv_config_options, &config, cli.config_file, err,
                                     sizeof(err));
        if (rc != 0) {
            fprintf(stderr, "mqnamesrv: cannot load %s: %s\n", cli.config_file,
                    err[0] ? err : rj_strerror(rc));
            rj_namesrv_config_cleanup(&config);
            return 1;
        }
        /* As Java: UPDATE_NAMESRV_CONFIG persists into the file the server was started with. */
        rj_config_set(rj_namesrv_config_options, &config, "configStorePath", cli.config_file, err,
                      sizeof(err));
        printf("load config properties file OK, %s\n", cli.config_file);
    }
    if (cli.print_config) {
        rj_buf_t out = RJ_BUF_INIT;
        rj_config_format(rj_namesrv_config_options, &config, &out);
        fwrite(out.data, 1, out.len, stdout);
        rj_buf_cleanup(&out);
        rj_namesrv_config_cleanup(&config);
        return 0;
    }

    rj_log_set_level((rj_log_level_t)config.log_level);
    int rc = rj_log_open_file(config.log_dir, "namesrv.log", true);
    if (rc != 0) {
        fprintf(stderr, "mqnamesrv: cannot open namesrv.log in %s: %s\n", config.log_dir,
                rj_strerror(rc));
        rj_namesrv_config_cleanup(&config);
        return 1;
    }
    rj_log_set_thread_name("main");
    {
        rj_buf_t text = RJ_BUF_INIT;
        rj_config_format(rj_namesrv_config_options, &config, &text);
        rj_buf_terminate(&text);
        rj_log(RJ_LOG_INFO, 0, "mqnamesrv %s starting with configuration:\n%s", RJ_VERSION_STRING,
               (const char *)text.data);
        rj_buf_cleanup(&text);
    }
    /* Worker handlers (KV writes, config updates) run on libuv's pool. */
    char pool[16];
    snprintf(pool, sizeof(pool), "%d", config.server_worker_threads);
    setenv("UV_THREADPOOL_SIZE", pool, 0);

    /* Every thread created from here on inherits the blocked set; only sigtimedwait sees them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    rj_namesrv_t *ns = NULL;
    rc = rj_namesrv_create(&config, &ns);
    if (rc == 0) {
        rc = rj_namesrv_start(ns);
    }
    if (rc == 0) {
        rc = write_port_file(rj_namesrv_port(ns));
    }
    if (rc != 0) {
        fprintf(stderr, "mqnamesrv: start failed: %s\n", rj_strerror(rc));
        rj_namesrv_destroy(ns);
        rj_namesrv_config_cleanup(&config);
        rj_log_close_file();
        return 1;
    }
    rj_log(RJ_LOG_INFO, 0, "%s", BOOT_LINE);
    printf("%s\n", BOOT_LINE);
    fflush(stdout);

    int sig = run_until_signal(ns, &set);
    rj_log(RJ_LOG_INFO, 0, "received signal %d, shutting down", sig);
    rj_namesrv_stop(ns);
    rj_namesrv_destroy(ns);
    rj_log(RJ_LOG_INFO, 0, "name server stopped");
    rj_log_close_file();
    return 0;
}
