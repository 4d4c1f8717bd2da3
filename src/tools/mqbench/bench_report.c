/*
 * mqbench output (see bench_report.h). The headline latency is the send
 * latency for produce and the end-to-end latency for consume and e2e; e2e
 * also reports its send latency under send_* keys. Percentiles come from the
 * merged histograms of the measured window, so they are exact to the
 * histogram's 0.78 % bucket width, not averages of per-thread figures.
 */
#include "tools/mqbench/bench_report.h"

#include "ramjet/status.h"

#include <jansson.h>

static const rj_histogram_t *
headline(const rj_bench_options_t *o, const rj_bench_snapshot_t *s)
{
    if (o->command == RJ_BENCH_PRODUCE) {
        return o->mode == RJ_BENCH_ONEWAY ? NULL : &s->send_ns;
    }
    return &s->e2e_ns;
}

static const char *
headline_name(const rj_bench_options_t *o)
{
    if (o->command == RJ_BENCH_PRODUCE) {
        return o->mode == RJ_BENCH_ONEWAY ? "none" : "send";
    }
    return "e2e";
}

static double
ms(uint64_t ns)
{
    return (double)ns / 1e6;
}

static double
rate(uint64_t n, double seconds)
{
    return seconds > 0 ? (double)n / seconds : 0.0;
}

void
rj_bench_report_tick(FILE *out, const rj_bench_options_t *o, double elapsed_s, double interval_s,
                     const rj_bench_snapshot_t *interval, const rj_bench_snapshot_t *total,
                     const char *phase)
{
    const rj_histogram_t *h = headline(o, interval);
    char p99[32];

    if (h != NULL && rj_histogram_count(h) > 0) {
        snprintf(p99, sizeof(p99), "%.3f ms", ms(rj_histogram_percentile(h, 99.0)));
    } else {
        snprintf(p99, sizeof(p99), "-");
    }
    fprintf(out, "[%6.1fs]%s%s send %9.0f/s  recv %9.0f/s  failed %llu (total %llu)  p99 %s\n",
            elapsed_s, phase[0] != '\0' ? " " : "", phase,
            rate(interval->counters[RJ_BENCH_SENT], interval_s),
            rate(interval->counters[RJ_BENCH_RECEIVED], interval_s),
            (unsigned long long)interval->counters[RJ_BENCH_FAILED],
            (unsigned long long)total->counters[RJ_BENCH_FAILED], p99);
    fflush(out);
}

static void
latency_line(FILE *out, const char *name, const rj_histogram_t *h)
{
    if (h == NULL || rj_histogram_count(h) == 0) {
        fprintf(out, "%-12s none recorded\n", name);
        return;
    }
    fprintf(out,
            "%-12s p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  mean %.3f ms  (%llu "
            "samples)\n",
            name, ms(rj_histogram_percentile(h, 50)), ms(rj_histogram_percentile(h, 90)),
            ms(rj_histogram_percentile(h, 99)), ms(rj_histogram_percentile(h, 99.9)),
            ms(rj_histogram_max(h)), rj_histogram_mean(h) / 1e6,
            (unsigned long long)rj_histogram_count(h));
}

void
rj_bench_report_text(FILE *out, const rj_bench_summary_t *s)
{
    const rj_bench_options_t *o = s->opts;
    const rj_bench_snapshot_t *m = s->measured, *t = s->total;
    bool sends = o->command != RJ_BENCH_CONSUME;
    bool receives = o->command != RJ_BENCH_PRODUCE;

    fprintf(out, "---- mqbench %s: topic %s", rj_bench_command_name(o->command), o->topic);
    if (sends) {
        fprintf(out, ", %zu-byte bodies, %s, %d threads, batch %d", o->size,
                rj_bench_mode_name(o->mode), o->threads, o->batch);
        if (o->rate > 0) {
            fprintf(out, ", target %.0f msgs/s", o->rate);
        }
    }
    if (receives) {
        fprintf(out, ", %d consume threads", o->consume_threads);
    }
    fprintf(out, "\n");
    if (sends) {
        fprintf(out, "sent         %llu (failed %llu); measured %.0f msgs/s over %.1f s\n",
                (unsigned long long)t->counters[RJ_BENCH_SENT],
                (unsigned long long)t->counters[RJ_BENCH_FAILED],
                rate(m->counters[RJ_BENCH_SENT], s->send_window_s), s->send_window_s);
    }
    if (receives) {
        fprintf(out, "received     %llu; measured %.0f msgs/s over %.1f s",
                (unsigned long long)t->counters[RJ_BENCH_RECEIVED],
                rate(m->counters[RJ_BENCH_RECEIVED], s->recv_window_s), s->recv_window_s);
        if (t->counters[RJ_BENCH_FOREIGN] != 0) {
            fprintf(out, "; %llu messages of other runs skipped",
                    (unsigned long long)t->counters[RJ_BENCH_FOREIGN]);
        }
        fprintf(out, "\n");
    }
    if (o->command == RJ_BENCH_E2E) {
        fprintf(out, "missing      %llu after the drain\n", (unsigned long long)s->missing);
    }
    if (sends && o->mode != RJ_BENCH_ONEWAY) {
        latency_line(out, "send latency", &m->send_ns);
    }
    if (receives) {
        latency_line(out, "e2e latency", &m->e2e_ns);
    }
    if (s->rss_max_kib >= 0) {
        fprintf(out, "broker RssAnon max %lld KiB (%.1f MiB), last %lld KiB, %d samples\n",
                (long long)s->rss_max_kib, (double)s->rss_max_kib / 1024.0,
                (long long)s->rss_last_kib, s->rss_samples);
    }
    fprintf(out, "result       %s\n", s->ok ? "ok" : "FAILED (beyond --max-failures)");
    fflush(out);
}

