/*
 * mqbroker: the broker daemon. Command line as RocketMQ's BrokerStartup
 * (`-c broker.conf`, `-n "host:port;host:port"`, `-p` prints every key and
 * exits, `-m` prints the important ones, `-h`), env NAMESRV_ADDR as the
 * default name-server list, and the boot line
 * "The broker[NAME, IP:PORT] boot success. serializeType=JSON and name server is ADDRS"
 * on stdout once it serves and has registered.
 *
 * Tests: listenPort=0 binds free main and HA ports; when RJ_PORT_FILE is set
 * the bound main port is written there before the boot line.
 *
 * The main thread blocks SIGTERM/SIGINT for every thread it starts and waits
 * for them with sigwait(); then it shuts the broker down in order (see
 * rj_broker_shutdown) and exits 0.
 */
#include "broker/broker.h"
#include "common/alloc.h"
#include "common/buf.h"
#include "common/fs.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
usage(FILE *to)
{
    fprintf(to, "usage: mqbroker [-c <arg>] [-h] [-m] [-n <arg>] [-p]\n"
                " -c,--configFile <arg>       Broker config properties file\n"
                " -h,--help                   Print help\n"
                " -m,--printImportantConfig   Print important config item\n"
                " -n,--namesrvAddr <arg>      Name server address list, eg: "
                "'192.168.0.1:9876;192.168.0.2:9876'\n"
                " -p,--printConfigItem        Print all config item\n");
}

typedef struct {
    const char *config_file;
    const char *namesrv_addr;
    bool print_config;
    bool print_important;
} cli_t;

/* Options with a value: short, long. */
static const char *
option_value(int argc, char **argv, int *i, const char *shrt, const char *lng, bool *matched)
{
    const char *a = argv[*i];
    size_t ll = strlen(lng);
    *matched = false;
    if (strcmp(a, shrt) == 0 || strcmp(a, lng) == 0) {
        *matched = true;
        return *i + 1 < argc ? argv[++*i] : NULL;
    }
    if (strncmp(a, lng, ll) == 0 && a[ll] == '=') {
        *matched = true;
        return a + ll + 1;
    }
    if (strncmp(a, shrt, 2) == 0 && a[2] != '\0') {
        *matched = true;
        return a + 2;
    }
    return NULL;
}

/* Returns -1 to continue, else the exit code. */
static int
parse_args(int argc, char **argv, cli_t *cli)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool matched;
        const char *v;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "-p") == 0 || strcmp(a, "--printConfigItem") == 0) {
            cli->print_config = true;
            continue;
        }
        if (strcmp(a, "-m") == 0 || strcmp(a, "--printImportantConfig") == 0) {
            cli->print_important = true;
            continue;
        }
        v = option_value(argc, argv, &i, "-c", "--configFile", &matched);
        if (matched) {
            if (v == NULL) {
                fprintf(stderr, "Missing argument for option: c\n");
                usage(stderr);
                return 1;
            }
            cli->config_file = v;
            continue;
        }
        v = option_value(argc, argv, &i, "-n", "--namesrvAddr", &matched);
        if (matched) {
            if (v == NULL) {
                fprintf(stderr, "Missing argument for option: n\n");
                usage(stderr);
                return 1;
            }
            cli->namesrv_addr = v;
            continue;
        }
        fprintf(stderr, "Unrecognized option: %s\n", a);
        usage(stderr);
        return 1;
    }
    return -1;
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

/* RocketMQ's @ImportantField keys, for -m. */
static const char *const important_keys[] = {
    "namesrvAddr",
    "brokerIP1",
    "brokerName",
    "brokerClusterName",
    "brokerId",
    "autoCreateTopicEnable",
    "autoCreateSubscriptionGroup",
    "msgTraceTopicName",
    "traceTopicEnable",
    "rejectTransactionMessage",
    "transactionTimeOut",
    "transactionCheckMax",
    "transactionCheckInterval",
    "storePathRootDir",
    "storePathCommitLog",
    "flushIntervalCommitLog",
    "flushCommitLogTimed",
    "deleteWhen",
    "fileReservedTime",
    "maxTransferBytesOnMessageInMemory",
    "maxTransferCountOnMessageInMemory",
    "maxTransferBytesOnMessageInDisk",
    "maxTransferCountOnMessageInDisk",
    "accessMessageInMemoryMaxRatio",
    "messageIndexEnable",
    "messageIndexSafe",
    "brokerRole",
    "flushDiskType",
    "cleanFileForciblyEnable",
    NULL,
};

