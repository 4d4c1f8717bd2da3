/*
 * mqbench command line. One table lists every flag with the sub-commands it
 * applies to and its help text; getopt_long parses it, and a flag given to a
 * sub-command it does not apply to is an error rather than silently ignored.
 * Numbers are parsed strictly (whole string, range checked).
 */
#include "tools/mqbench/bench_options.h"

#include "ramjet/status.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FOR_P (1u << RJ_BENCH_PRODUCE)
#define FOR_C (1u << RJ_BENCH_CONSUME)
#define FOR_E (1u << RJ_BENCH_E2E)
#define FOR_ALL (FOR_P | FOR_C | FOR_E)

enum {
    OPT_WARMUP = 256,
    OPT_TAGS,
    OPT_KEYS,
    OPT_MODE,
    OPT_INFLIGHT,
    OPT_PRODUCERS,
    OPT_QUEUES,
    OPT_TIMEOUT,
    OPT_CONSUME_BATCH,
    OPT_PULL_BATCH,
    OPT_FROM,
    OPT_DRAIN,
    OPT_MAX_FAILURES,
    OPT_JSON,
    OPT_REPORT_RSS,
};

typedef struct {
    const char *name;
    int has_arg;
    int val;
    unsigned commands;
    const char *arg_name;
    const char *help;
} flag_t;

static const flag_t flags[] = {
    {"namesrv", required_argument, 'n', FOR_ALL, "HOST:PORT",
     "name servers, ';'-separated (default $NAMESRV_ADDR, else 127.0.0.1:9876)"},
    {"topic", required_argument, 't', FOR_ALL, "TOPIC", "topic (default BenchmarkTest)"},
    {"size", required_argument, 's', FOR_P | FOR_E, "BYTES", "body size (default 1024)"},
    {"threads", required_argument, 'w', FOR_P | FOR_E, "N",
     "sender threads (default 64 for sync, 2 for async and oneway)"},
    {"mode", required_argument, OPT_MODE, FOR_P | FOR_E, "MODE",
     "sync, async or oneway (default sync)"},
    {"batch", required_argument, 'b', FOR_P | FOR_E, "N",
     "messages per send call, sent as one batch (default 1)"},
    {"rate", required_argument, 'r', FOR_P | FOR_E, "MSGS_PER_S",
     "target send rate over all threads, token-bucket paced (default 0 = unlimited)"},
    {"inflight", required_argument, OPT_INFLIGHT, FOR_P | FOR_E, "N",
     "async: most sends awaiting their answer, all threads together (default 1024)"},
    {"tags", required_argument, OPT_TAGS, FOR_ALL, "TAG",
     "tag of every sent message; consumers subscribe to it (default none / *)"},
    {"keys", no_argument, OPT_KEYS, FOR_P | FOR_E, NULL, "give every message its own key"},
    {"producers", required_argument, OPT_PRODUCERS, FOR_P | FOR_E, "N",
     "client instances the sender threads are spread over (default 1)"},
    {"queues", required_argument, OPT_QUEUES, FOR_P | FOR_E, "N",
     "queues per broker if mqbench has to create the topic (default 8)"},
    {"timeout", required_argument, OPT_TIMEOUT, FOR_P | FOR_E, "MS",
     "send timeout per attempt (default 3000)"},
    {"group", required_argument, 'g', FOR_ALL, "GROUP",
     "consumer group (produce: producer group) (default mqbench_consumer_<pid>)"},
    {"consume-threads", required_argument, 'c', FOR_C | FOR_E, "N",
     "consume threads of the push consumer (default 4)"},
    {"consume-batch", required_argument, OPT_CONSUME_BATCH, FOR_C | FOR_E, "N",
     "messages per listener call (default 1)"},
    {"pull-batch", required_argument, OPT_PULL_BATCH, FOR_C | FOR_E, "N",
     "messages per pull request (default 32)"},
    {"from", required_argument, OPT_FROM, FOR_C, "WHERE",
     "first or last: where a group without progress starts (default last)"},
    {"duration", required_argument, 'd', FOR_ALL, "SECONDS", "run time (default 0 = until Ctrl-C)"},
    {"warmup", required_argument, OPT_WARMUP, FOR_ALL, "SECONDS",
     "first seconds excluded from rates and latencies (default 0)"},
    {"drain", required_argument, OPT_DRAIN, FOR_E, "SECONDS",
     "after sending stops, wait up to this long for every message to arrive (default 10)"},
    {"max-failures", required_argument, OPT_MAX_FAILURES, FOR_ALL, "N",
     "failed sends (e2e: also missing messages) tolerated before exit code 1 (default 0)"},
    {"report-rss", required_argument, OPT_REPORT_RSS, FOR_ALL, "PID",
     "sample RssAnon of process PID (the broker) every second, report the maximum"},
    {"json", no_argument, OPT_JSON, FOR_ALL, NULL,
     "print a final JSON object on stdout (progress lines go to stderr)"},
    {"help", no_argument, 'h', FOR_ALL, NULL, "this help"},
};

