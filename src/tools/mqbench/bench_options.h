/*
 * mqbench command line: sub-command, flags, defaults and per-sub-command help.
 */
#ifndef RJ_MQBENCH_OPTIONS_H
#define RJ_MQBENCH_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Returned by rj_bench_options_parse() when help was asked for (printed already). */
#define RJ_BENCH_HELP 1

typedef enum {
    RJ_BENCH_PRODUCE = 0, /* send only; latency = send call to acknowledgement */
    RJ_BENCH_CONSUME = 1, /* receive only; latency = born time to delivery */
    RJ_BENCH_E2E = 2,     /* both at once in one process; latency = born time to delivery */
    RJ_BENCH_COMMANDS = 3,
} rj_bench_command_t;

typedef enum {
    RJ_BENCH_SYNC = 0,   /* rj_producer_send: one blocking call per message (or batch) */
    RJ_BENCH_ASYNC = 1,  /* rj_producer_send_async, at most --inflight outstanding */
    RJ_BENCH_ONEWAY = 2, /* rj_producer_send_oneway: no acknowledgement, no latency */
} rj_bench_send_mode_t;

typedef struct {
    rj_bench_command_t command;
    char namesrv[512]; /* -n, else NAMESRV_ADDR, else 127.0.0.1:9876 */
    char topic[256];   /* -t */
    char tags[256];    /* --tags: tag of sent messages / subscription of consumers ("" none) */
    char group[256];   /* --group: consumer group (producer group for produce) */
    bool keys;         /* --keys: a key per message */
    size_t size;       /* --size, body bytes */
    int threads;       /* --threads, sender threads */
    rj_bench_send_mode_t mode;
    int batch;     /* --batch, messages per send call */
    double rate;   /* --rate, messages per second over all threads (0 unlimited) */
    int inflight;  /* --inflight, outstanding async sends (all threads) */
    int producers; /* --producers, client instances the threads are spread over */
    int queues;    /* --queues, queue count when mqbench creates the topic */
    int64_t send_timeout_ms;
    int consume_threads;   /* --consume-threads */
    int consume_batch;     /* --consume-batch, messages per listener call */
    int pull_batch;        /* --pull-batch, messages per pull request */
    bool from_first;       /* --from first: a new consume group starts at the oldest message */
    double duration_s;     /* --duration, 0 = until SIGINT/SIGTERM */
    double warmup_s;       /* --warmup, excluded from rates and latencies */
    double drain_s;        /* --drain, e2e: wait this long for the consumer to catch up */
    uint64_t max_failures; /* --max-failures, more fail the run (exit 1) */
    bool json;             /* --json: final JSON object on stdout, progress on stderr */
    pid_t rss_pid;         /* --report-rss, 0 = none */
} rj_bench_options_t;

/* Name of a sub-command / send mode ("produce", "async" ...). */
const char *rj_bench_command_name(rj_bench_command_t c);
const char *rj_bench_mode_name(rj_bench_send_mode_t m);

/*
 * Parses `argv` (argv[0] the program, argv[1] the sub-command) into `o`,
 * defaults first. `env_namesrv` is NAMESRV_ADDR's value (may be NULL).
 * Returns RJ_OK, RJ_BENCH_HELP (usage printed to `help_out`), or RJ_EINVAL
 * with a message in `err`.
 */
int rj_bench_options_parse(int argc, char **argv, const char *env_namesrv, rj_bench_options_t *o,
                           FILE *help_out, char *err, size_t err_len);

/* Usage of one sub-command, or of the program when `command` is RJ_BENCH_COMMANDS. */
void rj_bench_options_usage(FILE *out, rj_bench_command_t command);

#endif
