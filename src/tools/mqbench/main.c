/*
 * mqbench: load generator for Ramjet and Apache RocketMQ brokers, built only
 * on the public client API (include/ramjet).
 *
 *   mqbench produce -n 127.0.0.1:9876 -t T --size 1024 --mode async --duration 60
 *   mqbench consume -n 127.0.0.1:9876 -t T --group G
 *   mqbench e2e     -n 127.0.0.1:9876 -t T --rate 50000 --json
 *
 * The main thread is the reporter: it starts the consumer and the sender
 * threads, wakes once per second to merge the per-thread measurement slots
 * into a snapshot and print the last second's rates and p99, samples the
 * broker's RssAnon (--report-rss), takes the snapshot that ends the warm-up,
 * and at the end stops the senders, lets the consumer drain (e2e) and prints
 * the summary (text, or JSON on stdout with --json).
 *
 * Exit status: 0 ok; 1 more failures (failed sends, e2e: missing messages)
 * than --max-failures; 2 bad usage, unreachable name server, or a setup that
 * could not send or consume at all.
 */
#include "tools/mqbench/bench_options.h"
#include "tools/mqbench/bench_report.h"
#include "tools/mqbench/bench_rss.h"
#include "tools/mqbench/bench_run.h"

#include "common/alloc.h"
#include "common/assert.h"
#include "ramjet/log.h"
#include "ramjet/status.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EXIT_FAILURES 1
#define EXIT_SETUP 2
#define NAMESRV_CONNECT_TIMEOUT_MS 3000
#define ASSIGN_TIMEOUT_MS 30000
#define NS_PER_S 1000000000u

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void
on_library_log(int level, const char *line, size_t len, void *arg)
{
    (void)level;
    (void)arg;
    fprintf(stderr, "ramjet: %.*s\n", (int)len, line);
}

/* Level of the client library's lines on stderr: $MQBENCH_LOG_LEVEL, default warn. */
static int
library_log_level(const char *name)
{
    static const char *const names[] = {"debug", "info", "warn", "error", "off"};
    for (int i = 0; name != NULL && i < (int)RJ_ARRAY_SIZE(names); i++) {
        if (strcmp(name, names[i]) == 0) {
            return RJ_LOG_LEVEL_DEBUG + i;
        }
    }
    return RJ_LOG_LEVEL_WARN;
}

/* ------------------------------------------------------- name server check */

/* TCP connect with a timeout. RJ_OK or a negative errno. */
static int
try_connect(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        return RJ_ENOTFOUND;
    }
    rc = -ECONNREFUSED;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            rc = -errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            rc = RJ_OK;
        } else if (errno == EINPROGRESS) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            int n = poll(&pfd, 1, NAMESRV_CONNECT_TIMEOUT_MS);
            int soerr = 0;
            socklen_t sl = sizeof(soerr);
            if (n == 0) {
                rc = RJ_ETIMEDOUT;
            } else if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) {
                rc = -errno;
            } else {
                rc = soerr == 0 ? RJ_OK : -soerr;
            }
        } else {
            rc = -errno;
        }
        close(fd);
        if (rc == RJ_OK) {
            break;
        }
    }
    freeaddrinfo(res);
    return rc;
}

/* At least one name server of the ';'-separated list must accept a connection. */
static int
check_namesrv(const char *list)
{
    char copy[512], *save = NULL;
    int reachable = 0, last = RJ_EINVAL;

    snprintf(copy, sizeof(copy), "%s", list);
    for (char *addr = strtok_r(copy, ";", &save); addr != NULL; addr = strtok_r(NULL, ";", &save)) {
        while (*addr == ' ') {
            addr++;
        }
        char *colon = strrchr(addr, ':');
        if (colon == NULL || colon == addr || colon[1] == '\0') {
            fprintf(stderr, "mqbench: bad name server address '%s' (want HOST:PORT)\n", addr);
            return RJ_EINVAL;
        }
        *colon = '\0';
        last = try_connect(addr, colon + 1);
        if (last == RJ_OK) {
            reachable++;
        } else {
            fprintf(stderr, "mqbench: cannot reach name server %s:%s: %s\n", addr, colon + 1,
                    rj_strerror(last));
        }
    }
    return reachable > 0 ? RJ_OK : last;
}

/* ------------------------------------------------------------------ the run */

typedef struct {
    rj_bench_run_t run;
    const rj_bench_options_t *opts;
    FILE *progress;
    uint64_t t0;
    rj_bench_snapshot_t *prev, *cur, *diff, *warm;
    bool warm_taken;
    uint64_t warm_ns;
    uint64_t last_tick_ns;
    int64_t rss_max_kib, rss_last_kib;
    int rss_samples;
    bool rss_warned;
} reporter_t;

