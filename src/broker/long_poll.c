/*
 * Long polling. Under `table_lock`: a map from queue key to the list of
 * requests parked on it, and a min-heap of all parked requests by deadline
 * driving the loop's timer. Inputs:
 *   - parks insert directly (I/O threads) and wake the loop only to re-arm
 *     its timer for an earlier deadline;
 *   - notifications arrive in a fixed ring of copies (dispatch thread), so the
 *     dispatcher never allocates; when the ring is full the notification is
 *     replaced by an overflow flag that makes the loop re-check every parked
 *     request against the store (nothing is lost, it is only coarser).
 * `watch` counts parked requests per hash slot so that the dispatcher skips
 * queues nobody waits on with one atomic load. A notification takes one lock
 * (the ring's) and wakes the loop only when the loop has not been woken for
 * notes since it last emptied the ring, so a dispatch burst costs one wake-up,
 * and the loop handles every note of the ring in one round, in place.
 * Queue keys are the topic bytes, a NUL and the queue id's four bytes (no
 * formatting).
 */
#include "broker/long_poll.h"

#include "broker/topic_validator.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/hashmap.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <uv.h>

#define WATCH_SLOTS 4096
#define RING_SIZE 512
/* Properties carried along for property-filtered pulls; longer ones wake unfiltered. */
#define NOTE_PROPS_MAX 512
#define KEY_MAX (RJ_TOPIC_MAX_LEN * 2 + 1 + sizeof(int32_t))
#define LONG_POLL_STACK_BYTES (256 * 1024)

typedef struct {
    int64_t offset;
    int64_t tags_code;
    int32_t queue_id;
    uint16_t topic_len;
    int16_t props_len; /* -1: properties not carried */
    char topic[RJ_TOPIC_MAX_LEN * 2];
    char props[NOTE_PROPS_MAX];
} note_t;

struct rj_long_poll {
    rj_long_poll_options_t opts;
    uv_loop_t loop;
    uv_async_t wake;
    uv_timer_t check_timer;
    uv_timer_t deadline_timer;
    uv_thread_t thread;
    bool started;

    atomic_uint watch[WATCH_SLOTS];
    atomic_uint props_watch[WATCH_SLOTS]; /* parked pulls filtering on properties */
    atomic_size_t parked;

    /* The parked table and deadline heap: parks insert from their I/O threads. */
    pthread_mutex_t table_lock;
    bool accepting;   /* started and not stopping (table_lock) */
    bool stopping;    /* (table_lock) */
    int64_t armed_ms; /* deadline the loop's timer is armed for, INT64_MAX: none (table_lock) */

    pthread_mutex_t ring_lock;
    note_t ring[RING_SIZE];
    size_t ring_head, ring_count;
    bool overflow;
    bool notes_open;  /* the loop runs and takes notes (under ring_lock) */
    bool wake_posted; /* woken for notes and not yet emptied the ring (under ring_lock) */

    /* table_lock. */
    rj_hashmap_t *table;
    rj_parked_pull_t **heap;
    size_t heap_len, heap_cap;
    /* Loop thread only. */
    bool closing;
};

uint32_t
rj_long_poll_slot(rj_bytes_t topic, int32_t queue_id)
{
    uint64_t h = rj_hash_bytes(topic.data, topic.len);
    h ^= (uint64_t)(uint32_t)queue_id * 0x9E3779B97F4A7C15ull;
    return (uint32_t)(h >> 20) % WATCH_SLOTS;
}

static size_t
make_key(rj_bytes_t topic, int32_t qid, char *out)
{
    size_t n = topic.len < RJ_TOPIC_MAX_LEN * 2 ? topic.len : RJ_TOPIC_MAX_LEN * 2;
    memcpy(out, topic.data, n);
    out[n++] = '\0';
    memcpy(out + n, &qid, sizeof(qid));
    return n + sizeof(qid);
}

/* ---- deadline heap (table_lock) ------------------------------------------ */

static bool
heap_less(const rj_parked_pull_t *a, const rj_parked_pull_t *b)
{
    return a->deadline_mono_ms < b->deadline_mono_ms;
}

static void
heap_set(rj_long_poll_t *lp, size_t i, rj_parked_pull_t *p)
{
    lp->heap[i] = p;
    p->heap_index = i;
}

