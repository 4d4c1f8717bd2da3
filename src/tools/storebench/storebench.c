/*
 * storebench: append throughput and latency of the message store, without the
 * network. N threads append messages (body of -s bytes, TAGS and UNIQ_KEY
 * properties like a Java producer's) for -D seconds under ASYNC_FLUSH or
 * SYNC_FLUSH; each thread keeps -i appends in flight (SYNC_FLUSH completes
 * them from the flush thread, as the broker does). Prints per-second rates,
 * then messages/s, MB/s and p50/p99/p999/max of the latency from the append
 * call to its acknowledgement (with the slowest append of each second, to
 * line stalls up with store events). --disk first measures the sequential
 * write bandwidth of the same file system (O_DIRECT, and buffered +
 * fdatasync). --fill-page-cache puts the machine in a long-running broker's
 * state first.
 *
 * Where the time went: every thread of the process (writers, and the store's
 * AllocMappedFile, ReputMessage, FlushCL/GroupCommit ... threads) is sampled
 * from /proc/self/task/TID/schedstat before and after the run: time on CPU,
 * time runnable but waiting for a CPU (the machine is busy), and the rest of
 * the wall time, blocked (sleeps, locks, I/O, page faults waiting on disk).
 * Work the kernel does in its own threads (writeback, reclaim) is not in
 * these figures; the machine's load average and busy CPU share are printed
 * with them.
 */
#include "common/alloc.h"
#include "common/clock.h"
#include "common/fs.h"
#include "common/log.h"
#include "ramjet/status.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sys/resource.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Latency histogram: 64 power-of-two ranges × 64 linear sub-buckets (≤ 1.6 % error). */
#define SUB_BITS 6
#define SUB (1 << SUB_BITS)

typedef struct {
    uint64_t counts[64 * SUB];
    uint64_t total;
    uint64_t max_ns;
    uint64_t over_1ms;
    uint64_t over_10ms;
} histogram_t;

/* v < 64: exact; else 64 linear steps per power of two: index = shift·64 + (v >> shift). */
static int
hist_bucket(uint64_t v)
{
    if (v < SUB) {
        return (int)v;
    }
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - SUB_BITS + 1;
    return (shift << SUB_BITS) + (int)(v >> shift);
}

/* Largest value of a bucket: percentiles are never understated. */
static uint64_t
hist_upper(int bucket)
{
    if (bucket < SUB) {
        return (uint64_t)bucket;
    }
    int shift = bucket >> SUB_BITS;
    uint64_t sub = (uint64_t)(bucket & (SUB - 1));
    return ((sub + 1) << shift) - 1;
}

static void
hist_add(histogram_t *h, uint64_t ns)
{
    h->counts[hist_bucket(ns)]++;
    h->total++;
    if (ns > h->max_ns) {
        h->max_ns = ns;
    }
    h->over_1ms += ns > 1000000;
    h->over_10ms += ns > 10000000;
}

static void
hist_merge(histogram_t *into, const histogram_t *h)
{
    for (int b = 0; b < 64 * SUB; b++) {
        into->counts[b] += h->counts[b];
    }
    into->total += h->total;
    into->over_1ms += h->over_1ms;
    into->over_10ms += h->over_10ms;
    if (h->max_ns > into->max_ns) {
        into->max_ns = h->max_ns;
    }
}

static uint64_t
hist_percentile(const histogram_t *h, double p)
{
    uint64_t want = (uint64_t)ceil(p / 100.0 * (double)h->total);
    if (want == 0) {
        want = 1;
    }
    uint64_t seen = 0;
    for (int i = 0; i < 64 * SUB; i++) {
        seen += h->counts[i];
        if (seen >= want) {
            return hist_upper(i);
        }
    }
    return 0;
}

typedef struct {
    const char *dir;
    int threads;
    int inflight;
    int msg_size;
    int duration_s;
    int flush_type;
    int queues;
    long long segment_size;
    bool index;
    bool keep;
    bool disk;
    int fill_gib;
} options_t;

typedef struct worker worker_t;