static void
sample_rss(reporter_t *r)
{
    int64_t kib;
    if (r->opts->rss_pid == 0) {
        return;
    }
    int rc = rj_bench_rss_read(r->opts->rss_pid, &kib);
    if (rc != RJ_OK) {
        if (!r->rss_warned) {
            fprintf(stderr, "mqbench: cannot read RssAnon of process %ld: %s\n",
                    (long)r->opts->rss_pid, rj_strerror(rc));
            r->rss_warned = true;
        }
        return;
    }
    r->rss_last_kib = kib;
    if (kib > r->rss_max_kib) {
        r->rss_max_kib = kib;
    }
    r->rss_samples++;
}

static void
tick(reporter_t *r, uint64_t now, const char *phase)
{
    rj_bench_recorder_snapshot(&r->run.rec, r->cur);
    rj_bench_snapshot_diff(r->diff, r->cur, r->prev);
    rj_bench_report_tick(r->progress, r->opts, (double)(now - r->t0) / 1e9,
                         (double)(now - r->last_tick_ns) / 1e9, r->diff, r->cur, phase);
    sample_rss(r);
    rj_bench_snapshot_t *t = r->prev;
    r->prev = r->cur;
    r->cur = t;
    r->last_tick_ns = now;
}

static void
take_warm(reporter_t *r, uint64_t now)
{
    rj_bench_recorder_snapshot(&r->run.rec, r->warm);
    r->warm_ns = now;
    r->warm_taken = true;
}