static void
heap_up(rj_long_poll_t *lp, size_t i)
{
    rj_parked_pull_t *p = lp->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!heap_less(p, lp->heap[parent])) {
            break;
        }
        heap_set(lp, i, lp->heap[parent]);
        i = parent;
    }
    heap_set(lp, i, p);
}

static void
heap_down(rj_long_poll_t *lp, size_t i)
{
    rj_parked_pull_t *p = lp->heap[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const rj_parked_pull_t *best = p;
        if (l < lp->heap_len && heap_less(lp->heap[l], best)) {
            m = l;
            best = lp->heap[l];
        }
        if (r < lp->heap_len && heap_less(lp->heap[r], best)) {
            m = r;
        }
        if (m == i) {
            break;
        }
        heap_set(lp, i, lp->heap[m]);
        i = m;
    }
    heap_set(lp, i, p);
}

static int
heap_push(rj_long_poll_t *lp, rj_parked_pull_t *p)
{
    if (lp->heap_len == lp->heap_cap) {
        size_t cap = lp->heap_cap ? lp->heap_cap * 2 : 64;
        rj_parked_pull_t **h = rj_realloc(lp->heap, cap * sizeof(*h));
        if (h == NULL) {
            return RJ_ENOMEM;
        }
        lp->heap = h;
        lp->heap_cap = cap;
    }
    heap_set(lp, lp->heap_len++, p);
    heap_up(lp, lp->heap_len - 1);
    return 0;
}

static void
heap_remove(rj_long_poll_t *lp, rj_parked_pull_t *p)
{
    size_t i = p->heap_index;
    rj_parked_pull_t *last = lp->heap[--lp->heap_len];
    if (i == lp->heap_len) {
        return;
    }
    heap_set(lp, i, last);
    heap_down(lp, i);
    heap_up(lp, last->heap_index);
}

/* ---- parked table (table_lock) ------------------------------------------ */

static void on_deadline(uv_timer_t *t);

/* Loop thread: arms the timer for the earliest deadline and records it for parks. */
static void
arm_deadline(rj_long_poll_t *lp)
{
    if (lp->closing) {
        return;
    }
    pthread_mutex_lock(&lp->table_lock);
    int64_t next = lp->heap_len > 0 ? lp->heap[0]->deadline_mono_ms : INT64_MAX;
    lp->armed_ms = next;
    pthread_mutex_unlock(&lp->table_lock);
    if (next == INT64_MAX) {
        uv_timer_stop(&lp->deadline_timer);
        return;
    }
    int64_t wait = next - rj_clock_mono_ms();
    uv_timer_start(&lp->deadline_timer, on_deadline, (uint64_t)(wait < 0 ? 0 : wait), 0);
}

static void
unwatch(rj_long_poll_t *lp, rj_parked_pull_t *p)
{
    atomic_fetch_sub(&lp->watch[p->slot], 1);
    if (p->match_properties != NULL) {
        atomic_fetch_sub(&lp->props_watch[p->slot], 1);
    }
}

static bool
is_parked(const rj_long_poll_t *lp, const rj_parked_pull_t *p)
{
    return p->heap_index < lp->heap_len && lp->heap[p->heap_index] == p;
}

/* Unlinks `p` from every structure; it no longer counts as parked. table_lock held. */
static void
unpark_locked(rj_long_poll_t *lp, rj_parked_pull_t *p)
{
    char key[KEY_MAX];
    size_t klen = make_key(p->topic, p->queue_id, key);
    rj_parked_pull_t *head = rj_hashmap_get(lp->table, key, klen);
    if (head == p) {
        if (p->next != NULL) {
            rj_hashmap_put(lp->table, key, klen, p->next, NULL);
        } else {
            rj_hashmap_remove(lp->table, key, klen);
        }
    } else {
        for (rj_parked_pull_t *q = head; q != NULL; q = q->next) {
            if (q->next == p) {
                q->next = p->next;
                break;
            }
        }
    }
    p->next = NULL;
    heap_remove(lp, p);
    p->heap_index = SIZE_MAX;
    unwatch(lp, p);
    atomic_fetch_sub(&lp->parked, 1);
}

/* Runs every request of `list` (linked through `next`, already unparked), outside the lock. */
static void
run_list(rj_parked_pull_t *list)
{
    while (list != NULL) {
        rj_parked_pull_t *next = list->next;
        list->next = NULL;
        list->run(list);
        list = next;
    }
}