typedef struct {
    rj_store_flush_waiter_t w;
    worker_t *owner;
    uint64_t start_ns;
    bool busy;
} slot_t;

struct worker {
    int id;
    rj_store_t *s;
    const options_t *o;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int pending;
    slot_t *slots;
    histogram_t hist; /* mu */
    _Atomic uint64_t acked;
    _Atomic uint64_t failed;
    _Atomic uint64_t second_max_ns; /* slowest append since the reporter last looked */
};

/* Raises the worker's per-second maximum (one writer per worker, or under its mu). */
static inline void
note_second_max(worker_t *wk, uint64_t ns)
{
    if (ns > atomic_load_explicit(&wk->second_max_ns, memory_order_relaxed)) {
        atomic_store_explicit(&wk->second_max_ns, ns, memory_order_relaxed);
    }
}

static _Atomic bool stop;

static void
on_flushed(rj_store_flush_waiter_t *w, rj_put_status_t st)
{
    slot_t *slot = w->data;
    worker_t *wk = slot->owner;
    uint64_t now = rj_clock_mono_ns();
    pthread_mutex_lock(&wk->mu);
    hist_add(&wk->hist, now - slot->start_ns);
    note_second_max(wk, now - slot->start_ns);
    slot->busy = false;
    wk->pending--;
    pthread_cond_signal(&wk->cond);
    pthread_mutex_unlock(&wk->mu);
    if (st == RJ_PUT_OK) {
        atomic_fetch_add_explicit(&wk->acked, 1, memory_order_relaxed);
    } else {
        atomic_fetch_add_explicit(&wk->failed, 1, memory_order_relaxed);
    }
}

static void *
worker_main(void *arg)
{
    worker_t *wk = arg;
    const options_t *o = wk->o;
    pthread_setname_np(pthread_self(), "sb-writer");
    char *body = rj_malloc((size_t)o->msg_size);
    memset(body, 'x', (size_t)o->msg_size);
    char props[128];
    rj_store_msg_t m;
    memset(&m, 0, sizeof(m));
    m.topic = RJ_BYTES_LIT("StoreBench");
    m.body = rj_bytes(body, (size_t)o->msg_size);
    m.born_host.family = 4;
    m.born_host.addr[0] = 127;
    m.born_host.addr[3] = 1;
    m.born_host.port = 50000 + wk->id;
    m.store_host = m.born_host;
    m.store_host.port = 10911;
    m.wait_store_msg_ok = true;
    uint64_t seq = 0;
    int next_slot = 0;
    /* UNIQ_KEY: a fixed prefix and a hex counter bumped in place (no printf per message). */
    int plen = snprintf(props, sizeof(props),
                        "TAGS\x01TagA\x02UNIQ_KEY\x01"
                        "7F0000010000%04X0000000000000000",
                        wk->id);
    m.properties = rj_bytes(props, (size_t)plen);
    if (o->flush_type == RJ_FLUSH_ASYNC) {
        /* Every put completes in the call: no slots, no locks, a local histogram. */
        histogram_t *h = rj_calloc(1, sizeof(*h));
        uint64_t done = 0, bad = 0;
        while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
            for (int i = plen - 1; i >= plen - 16; i--) {
                char *c = &props[i];
                if (*c == '9') {
                    *c = 'A';
                    break;
                }
                if (*c != 'F') {
                    (*c)++;
                    break;
                }
                *c = '0';
            }
            m.queue_id = (int32_t)(seq++ % (uint64_t)o->queues);
            uint64_t t0 = rj_clock_mono_ns();
            rj_store_put_result_t r;
            rj_put_status_t st = rj_store_put(wk->s, &m, NULL, &r);
            uint64_t ns = rj_clock_mono_ns() - t0;
            hist_add(h, ns);
            if (ns > 100000) {
                note_second_max(wk, ns);
            }
            if (st == RJ_PUT_OK) {
                done++;
            } else {
                bad++;
            }
            if ((done & 1023) == 0) {
                atomic_store_explicit(&wk->acked, done, memory_order_relaxed);
            }
        }
        atomic_store(&wk->acked, done);
        atomic_store(&wk->failed, bad);
        pthread_mutex_lock(&wk->mu);
        hist_merge(&wk->hist, h);
        pthread_mutex_unlock(&wk->mu);
        rj_free(h);
        rj_free(body);
        return NULL;
    }
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        slot_t *slot;
        pthread_mutex_lock(&wk->mu);
        while (wk->pending >= o->inflight) {
            pthread_cond_wait(&wk->cond, &wk->mu);
        }
        while (wk->slots[next_slot].busy) {
            next_slot = (next_slot + 1) % o->inflight;
        }
        slot = &wk->slots[next_slot];
        slot->busy = true;
        wk->pending++;
        pthread_mutex_unlock(&wk->mu);
        /* A UNIQ_KEY per message, as Java producers send, so the index works too. */
        int n = snprintf(props, sizeof(props),
                         "TAGS\x01TagA\x02UNIQ_KEY\x01"
                         "7F0000010000%04X%016" PRIX64,
                         wk->id, seq);
        m.properties = rj_bytes(props, (size_t)n);
        m.queue_id = (int32_t)(seq % (uint64_t)o->queues);
        seq++;
        slot->start_ns = rj_clock_mono_ns();
        rj_store_put_result_t r;
        rj_put_status_t st = rj_store_put(wk->s, &m, &slot->w, &r);
        if (!(st == RJ_PUT_OK && r.flush_pending)) {
            /* Final now: complete the slot here, without waking anyone. */
            uint64_t ns = rj_clock_mono_ns() - slot->start_ns;
            pthread_mutex_lock(&wk->mu);
            hist_add(&wk->hist, ns);
            note_second_max(wk, ns);
            slot->busy = false;
            wk->pending--;
            pthread_mutex_unlock(&wk->mu);
            atomic_fetch_add_explicit(st == RJ_PUT_OK ? &wk->acked : &wk->failed, 1,
                                      memory_order_relaxed);
        }
    }
    pthread_mutex_lock(&wk->mu);
    while (wk->pending > 0) {
        pthread_cond_wait(&wk->cond, &wk->mu);
    }
    pthread_mutex_unlock(&wk->mu);
    rj_free(body);
    return NULL;
}

