/*
 * Queue of mapped files with lock-free lookups.
 *
 * DESIGN: readers (pull handlers on I/O threads, the dispatcher, queries) find
 * file n at ring->slots[n & mask] and call try_retain(n + 1). The ring is only
 * ever replaced as a whole (when it must grow), so a reader holding an old ring
 * still finds valid struct pointers; old rings are kept until cleanup, which
 * bounds their memory by the size of the current ring. Structs are reused only
 * when FREE (unmapped); the identity in their reference word makes a stale
 * pointer harmless. All mutations happen under `lock`.
 */
#include "store/mapped_file_queue.h"

#include "common/alloc.h"
#include "common/assert.h"
#include "common/fs.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rj_mf_ring {
    uint32_t mask;
    rj_mf_ring_t *retired_next;
    _Atomic(rj_mapped_file_t *) slots[];
};

static rj_mf_ring_t *
ring_new(uint32_t cap)
{
    rj_mf_ring_t *r = rj_calloc(1, sizeof(*r) + cap * sizeof(r->slots[0]));
    if (r != NULL) {
        r->mask = cap - 1;
    }
    return r;
}

int
rj_mfq_init(rj_mapped_file_queue_t *q, const char *dir, size_t file_size, unsigned file_flags)
{
    memset(q, 0, sizeof(*q));
    q->dir = rj_strdup(dir);
    rj_mf_ring_t *r = ring_new(4);
    if (q->dir == NULL || r == NULL) {
        rj_free(q->dir);
        rj_free(r);
        return RJ_ENOMEM;
    }
    q->file_size = file_size;
    q->file_flags = file_flags;
    atomic_init(&q->ring, r);
    atomic_init(&q->first_idx, 0);
    atomic_init(&q->last_idx, -1);
    atomic_init(&q->flushed_where, 0);
    atomic_init(&q->flushed_timestamp, 0);
    pthread_mutex_init(&q->lock, NULL);
    pthread_mutex_init(&q->flush_lock, NULL);
    return 0;
}

void
rj_mfq_cleanup(rj_mapped_file_queue_t *q)
{
    if (q->dir == NULL) {
        return;
    }
    int64_t first = rj_mfq_first_idx(q), last = rj_mfq_last_idx(q);
    rj_mf_ring_t *r = atomic_load(&q->ring);
    for (int64_t i = first; i <= last; i++) {
        rj_mapped_file_t *mf = atomic_load(&r->slots[i & r->mask]);
        if (mf != NULL && rj_mapped_file_is_live(mf) && rj_mapped_file_gen(mf) == (uint64_t)i + 1) {
            rj_mapped_file_destroy(mf, false);
        }
    }
    for (rj_mapped_file_t *mf = q->all; mf != NULL;) {
        rj_mapped_file_t *next = mf->all_next;
        if (!rj_mapped_file_is_free(mf) && mf->base != NULL) {
            /* Still referenced by someone who outlived the store: a bug there. */
            rj_log(RJ_LOG_WARN, 0, "%s still referenced at close", mf->path ? mf->path : "?");
        } else {
            rj_mapped_file_cleanup(mf);
            rj_free(mf);
        }
        mf = next;
    }
    for (rj_mf_ring_t *old = q->retired; old != NULL;) {
        rj_mf_ring_t *next = old->retired_next;
        rj_free(old);
        old = next;
    }
    rj_free(r);
    pthread_mutex_destroy(&q->lock);
    pthread_mutex_destroy(&q->flush_lock);
    rj_free(q->dir);
    memset(q, 0, sizeof(*q));
}

/* A FREE struct to reuse, or a new one. Called with the lock held. */
static rj_mapped_file_t *
struct_get_locked(rj_mapped_file_queue_t *q)
{
    for (rj_mapped_file_t *mf = q->all; mf != NULL; mf = mf->all_next) {
        if (rj_mapped_file_is_free(mf)) {
            return mf;
        }
    }
    rj_mapped_file_t *mf = rj_calloc(1, sizeof(*mf));
    if (mf == NULL) {
        return NULL;
    }
    mf->fd = -1;
    atomic_init(&mf->ref, UINT64_C(1) << 22); /* FREE, unused */
    mf->all_next = q->all;
    q->all = mf;
    return mf;
}

