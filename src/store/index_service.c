/*
 * Index service: the list of index files and the rules of IndexService.java
 * (keys, roll-over, queries newest first, expiry with the commit log).
 */
#include "store/index_service.h"

#include "common/alloc.h"
#include "common/clock.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/message_properties.h"
#include "ramjet/status.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int
rj_index_service_init(rj_index_service_t *s, const char *dir, int32_t slots, int32_t nums)
{
    memset(s, 0, sizeof(*s));
    s->dir = rj_strdup(dir);
    if (s->dir == NULL) {
        return RJ_ENOMEM;
    }
    s->slots = slots;
    s->nums = nums;
    pthread_rwlock_init(&s->lock, NULL);
    rj_buf_init(&s->key);
    return 0;
}

void
rj_index_service_cleanup(rj_index_service_t *s)
{
    if (s->dir == NULL) {
        return;
    }
    for (size_t i = 0; i < s->count; i++) {
        rj_index_file_close(s->files[i], false);
        rj_free(s->files[i]);
    }
    rj_free(s->files);
    rj_buf_cleanup(&s->key);
    pthread_rwlock_destroy(&s->lock);
    rj_free(s->dir);
    memset(s, 0, sizeof(*s));
}

static int
push_file_locked(rj_index_service_t *s, rj_index_file_t *f)
{
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        rj_index_file_t **n = rj_realloc(s->files, cap * sizeof(*n));
        if (n == NULL) {
            return RJ_ENOMEM;
        }
        s->files = n;
        s->cap = cap;
    }
    s->files[s->count++] = f;
    return 0;
}