/* Sequential write bandwidth of the file system holding `dir`, MB/s. */
static double
disk_bandwidth(const char *dir, bool direct, size_t total)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/disk-bench.tmp", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | (direct ? O_DIRECT : 0), 0644);
    if (fd < 0) {
        return -1;
    }
    size_t block = 1 << 20;
    void *buf;
    if (posix_memalign(&buf, 4096, block) != 0) {
        close(fd);
        return -1;
    }
    memset(buf, 0x5A, block);
    uint64_t t0 = rj_clock_mono_ns();
    for (size_t done = 0; done < total; done += block) {
        if (write(fd, buf, block) != (ssize_t)block) {
            break;
        }
    }
    fdatasync(fd);
    uint64_t t1 = rj_clock_mono_ns();
    close(fd);
    unlink(path);
    free(buf);
    return (double)total / 1e6 / ((double)(t1 - t0) / 1e9);
}

/* RssAnon of this process in KiB (the broker's memory target counts anonymous memory). */
static long
rss_anon_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL) {
        return -1;
    }
    char line[256];
    long v = -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "RssAnon: %ld", &v) == 1) {
            break;
        }
    }
    fclose(f);
    return v;
}

/* ---- where the time went: per-thread schedstat, machine load ------------- */

#define TASKS_MAX 256

typedef struct {
    int tid;
    char comm[32];
    uint64_t cpu_ns;  /* on a CPU */
    uint64_t wait_ns; /* runnable, waiting for a CPU */
    long vcsw;        /* voluntary context switches (blocked) */
    long ivcsw;       /* involuntary (preempted) */
} task_stat_t;