/* Runs every parked request whose queue has data beyond its offset (or all of them). */
static void
recheck_all(rj_long_poll_t *lp, bool everything)
{
    rj_parked_pull_t *due = NULL;
    rj_hashmap_iter_t it;
    const char *key;
    size_t klen;
    void *value;
    pthread_mutex_lock(&lp->table_lock);
    /* Collect first: unparking modifies the table. */
    size_t n = lp->heap_len;
    rj_parked_pull_t **all = n ? rj_malloc(n * sizeof(*all)) : NULL;
    if (n && all == NULL) {
        pthread_mutex_unlock(&lp->table_lock);
        return;
    }
    size_t k = 0;
    rj_hashmap_iter_init(lp->table, &it);
    while (rj_hashmap_iter_next(&it, &key, &klen, &value)) {
        int64_t max = -1;
        for (rj_parked_pull_t *p = value; p != NULL && k < n; p = p->next) {
            if (!everything && max < 0) {
                max = lp->opts.max_offset(lp->opts.arg, p->topic, p->queue_id);
            }
            if (everything || max > p->offset) {
                all[k++] = p;
            }
        }
    }
    for (size_t i = 0; i < k; i++) {
        unpark_locked(lp, all[i]);
        all[i]->next = due;
        due = all[i];
    }
    pthread_mutex_unlock(&lp->table_lock);
    rj_free(all);
    run_list(due);
}

static void
on_deadline(uv_timer_t *t)
{
    rj_long_poll_t *lp = t->data;
    int64_t now = rj_clock_mono_ms();
    rj_parked_pull_t *due = NULL;
    pthread_mutex_lock(&lp->table_lock);
    while (lp->heap_len > 0 && lp->heap[0]->deadline_mono_ms <= now) {
        rj_parked_pull_t *p = lp->heap[0];
        unpark_locked(lp, p);
        p->next = due;
        due = p;
    }
    pthread_mutex_unlock(&lp->table_lock);
    run_list(due);
    arm_deadline(lp);
}

static void
on_check(uv_timer_t *t)
{
    rj_long_poll_t *lp = t->data;
    recheck_all(lp, false);
    arm_deadline(lp);
}

/* Wakes the parked pulls of one note's queue that it satisfies. */
static void
process_note(rj_long_poll_t *lp, const note_t *note)
{
    char key[KEY_MAX];
    rj_bytes_t topic = rj_bytes(note->topic, note->topic_len);
    size_t klen = make_key(topic, note->queue_id, key);
    rj_parked_pull_t *due = NULL, *next;
    pthread_mutex_lock(&lp->table_lock);
    for (rj_parked_pull_t *p = rj_hashmap_get(lp->table, key, klen); p != NULL; p = next) {
        next = p->next;
        if (note->offset >= p->offset &&
            rj_subscription_data_match_tags_code(p->sub, note->tags_code) &&
            (p->match_properties == NULL || note->props_len < 0 ||
             p->match_properties(p, rj_bytes(note->props, (size_t)note->props_len)))) {
            unpark_locked(lp, p);
            p->next = due;
            due = p;
        }
    }
    pthread_mutex_unlock(&lp->table_lock);
    run_list(due);
}

/*
 * Takes the notes in rounds: the ring's current entries are read in place
 * (the dispatcher only writes behind them) and released together; the wake
 * flag is cleared when a round finds the ring empty.
 */
static void
process_notes(rj_long_poll_t *lp)
{
    for (;;) {
        pthread_mutex_lock(&lp->ring_lock);
        bool overflow = lp->overflow;
        lp->overflow = false;
        size_t head = lp->ring_head, count = lp->ring_count;
        if (count == 0 && !overflow) {
            lp->wake_posted = false;
        }
        pthread_mutex_unlock(&lp->ring_lock);
        if (overflow) {
            recheck_all(lp, false);
        }
        if (count == 0) {
            if (overflow) {
                continue;
            }
            return;
        }
        for (size_t i = 0; i < count; i++) {
            process_note(lp, &lp->ring[(head + i) % RING_SIZE]);
        }
        pthread_mutex_lock(&lp->ring_lock);
        lp->ring_head = (head + count) % RING_SIZE;
        lp->ring_count -= count;
        pthread_mutex_unlock(&lp->ring_lock);
    }
}

static void
close_all(rj_long_poll_t *lp)
{
    lp->closing = true;
    recheck_all(lp, true);
    uv_timer_stop(&lp->deadline_timer);
    uv_timer_stop(&lp->check_timer);
    uv_close((uv_handle_t *)&lp->deadline_timer, NULL);
    uv_close((uv_handle_t *)&lp->check_timer, NULL);
    uv_close((uv_handle_t *)&lp->wake, NULL);
}