/* True when the file's header is absent or all zero. */
static bool
header_unwritten(const char *path)
{
    uint8_t h[RJ_INDEX_HEADER_SIZE];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    ssize_t n = pread(fd, h, sizeof(h), 0);
    close(fd);
    if (n < (ssize_t)sizeof(h)) {
        return true;
    }
    for (size_t i = 0; i < sizeof(h); i++) {
        if (h[i] != 0) {
            return false;
        }
    }
    return true;
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
rj_index_service_load(rj_index_service_t *s)
{
    DIR *d = opendir(s->dir);
    if (d == NULL) {
        return errno == ENOENT ? 0 : -errno;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strspn(e->d_name, "0123456789") != strlen(e->d_name)) {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            char **nn = rj_realloc(names, cap * sizeof(*nn));
            if (nn == NULL) {
                rc = RJ_ENOMEM;
                break;
            }
            names = nn;
        }
        if ((names[n] = rj_strdup(e->d_name)) == NULL) {
            rc = RJ_ENOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (n > 0) {
        qsort(names, n, sizeof(*names), cmp_names);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s", s->dir, names[i]);
        rj_index_file_t *f = rj_calloc(1, sizeof(*f));
        if (f == NULL) {
            rc = RJ_ENOMEM;
            break;
        }
        int lrc = rj_index_file_load(f, path, s->slots, s->nums);
        if (lrc != 0) {
            rj_free(f);
            struct stat st;
            if (stat(path, &st) == 0 &&
                (size_t)st.st_size < rj_index_file_size(s->slots, s->nums) &&
                header_unwritten(path)) {
                rj_log(RJ_LOG_WARN, 0, "index file %s was being created: deleted", path);
                unlink(path);
            } else {
                rj_log(RJ_LOG_ERROR, lrc, "index file %s not loaded (another index geometry?)",
                       path);
            }
            continue;
        }
        pthread_rwlock_wrlock(&s->lock);
        rc = push_file_locked(s, f);
        pthread_rwlock_unlock(&s->lock);
        if (rc != 0) {
            rj_index_file_close(f, false);
            rj_free(f);
        } else {
            rj_log(RJ_LOG_INFO, 0, "loaded index file %s (%d items)", path,
                   atomic_load(&f->index_count) - 1);
        }
    }
    for (size_t i = 0; i < n; i++) {
        rj_free(names[i]);
    }
    rj_free(names);
    return rc;
}

int64_t
rj_index_service_truncate(rj_index_service_t *s, int64_t cl_max_offset)
{
    int64_t rebuild_from = -1;
    pthread_rwlock_wrlock(&s->lock);
    while (s->count > 0) {
        rj_index_file_t *f = s->files[s->count - 1];
        bool has_items = atomic_load(&f->index_count) > 1;
        int64_t end = atomic_load(&f->end_phy_offset);
        if (end < cl_max_offset || (!has_items && end == 0)) {
            break;
        }
        int64_t begin = atomic_load(&f->begin_phy_offset);
        rj_log(RJ_LOG_WARN, 0,
               "index file %s indexes records up to %lld, past the commit log end %lld: deleted, "
               "entries from %lld will be rebuilt",
               f->mf.path, (long long)end, (long long)cl_max_offset, (long long)begin);
        if (has_items) {
            rebuild_from = begin;
        }
        rj_index_file_close(f, true);
        rj_free(f);
        s->count--;
    }
    pthread_rwlock_unlock(&s->lock);
    return rebuild_from;
}

int64_t
rj_index_service_end_phy_offset(rj_index_service_t *s)
{
    int64_t v = -1;
    pthread_rwlock_rdlock(&s->lock);
    if (s->count > 0) {
        rj_index_file_t *f = s->files[s->count - 1];
        if (atomic_load(&f->index_count) > 1 || atomic_load(&f->end_phy_offset) > 0) {
            v = atomic_load(&f->end_phy_offset);
        }
    }
    pthread_rwlock_unlock(&s->lock);
    return v;
}

static void
file_name_now(char *out, size_t size)
{
    int64_t ms = rj_clock_wall_ms();
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&sec, &tm);
    snprintf(out, size, "%04d%02d%02d%02d%02d%02d%03d", (tm.tm_year + 1900) % 10000,
             (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
             tm.tm_sec % 100, (int)(ms % 1000 + 1000) % 1000);
}

/* The last file if it has room, else a new one. Dispatcher thread. */
static rj_index_file_t *
last_file(rj_index_service_t *s, int *err)
{
    rj_index_file_t *prev = NULL;
    pthread_rwlock_rdlock(&s->lock);
    if (s->count > 0) {
        prev = s->files[s->count - 1];
    }
    pthread_rwlock_unlock(&s->lock);
    if (prev != NULL && !rj_index_file_is_full(prev)) {
        return prev;
    }
    int rc = rj_fs_mkdirs(s->dir, 0755);
    if (rc != 0) {
        *err = rc;
        return NULL;
    }
    char name[64], path[PATH_MAX];
    file_name_now(name, sizeof(name));
    snprintf(path, sizeof(path), "%s/%s", s->dir, name);
    /* Two files in one millisecond: keep names unique and ordered. */
    while (rj_fs_exists(path) ||
           (prev != NULL && strcmp(rj_mapped_file_name(&prev->mf), name) >= 0)) {
        long long v = atoll(name) + 1;
        snprintf(name, sizeof(name), "%lld", v);
        snprintf(path, sizeof(path), "%s/%s", s->dir, name);
    }
    rj_index_file_t *f = rj_calloc(1, sizeof(*f));
    if (f == NULL) {
        *err = RJ_ENOMEM;
        return NULL;
    }
    int64_t end_phy = prev ? atomic_load(&prev->end_phy_offset) : 0;
    int64_t end_ts = prev ? atomic_load(&prev->end_timestamp) : 0;
    rc = rj_index_file_create(f, path, s->slots, s->nums, end_phy, end_ts);
    if (rc != 0) {
        rj_free(f);
        *err = rc;
        return NULL;
    }
    pthread_rwlock_wrlock(&s->lock);
    rc = push_file_locked(s, f);
    pthread_rwlock_unlock(&s->lock);
    if (rc != 0) {
        rj_index_file_close(f, true);
        rj_free(f);
        *err = rc;
        return NULL;
    }
    rj_log(RJ_LOG_INFO, 0, "created index file %s", path);
    /* The previous file is complete; the service thread makes it durable. */
    return f;
}

static int
put_key(rj_index_service_t *s, rj_index_file_t **f, rj_bytes_t topic, rj_bytes_t key,
        int64_t phy_offset, int64_t store_timestamp)
{
    rj_buf_reset(&s->key);
    if (rj_buf_reserve(&s->key, topic.len + 1 + key.len) != 0) {
        return RJ_ENOMEM;
    }
    rj_buf_append(&s->key, topic.data, topic.len);
    rj_buf_append_u8(&s->key, '#');
    rj_buf_append(&s->key, key.data, key.len);
    int32_t h = rj_index_key_hash(s->key.data, s->key.len);
    for (int tries = 0; tries < 2; tries++) {
        int rc = rj_index_file_put(*f, h, phy_offset, store_timestamp);
        if (rc != RJ_EFULL) {
            return rc;
        }
        int err = 0;
        rj_index_file_t *n = last_file(s, &err);
        if (n == NULL) {
            return err;
        }
        *f = n;
    }
    return RJ_EFULL;
}

int
rj_index_service_build(rj_index_service_t *s, rj_bytes_t topic, int64_t phy_offset,
                       int64_t store_timestamp, rj_bytes_t uniq_key, rj_bytes_t keys)
{
    if (uniq_key.len == 0 && keys.len == 0) {
        return 0;
    }
    int err = 0;
    rj_index_file_t *f = last_file(s, &err);
    if (f == NULL) {
        if (!s->error) {
            rj_log(RJ_LOG_ERROR, err, "cannot create an index file: indexing paused");
        }
        s->error = true;
        return err;
    }
    s->error = false;
    if (atomic_load(&f->index_count) > 1 || atomic_load(&f->end_phy_offset) > 0) {
        if (phy_offset <= atomic_load(&f->end_phy_offset)) {
            return 0; /* indexed already (replay after a restart) */
        }
    }
    int rc = 0;
    if (uniq_key.len > 0) {
        rc = put_key(s, &f, topic, uniq_key, phy_offset, store_timestamp);
    }
    const uint8_t *p = keys.data;
    const uint8_t *end = keys.len > 0 ? keys.data + keys.len : keys.data;
    while (rc == 0 && keys.len > 0 && p < end) {
        const uint8_t *sp = memchr(p, RJ_PROP_KEY_SEPARATOR, (size_t)(end - p));
        const uint8_t *tok_end = sp ? sp : end;
        if (tok_end > p) {
            rc = put_key(s, &f, topic, rj_bytes(p, (size_t)(tok_end - p)), phy_offset,
                         store_timestamp);
        }
        p = sp ? sp + 1 : end;
    }
    if (rc != 0) {
        rj_log_ratelimited(10000, RJ_LOG_ERROR, rc, "index entry for offset %lld not written",
                           (long long)phy_offset);
    }
    return rc;
}

int
rj_index_service_query(rj_index_service_t *s, rj_bytes_t topic, rj_bytes_t key, int max,
                       int64_t begin, int64_t end, int64_t *out, int64_t *last_update_ts,
                       int64_t *last_update_phy)
{
    char stack[512];
    char *k = stack;
    size_t klen = topic.len + 1 + key.len;
    if (klen > sizeof(stack) && (k = rj_malloc(klen)) == NULL) {
        return 0;
    }
    memcpy(k, topic.data, topic.len);
    k[topic.len] = '#';
    memcpy(k + topic.len + 1, key.data, key.len);
    int32_t h = rj_index_key_hash(k, klen);
    if (k != stack) {
        rj_free(k);
    }
    int count = 0;
    *last_update_ts = 0;
    *last_update_phy = 0;
    pthread_rwlock_rdlock(&s->lock);
    for (size_t i = s->count; i > 0; i--) {
        rj_index_file_t *f = s->files[i - 1];
        if (i == s->count) {
            *last_update_ts = atomic_load(&f->end_timestamp);
            *last_update_phy = atomic_load(&f->end_phy_offset);
        }
        if (rj_index_file_time_matched(f, begin, end)) {
            rj_index_file_select(f, h, begin, end, out, &count, max);
        }
        if (atomic_load(&f->begin_timestamp) < begin || count >= max) {
            break;
        }
    }
    pthread_rwlock_unlock(&s->lock);
    return count;
}

int
rj_index_service_delete_expired(rj_index_service_t *s, int64_t cl_min_offset)
{
    int deleted = 0;
    pthread_rwlock_wrlock(&s->lock);
    while (s->count > 1 && atomic_load(&s->files[0]->end_phy_offset) < cl_min_offset) {
        rj_index_file_t *f = s->files[0];
        rj_index_file_close(f, true);
        rj_free(f);
        memmove(s->files, s->files + 1, (s->count - 1) * sizeof(*s->files));
        s->count--;
        deleted++;
    }
    pthread_rwlock_unlock(&s->lock);
    return deleted;
}

void
rj_index_service_flush(rj_index_service_t *s, bool current_too)
{
    pthread_rwlock_rdlock(&s->lock);
    for (size_t i = 0; i < s->count; i++) {
        rj_index_file_t *f = s->files[i];
        bool last = i + 1 == s->count;
        int32_t count = atomic_load(&f->index_count);
        if (count == atomic_load(&f->flushed_count) ||
            (last && !current_too && !rj_index_file_is_full(f))) {
            continue;
        }
        /* Read the end before the flush: everything up to it is then on disk. */
        int64_t end_ts = atomic_load(&f->end_timestamp);
        if (rj_index_file_flush(f) == 0) {
            atomic_store(&f->flushed_count, count);
            if (!last) {
                /* RocketMQ's indexMsgTimestamp: the end of the last full file made durable. */
                atomic_store(&s->full_flushed_timestamp, end_ts);
            }
        }
    }
    pthread_rwlock_unlock(&s->lock);
}

void
rj_index_service_flush_all(rj_index_service_t *s)
{
    rj_index_service_flush(s, true);
}

void
rj_index_service_destroy_all(rj_index_service_t *s)
{
    pthread_rwlock_wrlock(&s->lock);
    for (size_t i = 0; i < s->count; i++) {
        rj_index_file_close(s->files[i], true);
        rj_free(s->files[i]);
    }
    s->count = 0;
    pthread_rwlock_unlock(&s->lock);
}