static void
task_read(int tid, task_stat_t *t)
{
    char path[96], line[256];
    memset(t, 0, sizeof(*t));
    t->tid = tid;
    snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        if (fgets(t->comm, sizeof(t->comm), f) != NULL) {
            t->comm[strcspn(t->comm, "\n")] = '\0';
        }
        fclose(f);
    }
    snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", tid);
    if ((f = fopen(path, "r")) != NULL) {
        unsigned long long cpu = 0, wait = 0;
        if (fscanf(f, "%llu %llu", &cpu, &wait) == 2) {
            t->cpu_ns = cpu;
            t->wait_ns = wait;
        }
        fclose(f);
    }
    snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
    if ((f = fopen(path, "r")) != NULL) {
        while (fgets(line, sizeof(line), f) != NULL) {
            long v;
            if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1) {
                t->vcsw = v;
            } else if (sscanf(line, "nonvoluntary_ctxt_switches: %ld", &v) == 1) {
                t->ivcsw = v;
            }
        }
        fclose(f);
    }
}

static int
tasks_snapshot(task_stat_t *out, int cap)
{
    DIR *d = opendir("/proc/self/task");
    int n = 0;
    struct dirent *e;
    while (d != NULL && n < cap && (e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') {
            task_read(atoi(e->d_name), &out[n++]);
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    return n;
}

/* Busy and total jiffies of all CPUs (/proc/stat). */
static void
machine_cpu(uint64_t *busy, uint64_t *total)
{
    unsigned long long v[10] = {0};
    *busy = *total = 0;
    FILE *f = fopen("/proc/stat", "r");
    if (f == NULL) {
        return;
    }
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
               &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]) >= 8) {
        for (int i = 0; i < 8; i++) {
            *total += v[i];
        }
        *busy = *total - v[3] - v[4]; /* idle, iowait */
    }
    fclose(f);
}

static void
load_average(char *out, size_t size)
{
    out[0] = '\0';
    FILE *f = fopen("/proc/loadavg", "r");
    if (f != NULL) {
        double a, b, c;
        if (fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3) {
            snprintf(out, size, "%.2f %.2f %.2f", a, b, c);
        }
        fclose(f);
    }
}

/*
 * Bytes this process dirtied for writing (/proc/self/io write_bytes: the
 * kernel counts whole pages, or whole large folios, each time one becomes
 * dirty), or -1. Above the record bytes it shows how much more than the data
 * writeback has to write: pages cleaned by a flush and dirtied again.
 */
static long long
process_write_bytes(void)
{
    FILE *f = fopen("/proc/self/io", "r");
    if (f == NULL) {
        return -1;
    }
    char line[128];
    long long v = -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "write_bytes: %lld", &v) == 1) {
            break;
        }
    }
    fclose(f);
    return v;
}

/*
 * Per thread name: CPU, run-queue wait and blocked time over the run, with
 * CPU-s per GB and context switches per second.
 */
static void
report_threads(const task_stat_t *before, int nb, const task_stat_t *after, int na, double secs,
               double gb)
{
    typedef struct {
        char comm[32];
        int threads;
        double cpu, wait, blocked;
        long vcsw, ivcsw;
    } row_t;
    row_t rows[TASKS_MAX];
    int nrows = 0;
    for (int i = 0; i < na; i++) {
        const task_stat_t *a = &after[i];
        task_stat_t zero = {0};
        const task_stat_t *b = &zero;
        for (int k = 0; k < nb; k++) {
            if (before[k].tid == a->tid) {
                b = &before[k];
                break;
            }
        }
        row_t *r = NULL;
        for (int k = 0; k < nrows; k++) {
            if (strcmp(rows[k].comm, a->comm) == 0) {
                r = &rows[k];
                break;
            }
        }
        if (r == NULL) {
            r = &rows[nrows++];
            memset(r, 0, sizeof(*r));
            snprintf(r->comm, sizeof(r->comm), "%s", a->comm);
        }
        double cpu = (double)(a->cpu_ns - b->cpu_ns) / 1e9;
        double wait = (double)(a->wait_ns - b->wait_ns) / 1e9;
        r->threads++;
        r->cpu += cpu;
        r->wait += wait;
        r->blocked += secs - cpu - wait > 0 ? secs - cpu - wait : 0;
        r->vcsw += a->vcsw - b->vcsw;
        r->ivcsw += a->ivcsw - b->ivcsw;
    }
    printf("threads (wall %.1f s each):  %-16s %3s %8s %8s %8s %9s %10s %10s\n", secs, "name", "n",
           "cpu s", "cpu s/GB", "runq s", "blocked s", "vol cs/s", "invol cs/s");
    for (int k = 0; k < nrows; k++) {
        const row_t *r = &rows[k];
        if (r->cpu < 0.005 && r->vcsw < 10) {
            continue;
        }
        printf("                             %-16s %3d %8.2f %8.3f %8.2f %9.2f %10.0f %10.0f\n",
               r->comm, r->threads, r->cpu, gb > 0 ? r->cpu / gb : 0.0, r->wait, r->blocked,
               (double)r->vcsw / secs, (double)r->ivcsw / secs);
    }
}

