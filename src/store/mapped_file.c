/*
 * Memory-mapped store files with lock-free, identity-checked reference counts.
 *
 * Reference word: bits 0-21 count, bit 22 FREE, bit 23 LIVE, bits 24-63 gen.
 * A file is opened LIVE with count 1 (the queue's reference). Destroy clears
 * LIVE and drops that reference; whoever drops the count to 0 on a non-LIVE
 * file unmaps it, closes the descriptor and sets FREE. try_retain succeeds only
 * on a LIVE word with the expected gen, so a reader racing with a destroy or
 * a reuse of the struct never obtains a reference to the wrong file.
 */
#include "store/mapped_file.h"

#include "common/alloc.h"
#include "common/assert.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define REF_COUNT_MASK ((UINT64_C(1) << 22) - 1)
#define REF_FREE (UINT64_C(1) << 22)
#define REF_LIVE (UINT64_C(1) << 23)
#define REF_GEN_SHIFT 24

static inline uint64_t
ref_gen(uint64_t w)
{
    return w >> REF_GEN_SHIFT;
}

int
rj_mapped_file_open(rj_mapped_file_t *mf, const char *path, size_t size, int64_t from_offset,
                    uint64_t gen, unsigned flags)
{
    int fd = -1, rc;
    void *base = MAP_FAILED;
    char *path_copy = NULL;
    struct stat st;

    RJ_ASSERT(size > 0);
    path_copy = rj_strdup(path);
    if (path_copy == NULL) {
        rc = RJ_ENOMEM;
        goto fail;
    }
    fd = open(path, O_RDWR | O_CLOEXEC | ((flags & RJ_MF_CREATE) ? O_CREAT : 0), 0644);
    if (fd < 0) {
        rc = -errno;
        rj_log(RJ_LOG_ERROR, rc, "open %s", path);
        goto fail;
    }
    if (fstat(fd, &st) != 0) {
        rc = -errno;
        goto fail;
    }
    if ((size_t)st.st_size != size) {
        if (st.st_size != 0 || !(flags & RJ_MF_CREATE)) {
            rj_log(RJ_LOG_ERROR, 0, "%s: size %lld, expected %zu", path, (long long)st.st_size,
                   size);
            rc = RJ_ECORRUPT;
            goto fail;
        }
        /* A new file: reserve its blocks first so that writes through the
         * mapping can never fail with SIGBUS on a full disk. */
        if (flags & RJ_MF_FALLOCATE) {
            if (fallocate(fd, 0, 0, (off_t)size) != 0) {
                rc = -errno;
                if (rc != -EOPNOTSUPP) {
                    rj_log(RJ_LOG_ERROR, rc, "fallocate %s (%zu bytes)", path, size);
                    unlink(path);
                    goto fail;
                }
            }
        }
        if (ftruncate(fd, (off_t)size) != 0) {
            rc = -errno;
            rj_log(RJ_LOG_ERROR, rc, "ftruncate %s", path);
            unlink(path);
            goto fail;
        }
    }
    base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        rc = -errno;
        rj_log(RJ_LOG_ERROR, rc, "mmap %s", path);
        goto fail;
    }
    if (flags & RJ_MF_RANDOM) {
        (void)madvise(base, size, MADV_RANDOM); /* a hint: without it, faults are merely larger */
    }
    if (!mf->prefault_mu_ready) {
        pthread_mutex_init(&mf->prefault_mu, NULL);
        mf->prefault_mu_ready = true;
    }
    rj_free(mf->path);
    mf->base = base;
    mf->size = size;
    mf->from_offset = from_offset;
    mf->fd = fd;
    mf->path = path_copy;
    atomic_store_explicit(&mf->wrote_pos, 0, memory_order_relaxed);
    atomic_store_explicit(&mf->flushed_pos, 0, memory_order_relaxed);
    atomic_store_explicit(&mf->prefault_pos, 0, memory_order_relaxed);
    atomic_store_explicit(&mf->store_timestamp, 0, memory_order_relaxed);
    mf->first_create_in_queue = false;
    mf->small_folios = (flags & RJ_MF_SMALL_FOLIOS) != 0;
    /* Publishes the fields above to readers that acquire the word. */
    atomic_store_explicit(&mf->ref, (gen << REF_GEN_SHIFT) | REF_LIVE | 1, memory_order_release);
    return 0;
fail:
    if (fd >= 0) {
        close(fd);
    }
    rj_free(path_copy);
    return rc;
}

uint64_t
rj_mapped_file_gen(const rj_mapped_file_t *mf)
{
    return ref_gen(atomic_load_explicit(&mf->ref, memory_order_acquire));
}