static int
set(json_t *obj, const char *key, json_t *value)
{
    return value == NULL ? -1 : json_object_set_new(obj, key, value);
}

static int
set_latency(json_t *obj, const char *prefix, const rj_histogram_t *h)
{
    static const struct {
        const char *key;
        double pct;
    } points[] = {{"p50_ms", 50}, {"p90_ms", 90}, {"p99_ms", 99}, {"p999_ms", 99.9}};
    char key[64];
    int rc = 0;

    for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
        snprintf(key, sizeof(key), "%s%s", prefix, points[i].key);
        rc |=
            set(obj, key, json_real(h != NULL ? ms(rj_histogram_percentile(h, points[i].pct)) : 0));
    }
    snprintf(key, sizeof(key), "%smax_ms", prefix);
    rc |= set(obj, key, json_real(h != NULL ? ms(rj_histogram_max(h)) : 0));
    snprintf(key, sizeof(key), "%smean_ms", prefix);
    rc |= set(obj, key, json_real(h != NULL ? rj_histogram_mean(h) / 1e6 : 0));
    snprintf(key, sizeof(key), "%slatency_samples", prefix);
    rc |= set(obj, key, json_integer(h != NULL ? (json_int_t)rj_histogram_count(h) : 0));
    return rc;
}

int
rj_bench_report_json(FILE *out, const rj_bench_summary_t *s)
{
    const rj_bench_options_t *o = s->opts;
    const rj_bench_snapshot_t *m = s->measured, *t = s->total;
    double send_tps = rate(m->counters[RJ_BENCH_SENT], s->send_window_s);
    double recv_tps = rate(m->counters[RJ_BENCH_RECEIVED], s->recv_window_s);
    double tps;
    json_t *obj = json_object();
    int rc = 0;

    if (obj == NULL) {
        return RJ_ENOMEM;
    }
    switch (o->command) {
    case RJ_BENCH_PRODUCE:
        tps = send_tps;
        break;
    case RJ_BENCH_CONSUME:
        tps = recv_tps;
        break;
    default:
        /* e2e: the rate sustained each way is the smaller of the two. */
        tps = send_tps < recv_tps ? send_tps : recv_tps;
        break;
    }
    rc |= set(obj, "command", json_string(rj_bench_command_name(o->command)));
    rc |= set(obj, "topic", json_string(o->topic));
    rc |= set(obj, "tps", json_real(tps));
    rc |= set(obj, "send_tps", json_real(send_tps));
    rc |= set(obj, "recv_tps", json_real(recv_tps));
    rc |= set(obj, "sent", json_integer((json_int_t)t->counters[RJ_BENCH_SENT]));
    rc |= set(obj, "failed", json_integer((json_int_t)t->counters[RJ_BENCH_FAILED]));
    rc |= set(obj, "received", json_integer((json_int_t)t->counters[RJ_BENCH_RECEIVED]));
    rc |= set(obj, "foreign", json_integer((json_int_t)t->counters[RJ_BENCH_FOREIGN]));
    rc |= set(obj, "missing", json_integer((json_int_t)s->missing));
    rc |= set(obj, "measured_sent", json_integer((json_int_t)m->counters[RJ_BENCH_SENT]));
    rc |= set(obj, "measured_received", json_integer((json_int_t)m->counters[RJ_BENCH_RECEIVED]));
    rc |= set(obj, "send_window_s", json_real(s->send_window_s));
    rc |= set(obj, "recv_window_s", json_real(s->recv_window_s));
    rc |= set(obj, "latency", json_string(headline_name(o)));
    rc |= set_latency(obj, "", headline(o, m));
    if (o->command == RJ_BENCH_E2E) {
        rc |= set_latency(obj, "send_", o->mode == RJ_BENCH_ONEWAY ? NULL : &m->send_ns);
    }
    if (o->command != RJ_BENCH_CONSUME) {
        rc |= set(obj, "mode", json_string(rj_bench_mode_name(o->mode)));
        rc |= set(obj, "size", json_integer((json_int_t)o->size));
        rc |= set(obj, "threads", json_integer(o->threads));
        rc |= set(obj, "batch", json_integer(o->batch));
        rc |= set(obj, "rate_target", json_real(o->rate));
        rc |= set(obj, "topic_queues", json_integer(s->topic_queues));
    }
    if (o->command != RJ_BENCH_PRODUCE) {
        rc |= set(obj, "consume_threads", json_integer(o->consume_threads));
    }
    rc |= set(obj, "duration_s", json_real(o->duration_s));
    rc |= set(obj, "warmup_s", json_real(o->warmup_s));
    if (s->rss_max_kib >= 0) {
        rc |= set(obj, "broker_rss_anon_max_kib", json_integer(s->rss_max_kib));
        rc |= set(obj, "broker_rss_anon_last_kib", json_integer(s->rss_last_kib));
        rc |= set(obj, "broker_rss_samples", json_integer(s->rss_samples));
    }
    rc |= set(obj, "ok", json_boolean(s->ok));
    if (rc != 0) {
        json_decref(obj);
        return RJ_ENOMEM;
    }
    rc = json_dumpf(obj, out, JSON_REAL_PRECISION(9) | JSON_PRESERVE_ORDER);
    json_decref(obj);
    if (rc != 0 || fputc('\n', out) == EOF || fflush(out) != 0) {
        return RJ_EIO;
    }
    return RJ_OK;
}