static void
usage(void)
{
    fprintf(stderr,
            "usage: storebench [-d dir] [-t threads] [-i inflight-per-thread] [-s msg-bytes]\n"
            "                  [-D seconds] [-f ASYNC_FLUSH|SYNC_FLUSH] [-q queues]\n"
            "                  [--segment-size bytes] [--no-index] [--disk] [--keep]\n"
            "                  [--fill-page-cache GiB]\n");
}

int
main(int argc, char **argv)
{
    options_t o = {NULL, 1, 1, 1024, 10, RJ_FLUSH_ASYNC, 8, 1073741824LL, true, false, false, 0};
    static const struct option longopts[] = {
        {"segment-size", required_argument, NULL, 'S'},
        {"no-index", no_argument, NULL, 'N'},
        {"keep", no_argument, NULL, 'K'},
        {"disk", no_argument, NULL, 'B'},
        {"fill-page-cache", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "d:t:i:s:D:f:q:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o.dir = optarg;
            break;
        case 't':
            o.threads = atoi(optarg);
            break;
        case 'i':
            o.inflight = atoi(optarg);
            break;
        case 's':
            o.msg_size = atoi(optarg);
            break;
        case 'D':
            o.duration_s = atoi(optarg);
            break;
        case 'f':
            if (strcmp(optarg, "SYNC_FLUSH") == 0) {
                o.flush_type = RJ_FLUSH_SYNC;
            } else if (strcmp(optarg, "ASYNC_FLUSH") == 0) {
                o.flush_type = RJ_FLUSH_ASYNC;
            } else {
                usage();
                return 2;
            }
            break;
        case 'q':
            o.queues = atoi(optarg);
            break;
        case 'S':
            o.segment_size = atoll(optarg);
            break;
        case 'N':
            o.index = false;
            break;
        case 'K':
            o.keep = true;
            break;
        case 'B':
            o.disk = true;
            break;
        case 'P':
            o.fill_gib = atoi(optarg);
            break;
        default:
            usage();
            return c == 'h' ? 0 : 2;
        }
    }
    if (o.threads < 1 || o.inflight < 1 || o.msg_size < 1 || o.duration_s < 1 || o.queues < 1 ||
        o.segment_size < 65536 || o.segment_size > INT32_MAX) {
        usage();
        return 2;
    }
    char tmpl[] = "/tmp/storebench-XXXXXX";
    char *dir = NULL;
    if (o.dir == NULL) {
        dir = mkdtemp(tmpl);
        if (dir == NULL) {
            perror("mkdtemp");
            return 1;
        }
    } else {
        dir = rj_strdup(o.dir);
        rj_fs_mkdirs(dir, 0755);
    }
    rj_log_set_level(RJ_LOG_WARN);
    rj_log_use_stderr();
    char ballast[4200] = "";
    if (o.fill_gib > 0) {
        /* A long-running broker's RAM is full of page cache, so new pages are
         * recycled ones. A fresh VM hands out never-touched memory instead, whose
         * first touch costs a host-side fault per page: fill the page cache with
         * a ballast file first, so the run measures the steady state. */
        snprintf(ballast, sizeof(ballast), "%s/page-cache-ballast.tmp", dir);
        int bfd = open(ballast, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        char *chunk = rj_calloc(1, 1 << 20);
        for (long i = 0; bfd >= 0 && i < (long)o.fill_gib * 1024; i++) {
            if (write(bfd, chunk, 1 << 20) != 1 << 20) {
                break;
            }
        }
        if (bfd >= 0) {
            fdatasync(bfd);
            close(bfd);
        }
        rj_free(chunk);
        printf("page cache filled with a %d GiB ballast file (kept during the run)\n", o.fill_gib);
    }
    if (o.disk) {
        size_t total = (size_t)4 << 30;
        printf("disk: sequential write %s: O_DIRECT %.0f MB/s, buffered+fdatasync %.0f MB/s "
               "(4 GiB, 1 MiB writes)\n",
               dir, disk_bandwidth(dir, true, total), disk_bandwidth(dir, false, total));
        fflush(stdout);
    }
    rj_store_config_t cfg;
    rj_store_config_init(&cfg);
    rj_free(cfg.store_path_root_dir);
    cfg.store_path_root_dir = rj_strdup(dir);
    cfg.flush_disk_type = o.flush_type;
    cfg.mapped_file_size_commit_log = (int32_t)o.segment_size;
    cfg.message_index_enable = o.index;
    rj_store_t *s;
    int rc = rj_store_open(&cfg, NULL, &s);
    if (rc != 0 || (rc = rj_store_start(s)) != 0) {
        fprintf(stderr, "storebench: cannot open the store in %s: %s\n", dir, rj_strerror(rc));
        return 1;
    }
    printf("storebench: %s, %d thread(s) × %d in flight, %d-byte bodies, %d queues, %lld-byte "
           "segments, index %s, %d s, store %s\n",
           o.flush_type == RJ_FLUSH_SYNC ? "SYNC_FLUSH" : "ASYNC_FLUSH", o.threads, o.inflight,
           o.msg_size, o.queues, o.segment_size, o.index ? "on" : "off", o.duration_s, dir);
    fflush(stdout);
    worker_t *w = rj_calloc((size_t)o.threads, sizeof(*w));
    for (int i = 0; i < o.threads; i++) {
        w[i].id = i;
        w[i].s = s;
        w[i].o = &o;
        pthread_mutex_init(&w[i].mu, NULL);
        pthread_cond_init(&w[i].cond, NULL);
        w[i].slots = rj_calloc((size_t)o.inflight, sizeof(slot_t));
        for (int k = 0; k < o.inflight; k++) {
            w[i].slots[k].owner = &w[i];
            w[i].slots[k].w.cb = on_flushed;
            w[i].slots[k].w.data = &w[i].slots[k];
        }
        pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
    }
    static task_stat_t tasks0[TASKS_MAX], tasks1[TASKS_MAX];
    char load0[64], load1[64];
    uint64_t busy0, total0, busy1, total1;
    load_average(load0, sizeof(load0));
    machine_cpu(&busy0, &total0);
    int ntasks0 = tasks_snapshot(tasks0, TASKS_MAX);
    long long wbytes0 = process_write_bytes();
    struct rusage ru0;
    getrusage(RUSAGE_SELF, &ru0);
    uint64_t t0 = rj_clock_mono_ns();
    uint64_t last_count = 0, last_bytes = 0;
    rj_store_stats_t st;
    rj_store_get_stats(s, &st);
    uint64_t base_bytes = st.put_message_size_total;
    for (int sec = 1; sec <= o.duration_s; sec++) {
        rj_clock_sleep_ms(
            (int64_t)((t0 + (uint64_t)sec * 1000000000ull - rj_clock_mono_ns()) / 1000000));
        uint64_t count = 0;
        for (int i = 0; i < o.threads; i++) {
            count += atomic_load(&w[i].acked);
        }
        uint64_t second_max = 0;
        for (int i = 0; i < o.threads; i++) {
            uint64_t m = atomic_exchange(&w[i].second_max_ns, 0);
            second_max = m > second_max ? m : second_max;
        }
        rj_store_get_stats(s, &st);
        uint64_t bytes = st.put_message_size_total - base_bytes;
        printf("  %3ds  %9.0f msg/s  %8.1f MB/s  dispatch behind %lld B  flushed %lld MB  "
               "slowest %.1f us\n",
               sec, (double)(count - last_count), (double)(bytes - last_bytes) / 1e6,
               (long long)st.dispatch_behind_bytes,
               (long long)(st.commit_log_flushed_offset / 1000000), (double)second_max / 1e3);
        fflush(stdout);
        last_count = count;
        last_bytes = bytes;
    }
    /* Threads are sampled before the writers exit. */
    uint64_t tsample = rj_clock_mono_ns();
    int ntasks1 = tasks_snapshot(tasks1, TASKS_MAX);
    long long wbytes1 = process_write_bytes();
    machine_cpu(&busy1, &total1);
    load_average(load1, sizeof(load1));
    atomic_store(&stop, true);
    for (int i = 0; i < o.threads; i++) {
        pthread_join(w[i].thread, NULL);
    }
    uint64_t t1 = rj_clock_mono_ns();
    double secs = (double)(t1 - t0) / 1e9;
    histogram_t all;
    memset(&all, 0, sizeof(all));
    uint64_t acked = 0, failed = 0;
    for (int i = 0; i < o.threads; i++) {
        hist_merge(&all, &w[i].hist);
        acked += atomic_load(&w[i].acked);
        failed += atomic_load(&w[i].failed);
    }
    rj_store_get_stats(s, &st);
    double mb = (double)(st.put_message_size_total - base_bytes) / 1e6;
    printf("result: %s threads=%d inflight=%d size=%d: %.0f msg/s, %.1f MB/s (records), "
           "%" PRIu64 " acknowledged, %" PRIu64 " failed in %.1f s\n",
           o.flush_type == RJ_FLUSH_SYNC ? "SYNC_FLUSH" : "ASYNC_FLUSH", o.threads, o.inflight,
           o.msg_size, (double)acked / secs, mb / secs, acked, failed, secs);
    printf("latency (append call → acknowledgement): p50 %.1f us, p99 %.1f us, p999 %.1f us, "
           "p9999 %.1f us, max %.1f us; %" PRIu64 " over 1 ms, %" PRIu64 " over 10 ms\n",
           (double)hist_percentile(&all, 50) / 1e3, (double)hist_percentile(&all, 99) / 1e3,
           (double)hist_percentile(&all, 99.9) / 1e3, (double)hist_percentile(&all, 99.99) / 1e3,
           (double)all.max_ns / 1e3, all.over_1ms, all.over_10ms);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double user = (double)(ru.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
                  (double)(ru.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6;
    double sys = (double)(ru.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
                 (double)(ru.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
    printf("cpu: user %.1f s + sys %.1f s = %.2f CPU-s per GB written (during the run, all "
           "threads)\n",
           user, sys, (user + sys) / (mb / 1000.0));
    report_threads(tasks0, ntasks0, tasks1, ntasks1, (double)(tsample - t0) / 1e9, mb / 1000.0);
    printf("machine: load average %s before, %s after; all CPUs %.0f %% busy during the run\n",
           load0, load1,
           total1 > total0 ? 100.0 * (double)(busy1 - busy0) / (double)(total1 - total0) : 0.0);
    if (wbytes0 >= 0 && wbytes1 >= wbytes0) {
        double dirtied = (double)(wbytes1 - wbytes0) / 1e6;
        printf(
            "io: %.0f MB dirtied for writeback (/proc/self/io write_bytes), %.2f x the records\n",
            dirtied, mb > 0 ? dirtied / mb : 0.0);
    }
    printf("memory: RssAnon %ld KiB (store + benchmark threads)\n", rss_anon_kib());
    fflush(stdout);
    rj_store_close(s);
    for (int i = 0; i < o.threads; i++) {
        rj_free(w[i].slots);
        pthread_mutex_destroy(&w[i].mu);
        pthread_cond_destroy(&w[i].cond);
    }
    rj_free(w);
    rj_store_config_cleanup(&cfg);
    if (ballast[0] != '\0') {
        unlink(ballast);
    }
    if (!o.keep) {
        rj_fs_remove_tree(dir);
    }
    if (o.dir != NULL) {
        rj_free(dir);
    }
    return failed > 0 ? 1 : 0;
}