/* Makes sure the ring holds files first..last; returns 0 or RJ_ENOMEM. */
static int
ring_fit_locked(rj_mapped_file_queue_t *q, int64_t first, int64_t last)
{
    rj_mf_ring_t *r = atomic_load_explicit(&q->ring, memory_order_relaxed);
    if (last - first + 1 <= (int64_t)r->mask + 1) {
        return 0;
    }
    uint64_t cap = (uint64_t)r->mask + 1;
    while ((int64_t)cap < last - first + 1) {
        cap *= 2;
    }
    if (cap > UINT32_MAX / 2) {
        return RJ_ENOMEM;
    }
    rj_mf_ring_t *n = ring_new((uint32_t)cap);
    if (n == NULL) {
        return RJ_ENOMEM;
    }
    for (int64_t i = first; i < last; i++) {
        atomic_store_explicit(&n->slots[i & n->mask],
                              atomic_load_explicit(&r->slots[i & r->mask], memory_order_relaxed),
                              memory_order_relaxed);
    }
    atomic_store_explicit(&q->ring, n, memory_order_release);
    r->retired_next = q->retired;
    q->retired = r;
    return 0;
}

static int
install_locked(rj_mapped_file_queue_t *q, rj_mapped_file_t *mf)
{
    int64_t idx = mf->from_offset / (int64_t)q->file_size;
    int64_t first = rj_mfq_first_idx(q), last = rj_mfq_last_idx(q);
    bool empty = first > last;
    if (!empty && idx != last + 1) {
        return RJ_EINVAL;
    }
    if (empty) {
        first = idx;
    }
    int rc = ring_fit_locked(q, first, idx);
    if (rc != 0) {
        return rc;
    }
    rj_mf_ring_t *r = atomic_load_explicit(&q->ring, memory_order_relaxed);
    atomic_store_explicit(&r->slots[idx & r->mask], mf, memory_order_release);
    if (empty) {
        mf->first_create_in_queue = true;
        atomic_store_explicit(&q->first_idx, idx, memory_order_release);
    }
    atomic_store_explicit(&q->last_idx, idx, memory_order_release);
    return 0;
}

static int
open_file_locked(rj_mapped_file_queue_t *q, int64_t from_offset, unsigned flags,
                 rj_mapped_file_t **out)
{
    char path[PATH_MAX], name[21];
    rj_mapped_file_offset_name(from_offset, name);
    if (snprintf(path, sizeof(path), "%s/%s", q->dir, name) >= (int)sizeof(path)) {
        return RJ_EINVAL;
    }
    rj_mapped_file_t *mf = struct_get_locked(q);
    if (mf == NULL) {
        return RJ_ENOMEM;
    }
    int rc = rj_mapped_file_open(mf, path, q->file_size, from_offset,
                                 (uint64_t)(from_offset / (int64_t)q->file_size) + 1, flags);
    if (rc != 0) {
        return rc;
    }
    *out = mf;
    return 0;
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
rj_mfq_load(rj_mapped_file_queue_t *q)
{
    DIR *d = opendir(q->dir);
    if (d == NULL) {
        return errno == ENOENT ? 0 : -errno;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len != 20 || strspn(e->d_name, "0123456789") != 20) {
            if (e->d_name[0] != '.') {
                rj_log(RJ_LOG_WARN, 0, "%s/%s: not a store file name, ignored", q->dir, e->d_name);
            }
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = rj_realloc(names, cap * sizeof(*names));
            if (nn == NULL) {
                rc = RJ_ENOMEM;
                break;
            }
            names = nn;
        }
        names[n] = rj_strdup(e->d_name);
        if (names[n] == NULL) {
            rc = RJ_ENOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc == 0 && n > 0) {
        qsort(names, n, sizeof(*names), cmp_names);
    }
    pthread_mutex_lock(&q->lock);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int64_t from = strtoll(names[i], NULL, 10);
        if (from % (int64_t)q->file_size != 0) {
            rj_log(RJ_LOG_ERROR, 0, "%s/%s: offset is not a multiple of the file size %zu", q->dir,
                   names[i], q->file_size);
            rc = RJ_ECORRUPT;
            break;
        }
        rj_mapped_file_t *mf;
        rc = open_file_locked(q, from, q->file_flags & (RJ_MF_RANDOM | RJ_MF_SMALL_FOLIOS), &mf);
        if (rc != 0) {
            break;
        }
        rc = install_locked(q, mf);
        if (rc != 0) {
            rj_log(RJ_LOG_ERROR, 0, "%s/%s: files are not consecutive", q->dir, names[i]);
            rj_mapped_file_destroy(mf, false);
            rc = RJ_ECORRUPT;
            break;
        }
        mf->first_create_in_queue = false;
        rj_mapped_file_set_wrote(mf, (int32_t)q->file_size);
        atomic_store(&mf->flushed_pos, (int32_t)q->file_size);
        atomic_store(&mf->prefault_pos, (int32_t)q->file_size);
    }
    pthread_mutex_unlock(&q->lock);
    for (size_t i = 0; i < n; i++) {
        rj_free(names[i]);
    }
    rj_free(names);
    return rc;
}