static const char *const command_names[RJ_BENCH_COMMANDS] = {"produce", "consume", "e2e"};
static const char *const command_help[RJ_BENCH_COMMANDS] = {
    "send messages; reports send TPS and send latency (call to acknowledgement)",
    "consume with a push consumer; reports receive TPS and latency from the born time",
    "produce and consume at once; reports both rates and end-to-end latency",
};

const char *
rj_bench_command_name(rj_bench_command_t c)
{
    return (unsigned)c < RJ_BENCH_COMMANDS ? command_names[c] : "?";
}

const char *
rj_bench_mode_name(rj_bench_send_mode_t m)
{
    switch (m) {
    case RJ_BENCH_SYNC:
        return "sync";
    case RJ_BENCH_ASYNC:
        return "async";
    case RJ_BENCH_ONEWAY:
        return "oneway";
    }
    return "?";
}

void
rj_bench_options_usage(FILE *out, rj_bench_command_t command)
{
    if ((unsigned)command >= RJ_BENCH_COMMANDS) {
        fprintf(out, "usage: mqbench COMMAND [options]\n\ncommands:\n");
        for (int i = 0; i < RJ_BENCH_COMMANDS; i++) {
            fprintf(out, "  %-8s %s\n", command_names[i], command_help[i]);
        }
        fprintf(out, "\n'mqbench COMMAND -h' lists the options of a command.\n"
                     "Exit status: 0 ok, 1 failures beyond --max-failures, 2 bad usage or no "
                     "connection.\n");
        return;
    }
    fprintf(out, "usage: mqbench %s [options]\n%s\n\noptions:\n", command_names[command],
            command_help[command]);
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        const flag_t *f = &flags[i];
        char left[64];
        if (!(f->commands & (1u << command))) {
            continue;
        }
        if (f->val < 256) {
            snprintf(left, sizeof(left), "-%c, --%s%s%s", f->val, f->name, f->arg_name ? " " : "",
                     f->arg_name ? f->arg_name : "");
        } else {
            snprintf(left, sizeof(left), "    --%s%s%s", f->name, f->arg_name ? " " : "",
                     f->arg_name ? f->arg_name : "");
        }
        fprintf(out, "  %-30s %s\n", left, f->help);
    }
}

static int fail(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return RJ_EINVAL;
}

static bool
parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
        return false;
    }
    *out = v;
    return true;
}

static bool
parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < lo || v > hi) {
        return false;
    }
    *out = v;
    return true;
}

static bool
copy_text(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n == 0 || n >= cap) {
        return false;
    }
    memcpy(dst, src, n + 1);
    return true;
}

static void
set_defaults(rj_bench_options_t *o, const char *env_namesrv)
{
    memset(o, 0, sizeof(*o));
    snprintf(o->namesrv, sizeof(o->namesrv), "%s",
             env_namesrv != NULL && env_namesrv[0] != '\0' ? env_namesrv : "127.0.0.1:9876");
    snprintf(o->topic, sizeof(o->topic), "BenchmarkTest");
    o->size = 1024;
    o->threads = 0; /* resolved from the mode once parsing is done */
    o->mode = RJ_BENCH_SYNC;
    o->batch = 1;
    o->inflight = 1024;
    o->producers = 1;
    o->queues = 8;
    o->send_timeout_ms = 3000;
    o->consume_threads = 4;
    o->consume_batch = 1;
    o->pull_batch = 32;
    o->drain_s = 10;
}

static const flag_t *
flag_by_val(int val)
{
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (flags[i].val == val) {
            return &flags[i];
        }
    }
    return NULL;
}

