/*
 * Per-thread measurement slots (see bench_recorder.h). A thread finds its slot
 * through a thread-local pointer; the first record of a thread allocates the
 * slot and pushes it onto the recorder's list with a CAS, which is the only
 * shared write and happens once per thread.
 */
#include "tools/mqbench/bench_recorder.h"

#include "common/alloc.h"

#include <string.h>

static _Thread_local rj_bench_slot_t *tls_slot;
static _Thread_local uint64_t tls_recorder_id;
static atomic_uint_fast64_t next_recorder_id = 1;

void
rj_bench_recorder_init(rj_bench_recorder_t *r)
{
    atomic_init(&r->head, NULL);
    atomic_init(&r->slot_count, 0);
    r->id = atomic_fetch_add(&next_recorder_id, 1);
}

void
rj_bench_recorder_cleanup(rj_bench_recorder_t *r)
{
    rj_bench_slot_t *s = atomic_exchange(&r->head, NULL);
    while (s != NULL) {
        rj_bench_slot_t *next = s->next;
        rj_free(s);
        s = next;
    }
    atomic_store(&r->slot_count, 0);
}

rj_bench_slot_t *
rj_bench_slot(rj_bench_recorder_t *r)
{
    rj_bench_slot_t *s;
    if (tls_recorder_id == r->id && tls_slot != NULL) {
        return tls_slot;
    }
    s = rj_malloc(sizeof(*s));
    if (s == NULL) {
        return NULL;
    }
    rj_histogram_init(&s->send_ns);
    rj_histogram_init(&s->e2e_ns);
    for (int i = 0; i < RJ_BENCH_COUNTERS; i++) {
        atomic_init(&s->counters[i], 0);
    }
    rj_bench_slot_t *head = atomic_load(&r->head);
    do {
        s->next = head;
    } while (!atomic_compare_exchange_weak(&r->head, &head, s));
    atomic_fetch_add(&r->slot_count, 1);
    tls_slot = s;
    tls_recorder_id = r->id;
    return s;
}

void
rj_bench_snapshot_init(rj_bench_snapshot_t *s)
{
    rj_histogram_init(&s->send_ns);
    rj_histogram_init(&s->e2e_ns);
    memset(s->counters, 0, sizeof(s->counters));
}

void
rj_bench_recorder_snapshot(rj_bench_recorder_t *r, rj_bench_snapshot_t *out)
{
    rj_bench_snapshot_init(out);
    for (rj_bench_slot_t *s = atomic_load(&r->head); s != NULL; s = s->next) {
        rj_histogram_add(&out->send_ns, &s->send_ns);
        rj_histogram_add(&out->e2e_ns, &s->e2e_ns);
        for (int i = 0; i < RJ_BENCH_COUNTERS; i++) {
            out->counters[i] += atomic_load_explicit(&s->counters[i], memory_order_relaxed);
        }
    }
}

void
rj_bench_snapshot_diff(rj_bench_snapshot_t *out, const rj_bench_snapshot_t *cur,
                       const rj_bench_snapshot_t *prev)
{
    rj_histogram_diff(&out->send_ns, &cur->send_ns, &prev->send_ns);
    rj_histogram_diff(&out->e2e_ns, &cur->e2e_ns, &prev->e2e_ns);
    for (int i = 0; i < RJ_BENCH_COUNTERS; i++) {
        out->counters[i] =
            cur->counters[i] > prev->counters[i] ? cur->counters[i] - prev->counters[i] : 0;
    }
}