rj_mapped_file_t *
rj_mfq_get(rj_mapped_file_queue_t *q, int64_t idx)
{
    if (idx < 0) {
        return NULL;
    }
    rj_mf_ring_t *r = atomic_load_explicit(&q->ring, memory_order_acquire);
    rj_mapped_file_t *mf = atomic_load_explicit(&r->slots[idx & r->mask], memory_order_acquire);
    if (mf != NULL && rj_mapped_file_try_retain(mf, (uint64_t)idx + 1)) {
        return mf;
    }
    return NULL;
}

rj_mapped_file_t *
rj_mfq_lookup(rj_mapped_file_queue_t *q, int64_t offset)
{
    if (offset < 0) {
        return NULL;
    }
    return rj_mfq_get(q, offset / (int64_t)q->file_size);
}

rj_mapped_file_t *
rj_mfq_first(rj_mapped_file_queue_t *q)
{
    for (int tries = 0; tries < 8; tries++) {
        int64_t first = rj_mfq_first_idx(q);
        if (first > rj_mfq_last_idx(q)) {
            return NULL;
        }
        rj_mapped_file_t *mf = rj_mfq_get(q, first);
        if (mf != NULL) {
            return mf;
        }
    }
    return NULL;
}

rj_mapped_file_t *
rj_mfq_last(rj_mapped_file_queue_t *q)
{
    for (int tries = 0; tries < 8; tries++) {
        int64_t last = rj_mfq_last_idx(q);
        if (rj_mfq_first_idx(q) > last) {
            return NULL;
        }
        rj_mapped_file_t *mf = rj_mfq_get(q, last);
        if (mf != NULL) {
            return mf;
        }
    }
    return NULL;
}

int64_t
rj_mfq_count(rj_mapped_file_queue_t *q)
{
    int64_t n = rj_mfq_last_idx(q) - rj_mfq_first_idx(q) + 1;
    return n > 0 ? n : 0;
}

int64_t
rj_mfq_min_offset(rj_mapped_file_queue_t *q)
{
    if (rj_mfq_is_empty(q)) {
        return -1;
    }
    return rj_mfq_first_idx(q) * (int64_t)q->file_size;
}

int64_t
rj_mfq_max_offset(rj_mapped_file_queue_t *q)
{
    rj_mapped_file_t *mf = rj_mfq_last(q);
    if (mf == NULL) {
        return 0;
    }
    int64_t v = mf->from_offset + rj_mapped_file_wrote(mf);
    rj_mapped_file_release(mf);
    return v;
}

static int
ensure_dir(rj_mapped_file_queue_t *q)
{
    int rc = rj_fs_mkdirs(q->dir, 0755);
    if (rc != 0) {
        rj_log(RJ_LOG_ERROR, rc, "mkdir %s", q->dir);
    }
    return rc;
}