bool
rj_mapped_file_is_free(const rj_mapped_file_t *mf)
{
    return (atomic_load_explicit(&mf->ref, memory_order_acquire) & REF_FREE) != 0;
}

bool
rj_mapped_file_is_live(const rj_mapped_file_t *mf)
{
    return (atomic_load_explicit(&mf->ref, memory_order_acquire) & REF_LIVE) != 0;
}

void
rj_mapped_file_retain(rj_mapped_file_t *mf)
{
    uint64_t old = atomic_fetch_add_explicit(&mf->ref, 1, memory_order_relaxed);
    RJ_ASSERT((old & REF_COUNT_MASK) > 0 && (old & REF_COUNT_MASK) < REF_COUNT_MASK);
}

bool
rj_mapped_file_try_retain(rj_mapped_file_t *mf, uint64_t gen)
{
    uint64_t w = atomic_load_explicit(&mf->ref, memory_order_acquire);
    for (;;) {
        if (!(w & REF_LIVE) || ref_gen(w) != gen || (w & REF_COUNT_MASK) == 0) {
            return false;
        }
        RJ_ASSERT((w & REF_COUNT_MASK) < REF_COUNT_MASK);
        if (atomic_compare_exchange_weak_explicit(&mf->ref, &w, w + 1, memory_order_acquire,
                                                  memory_order_acquire)) {
            return true;
        }
    }
}

static void
unmap(rj_mapped_file_t *mf)
{
    if (mf->base != NULL) {
        munmap(mf->base, mf->size);
        mf->base = NULL;
    }
    if (mf->fd >= 0) {
        close(mf->fd);
        mf->fd = -1;
    }
}

void
rj_mapped_file_release(rj_mapped_file_t *mf)
{
    uint64_t old = atomic_fetch_sub_explicit(&mf->ref, 1, memory_order_acq_rel);
    RJ_ASSERT((old & REF_COUNT_MASK) > 0);
    if ((old & REF_COUNT_MASK) == 1 && !(old & REF_LIVE)) {
        /* Last reference of a destroyed file: nobody can retain it any more. */
        unmap(mf);
        atomic_fetch_or_explicit(&mf->ref, REF_FREE, memory_order_release);
    }
}

void
rj_mapped_file_destroy(rj_mapped_file_t *mf, bool unlink_file)
{
    uint64_t old = atomic_fetch_and_explicit(&mf->ref, ~REF_LIVE, memory_order_acq_rel);
    if (!(old & REF_LIVE)) {
        return;
    }
    if (unlink_file && mf->path != NULL) {
        if (unlink(mf->path) != 0 && errno != ENOENT) {
            rj_log(RJ_LOG_WARN, errno, "unlink %s", mf->path);
        } else {
            rj_log(RJ_LOG_INFO, 0, "deleted %s", mf->path);
        }
    }
    rj_mapped_file_release(mf);
}

void
rj_mapped_file_cleanup(rj_mapped_file_t *mf)
{
    rj_free(mf->path);
    mf->path = NULL;
    if (mf->prefault_mu_ready) {
        pthread_mutex_destroy(&mf->prefault_mu);
        mf->prefault_mu_ready = false;
    }
}

/* Bytes of writeback started per system call by rj_mapped_file_sync_range(). */
#define SYNC_SLICE ((size_t)1 << 20)

int
rj_mapped_file_sync_range(rj_mapped_file_t *mf, size_t from, size_t to)
{
    if (to > mf->size) {
        to = mf->size;
    }
    if (from >= to) {
        return 0;
    }
    size_t start = from & ~(size_t)(RJ_OS_PAGE_SIZE - 1);
    /*
     * Writeback is started a slice at a time, then one msync waits for it
     * all. One msync over tens of megabytes would queue them in one system
     * call of several milliseconds, and on a kernel without preemption the
     * I/O threads waiting for this core would wait that long.
     */
    for (size_t at = start; to - at > SYNC_SLICE; at += SYNC_SLICE) {
        if (sync_file_range(mf->fd, (off_t)at, (off_t)SYNC_SLICE, SYNC_FILE_RANGE_WRITE) != 0) {
            break; /* msync below does it all */
        }
        sched_yield(); /* a woken I/O thread runs now, not after this whole flush */
    }
    if (msync(mf->base + start, to - start, MS_SYNC) != 0) {
        return -errno;
    }
    return 0;
}

int
rj_mapped_file_flush(rj_mapped_file_t *mf, int least_pages)
{
    return rj_mapped_file_flush_upto(mf, least_pages, INT32_MAX);
}