static void
on_wake(uv_async_t *h)
{
    rj_long_poll_t *lp = h->data;
    if (lp->closing) {
        return;
    }
    pthread_mutex_lock(&lp->table_lock);
    bool stopping = lp->stopping;
    pthread_mutex_unlock(&lp->table_lock);
    process_notes(lp);
    if (stopping) {
        close_all(lp);
        return;
    }
    arm_deadline(lp);
}

static void
thread_main(void *arg)
{
    rj_long_poll_t *lp = arg;
    rj_log_set_thread_name("PullHold");
    uv_run(&lp->loop, UV_RUN_DEFAULT);
}

int
rj_long_poll_create(const rj_long_poll_options_t *opts, rj_long_poll_t **out)
{
    rj_long_poll_t *lp = rj_calloc(1, sizeof(*lp));
    if (lp == NULL) {
        return RJ_ENOMEM;
    }
    lp->opts = *opts;
    if (lp->opts.check_interval_ms <= 0) {
        lp->opts.check_interval_ms = 5000;
    }
    lp->armed_ms = INT64_MAX;
    pthread_mutex_init(&lp->table_lock, NULL);
    pthread_mutex_init(&lp->ring_lock, NULL);
    lp->table = rj_hashmap_create(64);
    int rc = lp->table ? uv_loop_init(&lp->loop) : RJ_ENOMEM;
    if (rc != 0) {
        rj_hashmap_destroy(lp->table, NULL);
        pthread_mutex_destroy(&lp->table_lock);
        pthread_mutex_destroy(&lp->ring_lock);
        rj_free(lp);
        return rc;
    }
    uv_async_init(&lp->loop, &lp->wake, on_wake);
    lp->wake.data = lp;
    uv_timer_init(&lp->loop, &lp->check_timer);
    lp->check_timer.data = lp;
    uv_timer_init(&lp->loop, &lp->deadline_timer);
    lp->deadline_timer.data = lp;
    *out = lp;
    return 0;
}

int
rj_long_poll_start(rj_long_poll_t *lp)
{
    uv_timer_start(&lp->check_timer, on_check, (uint64_t)lp->opts.check_interval_ms,
                   (uint64_t)lp->opts.check_interval_ms);
    uv_thread_options_t topts = {.flags = UV_THREAD_HAS_STACK_SIZE,
                                 .stack_size = LONG_POLL_STACK_BYTES};
    pthread_mutex_lock(&lp->ring_lock);
    lp->notes_open = true;
    pthread_mutex_unlock(&lp->ring_lock);
    int rc = uv_thread_create_ex(&lp->thread, &topts, thread_main, lp);
    if (rc == 0) {
        lp->started = true;
        pthread_mutex_lock(&lp->table_lock);
        lp->accepting = true;
        pthread_mutex_unlock(&lp->table_lock);
    } else {
        pthread_mutex_lock(&lp->ring_lock);
        lp->notes_open = false;
        pthread_mutex_unlock(&lp->ring_lock);
    }
    return rc;
}

/*
 * Inserts `p` into the table and heap on the caller's thread: the long-poll
 * thread is woken only when `p` has the earliest deadline (its timer must be
 * re-armed), not for every park. Then the race check: if the queue has data
 * beyond the request's offset (dispatched between the pull's read and the
 * insert), the request is taken back and run right here.
 */