int
rj_mfq_prepare_file(rj_mapped_file_queue_t *q, int64_t from_offset, rj_mapped_file_t **out)
{
    int rc = ensure_dir(q);
    if (rc != 0) {
        return rc;
    }
    pthread_mutex_lock(&q->lock);
    rc = open_file_locked(q, from_offset, RJ_MF_CREATE | q->file_flags, out);
    pthread_mutex_unlock(&q->lock);
    if (rc == 0) {
        rj_log(RJ_LOG_INFO, 0, "created %s", (*out)->path);
    }
    return rc;
}

int
rj_mfq_append_file(rj_mapped_file_queue_t *q, rj_mapped_file_t *mf)
{
    pthread_mutex_lock(&q->lock);
    int rc = install_locked(q, mf);
    pthread_mutex_unlock(&q->lock);
    return rc;
}

void
rj_mfq_discard_prepared(rj_mapped_file_queue_t *q, rj_mapped_file_t *mf)
{
    (void)q;
    rj_mapped_file_destroy(mf, true);
}

rj_mapped_file_t *
rj_mfq_last_or_create(rj_mapped_file_queue_t *q, int64_t start_offset, int *err)
{
    *err = 0;
    rj_mapped_file_t *last = rj_mfq_last(q);
    int64_t create_at;
    if (last == NULL) {
        create_at = start_offset - start_offset % (int64_t)q->file_size;
    } else if (rj_mapped_file_is_full(last)) {
        create_at = last->from_offset + (int64_t)q->file_size;
        rj_mapped_file_release(last);
    } else {
        return last;
    }
    rj_mapped_file_t *mf;
    int rc = rj_mfq_prepare_file(q, create_at, &mf);
    if (rc == 0) {
        rc = rj_mfq_append_file(q, mf);
        if (rc != 0) {
            rj_mfq_discard_prepared(q, mf);
        }
    }
    if (rc != 0) {
        *err = rc;
        return NULL;
    }
    rj_mapped_file_retain(mf);
    return mf;
}

bool
rj_mfq_remove_first(rj_mapped_file_queue_t *q)
{
    pthread_mutex_lock(&q->lock);
    int64_t first = rj_mfq_first_idx(q), last = rj_mfq_last_idx(q);
    if (first >= last) {
        pthread_mutex_unlock(&q->lock);
        return false;
    }
    rj_mapped_file_t *mf = rj_mfq_get(q, first);
    atomic_store_explicit(&q->first_idx, first + 1, memory_order_release);
    pthread_mutex_unlock(&q->lock);
    if (mf != NULL) {
        rj_mapped_file_destroy(mf, true);
        rj_mapped_file_release(mf);
    }
    return true;
}

void
rj_mfq_remove_last(rj_mapped_file_queue_t *q)
{
    pthread_mutex_lock(&q->lock);
    int64_t first = rj_mfq_first_idx(q), last = rj_mfq_last_idx(q);
    if (first > last) {
        pthread_mutex_unlock(&q->lock);
        return;
    }
    rj_mapped_file_t *mf = rj_mfq_get(q, last);
    atomic_store_explicit(&q->last_idx, last - 1, memory_order_release);
    if (first > last - 1) {
        atomic_store_explicit(&q->first_idx, 0, memory_order_release);
        atomic_store_explicit(&q->last_idx, -1, memory_order_release);
    }
    pthread_mutex_unlock(&q->lock);
    if (mf != NULL) {
        rj_mapped_file_destroy(mf, true);
        rj_mapped_file_release(mf);
    }
}

/* True when bytes [pos, pos + 8 KiB) of the file are not all zero. */
static bool
tail_dirty(const rj_mapped_file_t *mf, size_t pos)
{
    size_t end = pos + 2 * RJ_OS_PAGE_SIZE;
    if (end > mf->size) {
        end = mf->size;
    }
    for (size_t i = pos; i < end; i++) {
        if (mf->base[i] != 0) {
            return true;
        }
    }
    return false;
}