int
rj_mapped_file_flush_upto(rj_mapped_file_t *mf, int least_pages, int32_t limit)
{
    int32_t flushed = atomic_load_explicit(&mf->flushed_pos, memory_order_acquire);
    int32_t wrote = rj_mapped_file_wrote(mf);
    if (wrote > limit) {
        wrote = limit;
    }
    bool able;
    if ((size_t)wrote == mf->size) {
        able = wrote > flushed;
    } else if (least_pages > 0) {
        able = (wrote / RJ_OS_PAGE_SIZE) - (flushed / RJ_OS_PAGE_SIZE) >= least_pages;
    } else {
        able = wrote > flushed;
    }
    if (!able) {
        return flushed;
    }
    int rc = rj_mapped_file_sync_range(mf, (size_t)flushed, (size_t)wrote);
    if (rc != 0) {
        rj_log_ratelimited(1000, RJ_LOG_ERROR, rc, "msync %s", mf->path);
        return rc;
    }
    atomic_store_explicit(&mf->flushed_pos, wrote, memory_order_release);
    return wrote;
}

/* Zeros pwritten ahead of the writer (read-only, lives in .bss: no memory until read). */
static const uint8_t zeros[256 * 1024];

int
rj_mapped_file_prefault(rj_mapped_file_t *mf, size_t upto)
{
    if (upto > mf->size) {
        upto = mf->size;
    }
    if ((size_t)atomic_load_explicit(&mf->prefault_pos, memory_order_acquire) >= upto) {
        return 0;
    }
    pthread_mutex_lock(&mf->prefault_mu);
    size_t from = (size_t)atomic_load_explicit(&mf->prefault_pos, memory_order_acquire);
    int rc = 0;
    if (from >= upto) {
        goto out;
    }
    size_t end = (upto + RJ_OS_PAGE_SIZE - 1) & ~(size_t)(RJ_OS_PAGE_SIZE - 1);
    if (end > mf->size) {
        end = mf->size;
    }
    /* The page cache sizes a new folio by the write that creates it. */
    size_t unit = mf->small_folios ? RJ_OS_PAGE_SIZE : sizeof(zeros);
    for (size_t at = from; at < end;) {
        size_t n = end - at < unit ? end - at : unit;
        ssize_t w = pwrite(mf->fd, zeros, n, (off_t)at);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            rc = -errno;
            goto out;
        }
        at += (size_t)w;
    }
    size_t start = from & ~(size_t)(RJ_OS_PAGE_SIZE - 1);
    if (madvise(mf->base + start, end - start, MADV_POPULATE_WRITE) != 0 && errno != EINVAL) {
        rc = -errno;
        goto out;
    }
    atomic_store_explicit(&mf->prefault_pos, (int32_t)end, memory_order_release);
out:
    pthread_mutex_unlock(&mf->prefault_mu);
    return rc;
}

int
rj_mapped_file_zero_tail(rj_mapped_file_t *mf, size_t from)
{
    if (from >= mf->size) {
        return 0;
    }
    size_t page_end = (from + RJ_OS_PAGE_SIZE - 1) & ~(size_t)(RJ_OS_PAGE_SIZE - 1);
    if (page_end > mf->size) {
        page_end = mf->size;
    }
    memset(mf->base + from, 0, page_end - from);
    if (page_end < mf->size) {
        /* The hole is re-reserved page by page when the writer prefaults it. */
        if (fallocate(mf->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)page_end,
                      (off_t)(mf->size - page_end)) != 0) {
            /* No hole punching here: zero the pages that hold data. */
            memset(mf->base + page_end, 0, mf->size - page_end);
        }
    }
    int rc = rj_mapped_file_sync_range(mf, from, page_end);
    if (rc == 0 && fsync(mf->fd) != 0) {
        rc = -errno;
    }
    /* Everything from `from` on is zero now: prefaulting may start there again. */
    int32_t pf = atomic_load_explicit(&mf->prefault_pos, memory_order_relaxed);
    if ((size_t)pf > from) {
        atomic_store_explicit(&mf->prefault_pos, (int32_t)from, memory_order_relaxed);
    }
    return rc;
}

int64_t
rj_mapped_file_mtime_ms(const rj_mapped_file_t *mf)
{
    struct stat st;
    if (mf->fd < 0 || fstat(mf->fd, &st) != 0) {
        return -1;
    }
    return (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
}

const char *
rj_mapped_file_name(const rj_mapped_file_t *mf)
{
    if (mf->path == NULL) {
        return "";
    }
    const char *slash = strrchr(mf->path, '/');
    return slash ? slash + 1 : mf->path;
}

void
rj_mapped_file_offset_name(int64_t offset, char *out)
{
    snprintf(out, 21, "%020" PRId64, offset);
}