static void
sleep_until(uint64_t when_ns)
{
    struct timespec ts = {.tv_sec = (time_t)(when_ns / NS_PER_S),
                          .tv_nsec = (long)(when_ns % NS_PER_S)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* Ticks every second until `end_ns` (0 = none), a signal, or `done(r)`. Returns the stop time. */
static uint64_t
report_until(reporter_t *r, uint64_t end_ns, bool (*done)(reporter_t *), const char *phase,
             uint64_t poll_ns)
{
    uint64_t next_tick = r->last_tick_ns + NS_PER_S;
    for (;;) {
        uint64_t now = rj_bench_mono_ns();
        if (!r->warm_taken && now >= r->t0 + (uint64_t)(r->opts->warmup_s * 1e9)) {
            take_warm(r, now);
        }
        if (now >= next_tick) {
            tick(r, now, phase);
            next_tick += NS_PER_S;
            if (next_tick <= now) {
                next_tick = now + NS_PER_S;
            }
        }
        if (stop_requested || (end_ns != 0 && now >= end_ns) || (done != NULL && done(r))) {
            return now;
        }
        uint64_t wake = next_tick;
        if (end_ns != 0 && end_ns < wake) {
            wake = end_ns;
        }
        if (!r->warm_taken) {
            uint64_t w = r->t0 + (uint64_t)(r->opts->warmup_s * 1e9);
            wake = w < wake ? w : wake;
        }
        /* Short naps so a signal or a drained consumer ends the wait soon. */
        if (wake > now + poll_ns) {
            wake = now + poll_ns;
        }
        sleep_until(wake);
    }
}

static bool
drained(reporter_t *r)
{
    rj_bench_recorder_snapshot(&r->run.rec, r->cur);
    return r->cur->counters[RJ_BENCH_RECEIVED] >= r->cur->counters[RJ_BENCH_SENT];
}

static int
run_bench(reporter_t *r)
{
    const rj_bench_options_t *o = r->opts;
    rj_bench_run_t *run = &r->run;
    bool sends = o->command != RJ_BENCH_CONSUME;
    bool receives = o->command != RJ_BENCH_PRODUCE;
    rj_bench_snapshot_t *final = NULL, *measured = NULL;
    int rc, exit_code = EXIT_SETUP;

    if (rj_bench_topic_prepare(o) != RJ_OK) {
        goto done;
    }
    if (sends && rj_bench_produce_prepare(run) != RJ_OK) {
        goto done;
    }
    if (o->command == RJ_BENCH_E2E) {
        rj_bench_group_to_end(o);
    }
    if (receives) {
        int want = o->command == RJ_BENCH_E2E ? run->topic_queue_count : 0;
        if (rj_bench_consume_start(run, want, ASSIGN_TIMEOUT_MS) != RJ_OK) {
            goto done;
        }
    }
    sample_rss(r);
    r->t0 = rj_bench_mono_ns();
    r->last_tick_ns = r->t0;
    r->warm_ns = r->t0;
    if (sends && rj_bench_produce_start(run) != RJ_OK) {
        goto done;
    }

    uint64_t end = o->duration_s > 0 ? r->t0 + (uint64_t)(o->duration_s * 1e9) : 0;
    uint64_t stop = report_until(r, end, NULL, "", 50000000u);
    uint64_t send_end = stop, recv_end = stop;
    if (sends) {
        rj_bench_produce_halt(run);
        send_end = rj_bench_mono_ns();
        recv_end = send_end;
    }
    if (o->command == RJ_BENCH_E2E && !stop_requested) {
        uint64_t drain_end = send_end + (uint64_t)(o->drain_s * 1e9);
        recv_end = report_until(r, drain_end, drained, "drain", 10000000u);
    }
    /* Final figures are taken before the shutdowns, which may wait on the network. */
    sample_rss(r);

    final = rj_malloc(sizeof(*final));
    measured = rj_malloc(sizeof(*measured));
    if (final == NULL || measured == NULL) {
        fprintf(stderr, "mqbench: out of memory\n");
        goto done;
    }
    rj_bench_recorder_snapshot(&run->rec, final);
    rj_bench_produce_stop(run);
    rj_bench_consume_stop(run);
    if (!r->warm_taken) {
        fprintf(stderr, "mqbench: the run ended within the warm-up; nothing measured\n");
        rj_bench_snapshot_init(r->warm);
        r->warm_ns = stop;
        memcpy(r->warm->counters, final->counters, sizeof(final->counters));
    }
    rj_bench_snapshot_diff(measured, final, r->warm);

    rj_bench_summary_t s = {
        .opts = o,
        .total = final,
        .measured = measured,
        .send_window_s = r->warm_taken ? (double)(send_end - r->warm_ns) / 1e9 : 0,
        .recv_window_s = r->warm_taken ? (double)(recv_end - r->warm_ns) / 1e9 : 0,
        .rss_max_kib = r->rss_samples > 0 ? r->rss_max_kib : -1,
        .rss_last_kib = r->rss_last_kib,
        .rss_samples = r->rss_samples,
        .topic_queues = run->topic_queue_count,
    };
    uint64_t failures = final->counters[RJ_BENCH_FAILED];
    if (o->command == RJ_BENCH_E2E &&
        final->counters[RJ_BENCH_SENT] > final->counters[RJ_BENCH_RECEIVED]) {
        s.missing = final->counters[RJ_BENCH_SENT] - final->counters[RJ_BENCH_RECEIVED];
        failures += s.missing;
    }
    s.ok = failures <= o->max_failures;
    rj_bench_report_text(o->json ? stderr : stdout, &s);
    if (o->json && (rc = rj_bench_report_json(stdout, &s)) != RJ_OK) {
        fprintf(stderr, "mqbench: cannot write the JSON summary: %s\n", rj_strerror(rc));
        goto done;
    }
    exit_code = s.ok ? 0 : EXIT_FAILURES;
done:
    rj_bench_produce_stop(run);
    rj_bench_consume_stop(run);
    rj_free(final);
    rj_free(measured);
    return exit_code;
}

int
main(int argc, char **argv)
{
    rj_bench_options_t opts;
    reporter_t r;
    char err[256];
    int rc, exit_code = EXIT_SETUP;

    rc =
        rj_bench_options_parse(argc, argv, getenv("NAMESRV_ADDR"), &opts, stdout, err, sizeof(err));
    if (rc == RJ_BENCH_HELP) {
        return 0;
    }
    if (rc != RJ_OK) {
        fprintf(stderr, "mqbench: %s\n", err);
        return EXIT_SETUP;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C ends the process at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Precise pacing needs sleeps close to what was asked (default slack is 50 us). */
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
    rj_log_set_callback(on_library_log, library_log_level(getenv("MQBENCH_LOG_LEVEL")), NULL);

    if (opts.rss_pid != 0) {
        int64_t kib;
        rc = rj_bench_rss_read(opts.rss_pid, &kib);
        if (rc != RJ_OK) {
            fprintf(stderr, "mqbench: --report-rss %ld: cannot read /proc/%ld/status: %s\n",
                    (long)opts.rss_pid, (long)opts.rss_pid, rj_strerror(rc));
            return EXIT_SETUP;
        }
    }
    if (check_namesrv(opts.namesrv) != RJ_OK) {
        fprintf(stderr,
                "mqbench: no name server of '%s' is reachable (set -n HOST:PORT or "
                "NAMESRV_ADDR)\n",
                opts.namesrv);
        return EXIT_SETUP;
    }

    memset(&r, 0, sizeof(r));
    r.opts = &opts;
    r.run.opts = &opts;
    r.run.run_id = (uint32_t)(rj_bench_wall_ns() ^ ((uint64_t)getpid() << 20));
    r.progress = opts.json ? stderr : stdout;
    r.rss_max_kib = -1;
    rj_bench_recorder_init(&r.run.rec);
    r.prev = rj_malloc(sizeof(*r.prev));
    r.cur = rj_malloc(sizeof(*r.cur));
    r.diff = rj_malloc(sizeof(*r.diff));
    r.warm = rj_malloc(sizeof(*r.warm));
    if (r.prev == NULL || r.cur == NULL || r.diff == NULL || r.warm == NULL) {
        fprintf(stderr, "mqbench: out of memory\n");
        goto done;
    }
    rj_bench_snapshot_init(r.prev);
    rj_bench_snapshot_init(r.warm);
    exit_code = run_bench(&r);
done:
    rj_log_set_callback(NULL, RJ_LOG_LEVEL_OFF, NULL);
    rj_bench_recorder_cleanup(&r.run.rec);
    rj_free(r.prev);
    rj_free(r.cur);
    rj_free(r.diff);
    rj_free(r.warm);
    return exit_code;
}
