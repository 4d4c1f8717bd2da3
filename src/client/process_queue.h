/*
 * Process queue (Java ProcessQueue): the messages of one message queue that
 * were pulled and are not yet consumed, in offset order, plus the queue's
 * consumption state (dropped, locked, consuming, last pull/consume times).
 *
 * DESIGN. Messages arrive in offset order, so instead of Java's TreeMap the
 * queue is a ring of entries indexed by a running sequence number stored in
 * each message (pq_seq): removing a consumed message marks its entry done in
 * O(1), and the done prefix is popped. The commit offset is then the offset of
 * the first entry still pending, or the highest offset seen + 1 when none is.
 * Each entry holds a reference on the message's pull batch; popping releases
 * it. Orderly consumption takes entries from the front in order ("taken"),
 * commits them or puts them back.
 *
 * Threads: all functions lock the queue's mutex; callable from any thread.
 */
#ifndef RJ_CLIENT_PROCESS_QUEUE_H
#define RJ_CLIENT_PROCESS_QUEUE_H

#include "client/pull_batch.h"
#include "ramjet/message.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Java defaults (ProcessQueue, features.md §8). */
#define RJ_PQ_LOCK_MAX_LIVE_MS 30000
#define RJ_PQ_PULL_MAX_IDLE_MS 120000

typedef struct {
    rj_message_t *msg;
    bool done;
} rj_pq_entry_t;

typedef struct rj_process_queue {
    atomic_int refs;
    rj_message_queue_t mq; /* strings inside this allocation */
    char key[400];         /* rj_mq_key() of mq */
    pthread_mutex_t lock;
    rj_pq_entry_t *ring;
    size_t cap;
    uint64_t head_seq; /* sequence number of ring's first entry */
    size_t count;      /* entries from head */
    size_t taken;      /* orderly: entries at the front handed to the listener */
    size_t msg_count;  /* pending (not done) messages */
    size_t msg_size;   /* their body bytes */
    int64_t queue_offset_max;
    int64_t msg_acc_cnt;
    bool consuming; /* orderly: a consume task is queued or running */

    atomic_bool dropped;
    atomic_bool locked;
    _Atomic int64_t last_lock_ms;
    _Atomic int64_t last_pull_ms;
    _Atomic int64_t last_consume_ms;

    /* Pull state, used by the pull loop only (one pull in flight at a time). */
    int64_t next_offset;
    int64_t suggest_broker_id;
    /* Lite pull: seek target (-1 none), offset after what poll returned (-1 none),
     * pause flag and the generation that seeks bump to retire the running loop. */
    int64_t seek_offset;
    int64_t consume_offset;
    atomic_bool paused;
    _Atomic uint64_t generation;
    /* Orderly: serialises consume tasks of this queue (Java's queue lock object). */
    pthread_mutex_t consume_lock;
    void *owner;                        /* the consumer */
    void (*owner_release)(void *owner); /* called when the queue is freed (may be NULL) */
} rj_process_queue_t;

/* "topic\x01broker\x01qid" into `out` (400 bytes). */
void rj_mq_key(const rj_message_queue_t *mq, char out[400]);

/* New queue for `mq` (copied), refs = 1. NULL on ENOMEM. */
rj_process_queue_t *rj_pq_create(const rj_message_queue_t *mq, void *owner);

void rj_pq_retain(rj_process_queue_t *pq);
/* Drops a reference; the last one clears the messages and frees. */
void rj_pq_release(rj_process_queue_t *pq);

/*
 * Adds the kept messages of `b` (in order; taking one batch reference per
 * message). Returns true when an orderly consume task should be started
 * (messages present and none running: `consuming` becomes true). RJ_ENOMEM
 * leaves the queue unchanged and returns false with *rc set.
 */
bool rj_pq_put(rj_process_queue_t *pq, rj_pull_batch_t *b, int *rc);

/*
 * Marks `msgs` consumed. Returns the offset to commit: the first pending
 * offset, or queue_offset_max + 1 when nothing is pending; -1 when the queue
 * held nothing.
 */
int64_t rj_pq_remove(rj_process_queue_t *pq, rj_message_t *const *msgs, size_t count);

/* Orderly: takes up to `max` messages from the front into `out`. When none is
 * left, clears `consuming` and returns 0. */
size_t rj_pq_take(rj_process_queue_t *pq, size_t max, rj_message_t **out);

/* Orderly: the taken messages are consumed. Returns the offset after the last one, or -1. */
int64_t rj_pq_commit(rj_process_queue_t *pq);

/* Orderly: the taken messages go back to be consumed again (their order kept). */
void rj_pq_make_again(rj_process_queue_t *pq);

/*
 * The first message not yet consumed, with a reference on its batch (release
 * it), or NULL.
 */
rj_message_t *rj_pq_first_pending(rj_process_queue_t *pq);

/* Drops every message (releasing the batches). */
void rj_pq_clear(rj_process_queue_t *pq);

/* Pending message count and bytes, and last - first pending offset. */
size_t rj_pq_msg_count(rj_process_queue_t *pq);
size_t rj_pq_msg_size(rj_process_queue_t *pq);
int64_t rj_pq_max_span(rj_process_queue_t *pq);

bool rj_pq_is_lock_expired(rj_process_queue_t *pq, int64_t now_ms);
bool rj_pq_is_pull_expired(rj_process_queue_t *pq, int64_t now_ms);

#endif
