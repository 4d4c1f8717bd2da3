/*
 * Crash test: a child process appends (several threads, single and batch puts)
 * and reports every acknowledged message to the parent through a pipe; the
 * parent kills it with SIGKILL at a random moment, reopens the store and checks
 * that every message ever acknowledged is there with a valid CRC, that consume
 * queues and commit log agree, and that appending continues. Several seeded
 * rounds for SYNC_FLUSH, then for ASYNC_FLUSH. RJ_TEST_SEED=<n> replays a run.
 */
#include "store/store_internal.h"

#include "common/clock.h"
#include "ramjet/status.h"
#include "store_check.h"
#include "store_test_util.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#define ROUNDS 5
#define WRITERS 6
#define QUEUES 4

/* What the child reports per acknowledged record (one write(), < PIPE_BUF). */
typedef struct {
    uint64_t seq;
    int64_t phy_offset;
    int64_t queue_offset;
    int32_t size;
    int32_t queue_id;
} ack_t;

typedef struct {
    ack_t *v;
    size_t n, cap;
} acks_t;

static uint64_t
next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* ---------------- child ---------------- */

typedef struct {
    rj_store_t *s;
    int fd;
    int id;
    uint64_t seed;
    uint64_t seq_base;
} writer_t;

static _Atomic uint64_t child_seq;

static void
report(int fd, const ack_t *a)
{
    const char *p = (const char *)a;
    size_t left = sizeof(*a);
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            _exit(5);
        }
        p += n;
        left -= (size_t)n;
    }
}

static void *
writer_main(void *arg)
{
    writer_t *w = arg;
    uint64_t rng = w->seed;
    char body[4200];
    for (;;) {
        uint64_t seq = atomic_fetch_add(&child_seq, 1) + w->seq_base;
        int qid = (int)(seq % QUEUES);
        size_t len = 40 + next_rand(&rng) % 4000;
        int head = snprintf(body, sizeof(body), "seq=%" PRIu64 ";", seq);
        memset(body + head, 'a' + (int)(seq % 26), len - (size_t)head);
        body[len] = 0;
        char props[96];
        snprintf(props, sizeof(props), "KEYS\x01k%" PRIu64 "\x02TAGS\x01T%d", seq, (int)(seq % 3));
        if (next_rand(&rng) % 10 == 0) {
            /* A batch of three, all acknowledged together. */
            uint8_t bb[3 * 4400];
            size_t off = 0;
            uint64_t seqs[3] = {seq, atomic_fetch_add(&child_seq, 1) + w->seq_base,
                                atomic_fetch_add(&child_seq, 1) + w->seq_base};
            for (int i = 0; i < 3; i++) {
                int h = snprintf(body, sizeof(body), "seq=%" PRIu64 ";", seqs[i]);
                size_t bl = (size_t)h + 100;
                memset(body + h, 'b', 100);
                int n = rj_message_batch_item_encode(0, rj_bytes(body, bl), RJ_BYTES_NULL, bb + off,
                                                     sizeof(bb) - off);
                off += (size_t)n;
            }
            int64_t offs[3];
            rj_store_batch_t b;
            memset(&b, 0, sizeof(b));
            b.topic = RJ_BYTES_LIT("CrashBatch");
            b.queue_id = qid;
            b.born_host = st_host("127.0.0.1", 5000);
            b.store_host = st_host("127.0.0.1", 10911);
            b.body = rj_bytes(bb, off);
            b.wait_store_msg_ok = true;
            b.phy_offsets_out = offs;
            b.phy_offsets_cap = 3;
            rj_store_put_result_t r;
            if (rj_store_put_batch(w->s, &b, NULL, &r) == RJ_PUT_OK) {
                for (int i = 0; i < 3; i++) {
                    int32_t size = (int32_t)(i < 2 ? offs[i + 1] - offs[i]
                                                   : r.phy_offset + r.wrote_bytes - offs[2]);
                    ack_t a = {seqs[i], offs[i], r.queue_offset + i, size, qid};
                    report(w->fd, &a);
                }
            }
            continue;
        }
        rj_store_msg_t m = st_msg("Crash", qid, body, props);
        rj_store_put_result_t r;
        if (rj_store_put(w->s, &m, NULL, &r) == RJ_PUT_OK) {
            ack_t a = {seq, r.phy_offset, r.queue_offset, r.wrote_bytes, qid};
            report(w->fd, &a);
        }
    }
    return NULL;
}

static void
child_main(const rj_store_config_t *cfg, int fd, uint64_t seed, uint64_t seq_base)
{
    rj_log_set_sink(NULL, NULL);
    rj_store_t *s;
    if (rj_store_open(cfg, NULL, &s) != 0 || rj_store_start(s) != 0) {
        _exit(2);
    }
    pthread_t t[WRITERS];
    writer_t w[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (writer_t){s, fd, i, seed * 31 + (uint64_t)i + 1, seq_base};
        pthread_create(&t[i], NULL, writer_main, &w[i]);
    }
    for (;;) {
        pause();
    }
}

/* ---------------- parent ---------------- */