int
rj_long_poll_park(rj_long_poll_t *lp, rj_parked_pull_t *p)
{
    p->slot = rj_long_poll_slot(p->topic, p->queue_id);
    p->next = NULL;
    p->heap_index = SIZE_MAX;
    char key[KEY_MAX];
    size_t klen = make_key(p->topic, p->queue_id, key);
    pthread_mutex_lock(&lp->table_lock);
    if (!lp->accepting) {
        pthread_mutex_unlock(&lp->table_lock);
        return RJ_ESTATE;
    }
    /* Counted before the race check below, so notifications from now on are not skipped. */
    if (p->match_properties != NULL) {
        atomic_fetch_add(&lp->props_watch[p->slot], 1);
    }
    atomic_fetch_add(&lp->watch[p->slot], 1);
    p->next = rj_hashmap_get(lp->table, key, klen);
    if (heap_push(lp, p) != 0 || rj_hashmap_put(lp->table, key, klen, p, NULL) != 0) {
        /* Out of memory: answer now rather than lose the request. */
        if (is_parked(lp, p)) {
            heap_remove(lp, p);
        }
        p->next = NULL;
        unwatch(lp, p);
        pthread_mutex_unlock(&lp->table_lock);
        p->run(p);
        return 0;
    }
    atomic_fetch_add(&lp->parked, 1);
    if (p->deadline_mono_ms < lp->armed_ms) {
        lp->armed_ms = p->deadline_mono_ms;
        uv_async_send(&lp->wake); /* under the lock: the handle is open while accepting */
    }
    pthread_mutex_unlock(&lp->table_lock);

    /* Something may have arrived between the pull's read and the insert. */
    atomic_thread_fence(memory_order_seq_cst);
    if (lp->opts.max_offset(lp->opts.arg, p->topic, p->queue_id) > p->offset) {
        pthread_mutex_lock(&lp->table_lock);
        bool mine = is_parked(lp, p);
        if (mine) {
            unpark_locked(lp, p);
        }
        pthread_mutex_unlock(&lp->table_lock);
        if (mine) {
            p->run(p);
        }
    }
    return 0;
}

void
rj_long_poll_notify(rj_long_poll_t *lp, rj_bytes_t topic, int32_t queue_id, int64_t cq_offset,
                    int64_t tags_code, rj_bytes_t properties)
{
    uint32_t slot = rj_long_poll_slot(topic, queue_id);
    /* Pairs with the watch increment of park: either we see the waiter or it sees our data. */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&lp->watch[slot], memory_order_relaxed) == 0) {
        return;
    }
    pthread_mutex_lock(&lp->ring_lock);
    if (!lp->notes_open) {
        pthread_mutex_unlock(&lp->ring_lock);
        return;
    }
    if (lp->ring_count == RING_SIZE || topic.len > sizeof(lp->ring[0].topic)) {
        lp->overflow = true;
    } else {
        note_t *n = &lp->ring[(lp->ring_head + lp->ring_count) % RING_SIZE];
        memcpy(n->topic, topic.data, topic.len);
        n->topic_len = (uint16_t)topic.len;
        n->queue_id = queue_id;
        n->offset = cq_offset;
        n->tags_code = tags_code;
        n->props_len = -1;
        if (properties.len <= NOTE_PROPS_MAX &&
            atomic_load_explicit(&lp->props_watch[slot], memory_order_relaxed) > 0) {
            memcpy(n->props, properties.data, properties.len);
            n->props_len = (int16_t)properties.len;
        }
        lp->ring_count++;
    }
    /* One wake-up until the loop has emptied the ring (it clears the flag under this lock). */
    if (!lp->wake_posted) {
        lp->wake_posted = true;
        uv_async_send(&lp->wake);
    }
    pthread_mutex_unlock(&lp->ring_lock);
}

size_t
rj_long_poll_parked(const rj_long_poll_t *lp)
{
    return atomic_load(&lp->parked);
}

void
rj_long_poll_stop(rj_long_poll_t *lp)
{
    /* No note wakes the loop from now on (it closes its async handle when it stops). */
    pthread_mutex_lock(&lp->ring_lock);
    lp->notes_open = false;
    pthread_mutex_unlock(&lp->ring_lock);
    pthread_mutex_lock(&lp->table_lock);
    bool was_stopping = lp->stopping;
    lp->stopping = true;
    lp->accepting = false;
    if (lp->started && !was_stopping) {
        uv_async_send(&lp->wake);
    }
    pthread_mutex_unlock(&lp->table_lock);
    if (lp->started && !was_stopping) {
        uv_thread_join(&lp->thread);
    }
}

void
rj_long_poll_destroy(rj_long_poll_t *lp)
{
    if (lp == NULL) {
        return;
    }
    rj_long_poll_stop(lp);
    if (!lp->started) {
        uv_close((uv_handle_t *)&lp->deadline_timer, NULL);
        uv_close((uv_handle_t *)&lp->check_timer, NULL);
        uv_close((uv_handle_t *)&lp->wake, NULL);
        uv_run(&lp->loop, UV_RUN_DEFAULT);
    }
    uv_loop_close(&lp->loop);
    rj_hashmap_destroy(lp->table, NULL);
    rj_free(lp->heap);
    pthread_mutex_destroy(&lp->table_lock);
    pthread_mutex_destroy(&lp->ring_lock);
    rj_free(lp);
}