int
rj_bench_options_parse(int argc, char **argv, const char *env_namesrv, rj_bench_options_t *o,
                       FILE *help_out, char *err, size_t err_len)
{
    struct option longopts[sizeof(flags) / sizeof(flags[0]) + 1];
    char shortopts[64];
    size_t sp = 0;
    int64_t v;
    int c;

    set_defaults(o, env_namesrv);
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        if (argc >= 2) {
            rj_bench_options_usage(help_out, RJ_BENCH_COMMANDS);
            return RJ_BENCH_HELP;
        }
        return fail(err, err_len, "missing command (produce, consume or e2e); see mqbench -h");
    }
    o->command = RJ_BENCH_COMMANDS;
    for (int i = 0; i < RJ_BENCH_COMMANDS; i++) {
        if (strcmp(argv[1], command_names[i]) == 0) {
            o->command = (rj_bench_command_t)i;
        }
    }
    if (o->command == RJ_BENCH_COMMANDS) {
        return fail(err, err_len, "unknown command '%s' (produce, consume or e2e)", argv[1]);
    }
    snprintf(o->group, sizeof(o->group), "%s_%ld",
             o->command == RJ_BENCH_PRODUCE ? "mqbench_producer" : "mqbench_consumer",
             (long)getpid());

    shortopts[sp++] = ':';
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        longopts[i] = (struct option){flags[i].name, flags[i].has_arg, NULL, flags[i].val};
        if (flags[i].val < 256) {
            shortopts[sp++] = (char)flags[i].val;
            if (flags[i].has_arg == required_argument) {
                shortopts[sp++] = ':';
            }
        }
    }
    shortopts[sp] = '\0';
    longopts[sizeof(flags) / sizeof(flags[0])] = (struct option){NULL, 0, NULL, 0};

    /* The sub-command is argv[1]: parse from there, with getopt's state reset. */
    optind = 0;
    opterr = 0;
    int sub_argc = argc - 1;
    char **sub_argv = argv + 1;
    while ((c = getopt_long(sub_argc, sub_argv, shortopts, longopts, NULL)) != -1) {
        const char *arg = optarg;
        if (c == '?') {
            if (optopt != 0) {
                return fail(err, err_len, "unknown option -%c", optopt);
            }
            return fail(err, err_len, "unknown option %s", sub_argv[optind - 1]);
        }
        if (c == ':') {
            return fail(err, err_len, "option %s needs a value", sub_argv[optind - 1]);
        }
        const flag_t *f = flag_by_val(c);
        if (f == NULL) {
            return fail(err, err_len, "unknown option");
        }
        if (!(f->commands & (1u << o->command))) {
            return fail(err, err_len, "option --%s does not apply to '%s'", f->name,
                        command_names[o->command]);
        }
        switch (c) {
        case 'h':
            rj_bench_options_usage(help_out, o->command);
            return RJ_BENCH_HELP;
        case 'n':
            if (!copy_text(o->namesrv, sizeof(o->namesrv), arg)) {
                return fail(err, err_len, "bad --namesrv '%s'", arg);
            }
            break;
        case 't':
            if (!copy_text(o->topic, sizeof(o->topic), arg)) {
                return fail(err, err_len, "bad --topic '%s'", arg);
            }
            break;
        case 'g':
            if (!copy_text(o->group, sizeof(o->group), arg)) {
                return fail(err, err_len, "bad --group '%s'", arg);
            }
            break;
        case OPT_TAGS:
            if (!copy_text(o->tags, sizeof(o->tags), arg)) {
                return fail(err, err_len, "bad --tags '%s'", arg);
            }
            break;
        case 's':
            if (!parse_i64(arg, 1, 4 * 1024 * 1024, &v)) {
                return fail(err, err_len, "--size wants 1..4194304 bytes, not '%s'", arg);
            }
            o->size = (size_t)v;
            break;
        case 'w':
            if (!parse_i64(arg, 1, 1024, &v)) {
                return fail(err, err_len, "--threads wants 1..1024, not '%s'", arg);
            }
            o->threads = (int)v;
            break;
        case OPT_MODE:
            if (strcmp(arg, "sync") == 0) {
                o->mode = RJ_BENCH_SYNC;
            } else if (strcmp(arg, "async") == 0) {
                o->mode = RJ_BENCH_ASYNC;
            } else if (strcmp(arg, "oneway") == 0) {
                o->mode = RJ_BENCH_ONEWAY;
            } else {
                return fail(err, err_len, "--mode wants sync, async or oneway, not '%s'", arg);
            }
            break;
        case 'b':
            if (!parse_i64(arg, 1, 1024, &v)) {
                return fail(err, err_len, "--batch wants 1..1024, not '%s'", arg);
            }
            o->batch = (int)v;
            break;
        case 'r':
            if (!parse_double(arg, 0, 1e9, &o->rate)) {
                return fail(err, err_len, "--rate wants 0..1e9 messages per second, not '%s'", arg);
            }
            break;
        case OPT_INFLIGHT:
            if (!parse_i64(arg, 1, 1000000, &v)) {
                return fail(err, err_len, "--inflight wants 1..1000000, not '%s'", arg);
            }
            o->inflight = (int)v;
            break;
        case OPT_KEYS:
            o->keys = true;
            break;
        case OPT_PRODUCERS:
            if (!parse_i64(arg, 1, 64, &v)) {
                return fail(err, err_len, "--producers wants 1..64, not '%s'", arg);
            }
            o->producers = (int)v;
            break;
        case OPT_QUEUES:
            if (!parse_i64(arg, 1, 1024, &v)) {
                return fail(err, err_len, "--queues wants 1..1024, not '%s'", arg);
            }
            o->queues = (int)v;
            break;
        case OPT_TIMEOUT:
            if (!parse_i64(arg, 1, 600000, &v)) {
                return fail(err, err_len, "--timeout wants 1..600000 ms, not '%s'", arg);
            }
            o->send_timeout_ms = v;
            break;
        case 'c':
            if (!parse_i64(arg, 1, 1000, &v)) {
                return fail(err, err_len, "--consume-threads wants 1..1000, not '%s'", arg);
            }
            o->consume_threads = (int)v;
            break;
        case OPT_CONSUME_BATCH:
            if (!parse_i64(arg, 1, 1024, &v)) {
                return fail(err, err_len, "--consume-batch wants 1..1024, not '%s'", arg);
            }
            o->consume_batch = (int)v;
            break;
        case OPT_PULL_BATCH:
            if (!parse_i64(arg, 1, 1024, &v)) {
                return fail(err, err_len, "--pull-batch wants 1..1024, not '%s'", arg);
            }
            o->pull_batch = (int)v;
            break;
        case OPT_FROM:
            if (strcmp(arg, "first") == 0) {
                o->from_first = true;
            } else if (strcmp(arg, "last") == 0) {
                o->from_first = false;
            } else {
                return fail(err, err_len, "--from wants first or last, not '%s'", arg);
            }
            break;
        case 'd':
            if (!parse_double(arg, 0, 1e7, &o->duration_s)) {
                return fail(err, err_len, "--duration wants seconds >= 0, not '%s'", arg);
            }
            break;
        case OPT_WARMUP:
            if (!parse_double(arg, 0, 1e7, &o->warmup_s)) {
                return fail(err, err_len, "--warmup wants seconds >= 0, not '%s'", arg);
            }
            break;
        case OPT_DRAIN:
            if (!parse_double(arg, 0, 1e5, &o->drain_s)) {
                return fail(err, err_len, "--drain wants seconds >= 0, not '%s'", arg);
            }
            break;
        case OPT_MAX_FAILURES:
            if (!parse_i64(arg, 0, INT64_MAX, &v)) {
                return fail(err, err_len, "--max-failures wants a count >= 0, not '%s'", arg);
            }
            o->max_failures = (uint64_t)v;
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_REPORT_RSS:
            if (!parse_i64(arg, 1, INT32_MAX, &v)) {
                return fail(err, err_len, "--report-rss wants a process id, not '%s'", arg);
            }
            o->rss_pid = (pid_t)v;
            break;
        default:
            return fail(err, err_len, "unhandled option --%s", f->name);
        }
    }
    if (optind < sub_argc) {
        return fail(err, err_len, "unexpected argument '%s'", sub_argv[optind]);
    }
    if (o->threads == 0) {
        o->threads = o->mode == RJ_BENCH_SYNC ? 64 : 2;
    }
    if (o->mode == RJ_BENCH_ONEWAY && o->batch > 1) {
        return fail(err, err_len,
                    "--batch needs --mode sync or async (the client has no one-way "
                    "batch send)");
    }
    if (o->duration_s > 0 && o->warmup_s >= o->duration_s) {
        return fail(err, err_len, "--warmup (%g s) must be shorter than --duration (%g s)",
                    o->warmup_s, o->duration_s);
    }
    if (o->producers > o->threads) {
        o->producers = o->threads;
    }
    return RJ_OK;
}