void
rj_mfq_truncate(rj_mapped_file_queue_t *q, int64_t offset, bool force_zero)
{
    /* No flush may store a flushed_where from before the cut. */
    pthread_mutex_lock(&q->flush_lock);
    for (;;) {
        int64_t last = rj_mfq_last_idx(q);
        if (rj_mfq_first_idx(q) > last) {
            break;
        }
        int64_t from = last * (int64_t)q->file_size;
        if (from < offset || (from == offset && offset == rj_mfq_min_offset(q))) {
            break;
        }
        /* The whole file lies at or after the new end. */
        rj_mfq_remove_last(q);
    }
    rj_mapped_file_t *mf = rj_mfq_lookup(q, offset);
    if (mf == NULL && offset > 0) {
        /* The end falls exactly at the end of the last file. */
        mf = rj_mfq_lookup(q, offset - 1);
    }
    if (mf != NULL) {
        int32_t pos = (int32_t)(offset - mf->from_offset);
        if ((size_t)pos < mf->size && (force_zero || tail_dirty(mf, (size_t)pos))) {
            rj_mapped_file_zero_tail(mf, (size_t)pos);
        }
        rj_mapped_file_set_wrote(mf, pos);
        atomic_store(&mf->flushed_pos, pos);
        /* Prefaulting writes zeros: it must start at the end, never below it. */
        if (atomic_load(&mf->prefault_pos) > pos) {
            atomic_store(&mf->prefault_pos, pos);
        }
        rj_mapped_file_release(mf);
    }
    atomic_store_explicit(&q->flushed_where, offset, memory_order_release);
    pthread_mutex_unlock(&q->flush_lock);
}

void
rj_mfq_destroy_all(rj_mapped_file_queue_t *q)
{
    pthread_mutex_lock(&q->flush_lock);
    while (!rj_mfq_is_empty(q)) {
        rj_mfq_remove_last(q);
    }
    atomic_store_explicit(&q->flushed_where, 0, memory_order_release);
    pthread_mutex_unlock(&q->flush_lock);
}

int
rj_mfq_flush(rj_mapped_file_queue_t *q, int least_pages)
{
    return rj_mfq_flush_upto(q, least_pages, INT64_MAX);
}

int
rj_mfq_flush_upto(rj_mapped_file_queue_t *q, int least_pages, int64_t limit)
{
    /* Files are retained while flushed: the cleanup may remove them meanwhile. */
    pthread_mutex_lock(&q->flush_lock);
    int rc = 0;
    for (int guard = 0; guard < 64; guard++) {
        int64_t where = rj_mfq_flushed_where(q);
        rj_mapped_file_t *mf = rj_mfq_lookup(q, where);
        if (mf == NULL) {
            if (where == 0 || (where % (int64_t)q->file_size) == 0) {
                /* flushed_where may predate the first file (0) or sit past a deleted one. */
                rj_mapped_file_t *first = rj_mfq_first(q);
                if (first != NULL && first->from_offset > where) {
                    atomic_store_explicit(&q->flushed_where, first->from_offset,
                                          memory_order_release);
                    rj_mapped_file_release(first);
                    continue;
                }
                if (first != NULL) {
                    rj_mapped_file_release(first);
                }
            }
            break;
        }
        /* Read the timestamp before the position: every record up to it is covered. */
        int64_t ts = atomic_load_explicit(&mf->store_timestamp, memory_order_acquire);
        int32_t wrote = rj_mapped_file_wrote(mf);
        int64_t rel = limit - mf->from_offset;
        int32_t file_limit = rel >= (int64_t)mf->size ? INT32_MAX : (int32_t)(rel < 0 ? 0 : rel);
        int flushed = rj_mapped_file_flush_upto(mf, least_pages, file_limit);
        if (flushed < 0) {
            rc = flushed;
            rj_mapped_file_release(mf);
            break;
        }
        int64_t nw = mf->from_offset + flushed;
        if (nw != where) {
            atomic_store_explicit(&q->flushed_where, nw, memory_order_release);
        }
        if (ts > 0 && flushed >= wrote) {
            atomic_store_explicit(&q->flushed_timestamp, ts, memory_order_release);
        }
        bool full = (size_t)flushed == mf->size;
        rj_mapped_file_release(mf);
        if (!full) {
            break;
        }
    }
    pthread_mutex_unlock(&q->flush_lock);
    return rc;
}