static void
collect(int fd, acks_t *acks, int timeout_ms)
{
    int64_t deadline = rj_clock_mono_ms() + timeout_ms;
    char buf[sizeof(ack_t) * 256];
    size_t have = 0;
    for (;;) {
        int wait = timeout_ms < 0 ? 0 : (int)(deadline - rj_clock_mono_ms());
        if (timeout_ms >= 0 && wait <= 0) {
            break;
        }
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, wait < 0 ? 0 : wait);
        if (r <= 0) {
            if (timeout_ms < 0) {
                break;
            }
            continue;
        }
        ssize_t n = read(fd, buf + have, sizeof(buf) - have);
        if (n <= 0) {
            break;
        }
        have += (size_t)n;
        size_t whole = have / sizeof(ack_t);
        for (size_t i = 0; i < whole; i++) {
            if (acks->n == acks->cap) {
                acks->cap = acks->cap ? acks->cap * 2 : 4096;
                acks->v = realloc(acks->v, acks->cap * sizeof(ack_t));
            }
            memcpy(&acks->v[acks->n++], buf + i * sizeof(ack_t), sizeof(ack_t));
        }
        memmove(buf, buf + whole * sizeof(ack_t), have - whole * sizeof(ack_t));
        have -= whole * sizeof(ack_t);
    }
}

static void
verify(rj_store_t *s, const acks_t *acks)
{
    char err[512];
    int64_t n = st_check_consistency(s, err, sizeof(err));
    if (n < 0) {
        fail_msg("store inconsistent after recovery: %s", err);
    }
    for (size_t i = 0; i < acks->n; i++) {
        const ack_t *a = &acks->v[i];
        rj_message_record_t rec;
        rj_store_view_t v;
        if (rj_store_select_message(s, a->phy_offset, &v) != 0) {
            fail_msg("acknowledged message seq %" PRIu64 " at %" PRId64 " is missing", a->seq,
                     a->phy_offset);
        }
        if (rj_message_record_decode(v.data, v.len, &rec, RJ_MSG_DECODE_CHECK_CRC) != a->size) {
            fail_msg("acknowledged message seq %" PRIu64 " at %" PRId64 " is damaged", a->seq,
                     a->phy_offset);
        }
        char want[40];
        int wl = snprintf(want, sizeof(want), "seq=%" PRIu64 ";", a->seq);
        if (rec.body.len < (size_t)wl || memcmp(rec.body.data, want, (size_t)wl) != 0 ||
            rec.queue_offset != a->queue_offset || rec.queue_id != a->queue_id) {
            fail_msg("record at %" PRId64 " is not message seq %" PRIu64, a->phy_offset, a->seq);
        }
        if (rj_store_get_commit_log_offset_in_queue(s, rec.topic, rec.queue_id, rec.queue_offset) !=
            a->phy_offset) {
            fail_msg("consume queue unit of seq %" PRIu64 " does not point at it", a->seq);
        }
        rj_store_view_release(&v);
    }
}

static void
run_rounds(int flush_type, uint64_t seed)
{
    char *dir = st_make_dir(flush_type == RJ_FLUSH_SYNC ? "crash_sync" : "crash_async");
    rj_store_config_t cfg;
    st_config(&cfg, dir);
    cfg.flush_disk_type = flush_type;
    cfg.mapped_file_size_consume_queue = 1000 * 20;
    cfg.max_index_num = 4000;
    cfg.flush_consume_queue_thorough_interval = 50;
    cfg.flush_commit_log_thorough_interval = 50;
    acks_t acks = {NULL, 0, 0};
    uint64_t rng = seed;
    uint64_t seq_base = 0;
    for (int round = 0; round < ROUNDS; round++) {
        int pfd[2];
        assert_int_equal(pipe(pfd), 0);
        int kill_after = 40 + (int)(next_rand(&rng) % 260);
        pid_t pid = fork();
        if (pid == 0) {
            close(pfd[0]);
            child_main(&cfg, pfd[1], seed + (uint64_t)round, seq_base);
        }
        close(pfd[1]);
        size_t before = acks.n;
        collect(pfd[0], &acks, kill_after);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        /* Acknowledgements already in the pipe were made before the kill. */
        collect(pfd[0], &acks, -1);
        close(pfd[0]);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        seq_base += 10000000;
        printf("  %s round %d: killed after %d ms, %zu acknowledged this round, %zu in total\n",
               flush_type == RJ_FLUSH_SYNC ? "SYNC_FLUSH" : "ASYNC_FLUSH", round, kill_after,
               acks.n - before, acks.n);
        fflush(stdout);
        st_log_start();
        rj_store_t *s;
        assert_int_equal(rj_store_open(&cfg, NULL, &s), 0);
        verify(s, &acks);
        /* Appending continues after the recovery. */
        assert_int_equal(rj_store_start(s), 0);
        for (int i = 0; i < 5; i++) {
            rj_store_msg_t m = st_msg("AfterCrash", 0, "ok", "");
            rj_store_put_result_t r;
            assert_int_equal(rj_store_put(s, &m, NULL, &r), RJ_PUT_OK);
        }
        rj_store_close(s);
        rj_log_set_sink(NULL, NULL);
    }
    assert_true(acks.n > 0);
    free(acks.v);
    rj_store_config_cleanup(&cfg);
    rj_fs_remove_tree(dir);
    rj_free(dir);
}

static uint64_t test_seed;

static void
test_sync_flush_survives_kill_9(void **state)
{
    (void)state;
    run_rounds(RJ_FLUSH_SYNC, test_seed);
}

static void
test_async_flush_survives_process_kill(void **state)
{
    (void)state;
    run_rounds(RJ_FLUSH_ASYNC, test_seed ^ 0x5bd1e995);
}

int
main(void)
{
    const char *env = getenv("RJ_TEST_SEED");
    test_seed = env ? strtoull(env, NULL, 10) : (uint64_t)rj_clock_wall_ms();
    if (test_seed == 0) {
        test_seed = 1;
    }
    printf("crash test seed: %" PRIu64 " (replay with RJ_TEST_SEED=%" PRIu64 ")\n", test_seed,
           test_seed);
    fflush(stdout);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sync_flush_survives_kill_9),
        cmocka_unit_test(test_async_flush_survives_process_kill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