static void
print_config(const rj_broker_config_t *cfg, rj_store_config_t *scfg, bool important_only)
{
    rj_config_table_t extra[] = {{rj_store_config_options, scfg}};
    rj_buf_t out = RJ_BUF_INIT;
    if (!important_only) {
        rj_broker_config_format(cfg, extra, 1, &out);
    } else {
        for (int i = 0; important_keys[i] != NULL; i++) {
            const rj_config_option_t *o =
                rj_config_find(rj_broker_config_options, important_keys[i]);
            const void *c = cfg;
            if (o == NULL) {
                o = rj_config_find(rj_store_config_options, important_keys[i]);
                c = scfg;
            }
            if (o != NULL) {
                rj_buf_appendf(&out, "%s=", o->name);
                rj_config_format_value(o, c, &out);
                rj_buf_append_u8(&out, '\n');
            }
        }
    }
    fwrite(out.data, 1, out.len, stdout);
    rj_buf_cleanup(&out);
}

int
main(int argc, char **argv)
{
    cli_t cli = {0};
    int code = parse_args(argc, argv, &cli);
    if (code >= 0) {
        return code;
    }
    rj_log_use_stderr();
    rj_alloc_set_abort_on_oom(true);

    rj_broker_config_t cfg;
    rj_store_config_t scfg;
    if (rj_broker_config_init(&cfg) != 0 || rj_store_config_init(&scfg) != 0) {
        fprintf(stderr, "mqbroker: out of memory\n");
        return 1;
    }
    char err[512] = "";
    int rc =
        rj_broker_load_config(&cfg, &scfg, cli.config_file, cli.namesrv_addr, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "mqbroker: %s\n", err[0] ? err : rj_strerror(rc));
        rj_broker_config_cleanup(&cfg);
        rj_store_config_cleanup(&scfg);
        return rc == RJ_EINVAL ? 3 : 1;
    }
    if (cli.config_file != NULL) {
        printf("load config properties file OK, %s\n", cli.config_file);
    }
    if (cli.print_config || cli.print_important) {
        print_config(&cfg, &scfg, !cli.print_config);
        rj_broker_config_cleanup(&cfg);
        rj_store_config_cleanup(&scfg);
        return 0;
    }

    rj_log_set_level((rj_log_level_t)rj_log_level_parse(cfg.log_level));
    rc = rj_log_open_file(cfg.log_dir, "broker.log", true);
    if (rc != 0) {
        fprintf(stderr, "mqbroker: cannot open broker.log in %s: %s\n", cfg.log_dir,
                rj_strerror(rc));
        rj_broker_config_cleanup(&cfg);
        rj_store_config_cleanup(&scfg);
        return 1;
    }
    rj_log_set_thread_name("main");
    {
        /* One line per key, as RocketMQ's printObjectProperties logs them. */
        rj_config_table_t extra[] = {{rj_store_config_options, &scfg}};
        rj_buf_t text = RJ_BUF_INIT;
        rj_broker_config_format(&cfg, extra, 1, &text);
        rj_buf_terminate(&text);
        rj_log(RJ_LOG_INFO, 0, "mqbroker %s starting with configuration:", RJ_VERSION_STRING);
        char *line = (char *)text.data, *next;
        for (; line != NULL && *line != '\0'; line = next) {
            next = strchr(line, '\n');
            if (next != NULL) {
                *next++ = '\0';
            }
            rj_log(RJ_LOG_INFO, 0, "  %s", line);
        }
        rj_buf_cleanup(&text);
    }
    /* Worker processors (admin, queries) run on libuv's pool. */
    char pool[16];
    snprintf(pool, sizeof(pool), "%d", cfg.server_worker_threads);
    setenv("UV_THREADPOOL_SIZE", pool, 0);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    rj_broker_t *b = NULL;
    rc = rj_broker_create(&cfg, &scfg, &b);
    if (rc != 0) {
        fprintf(stderr, "mqbroker: %s\n", rj_strerror(rc));
        rj_log_close_file();
        return 1;
    }
    rc = rj_broker_start(b);
    if (rc == 0) {
        rc = write_port_file(b->listen_port);
    }
    if (rc != 0) {
        fprintf(stderr, "mqbroker: start failed: %s\n", rj_strerror(rc));
        rj_broker_destroy(b);
        rj_log_close_file();
        return 1;
    }
    char line[1024];
    int n = snprintf(line, sizeof(line), "The broker[%s, %s] boot success. serializeType=JSON",
                     b->config.broker_name, b->broker_addr);
    if (b->config.namesrv_addr != NULL && n > 0 && (size_t)n < sizeof(line)) {
        snprintf(line + n, sizeof(line) - (size_t)n, " and name server is %s",
                 b->config.namesrv_addr);
    }
    rj_log(RJ_LOG_INFO, 0, "%s", line);
    printf("%s\n", line);
    fflush(stdout);

    int sig = 0;
    while (sigwait(&set, &sig) != 0) {
    }
    rj_log(RJ_LOG_INFO, 0, "received signal %d, shutting down", sig);
    rj_broker_shutdown(b);
    rj_broker_destroy(b);
    rj_log_close_file();
    return 0;
}
