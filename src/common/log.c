/*
 * Log formatting and sinks. A line is formatted into a stack buffer and handed
 * to the sink in one piece, so concurrent writers never interleave inside a line
 * (the file is opened O_APPEND and written with a single write()).
 */
#include "common/log.h"

#include "common/alloc.h"
#include "common/clock.h"
#include "common/fs.h"
#include "ramjet/status.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

atomic_int rj_log_min_level = RJ_LOG_INFO;

static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static rj_log_sink_cb sink_cb;
static void *sink_arg;
static int log_fd = -1;
static bool log_also_stderr;
static _Thread_local char thread_name[24];

static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR", "OFF"};

const char *
rj_log_level_name(rj_log_level_t level)
{
    return (unsigned)level <= RJ_LOG_OFF ? level_names[level] : "?";
}

int
rj_log_level_parse(const char *name)
{
    for (int i = 0; i <= RJ_LOG_OFF; i++) {
        if (strcasecmp(name, level_names[i]) == 0) {
            return i;
        }
    }
    if (strcasecmp(name, "WARNING") == 0) {
        return RJ_LOG_WARN;
    }
    return -1;
}

void
rj_log_set_level(rj_log_level_t level)
{
    atomic_store(&rj_log_min_level, (int)level);
}

rj_log_level_t
rj_log_get_level(void)
{
    return (rj_log_level_t)atomic_load(&rj_log_min_level);
}

void
rj_log_set_thread_name(const char *name)
{
    snprintf(thread_name, sizeof(thread_name), "%s", name);
    if (syscall(SYS_gettid) == getpid()) {
        /* The main thread's name is the process name (ps, pidof, killall): keep it. */
        return;
    }
    char os_name[16];
    snprintf(os_name, sizeof(os_name), "%s", name);
    pthread_setname_np(pthread_self(), os_name);
}

static void
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) {
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void
file_sink(rj_log_level_t level, const char *line, size_t len, void *arg)
{
    (void)level;
    (void)arg;
    if (log_fd >= 0) {
        write_all(log_fd, line, len);
    }
    if (log_also_stderr) {
        write_all(STDERR_FILENO, line, len);
    }
}

static void
stderr_sink(rj_log_level_t level, const char *line, size_t len, void *arg)
{
    (void)level;
    (void)arg;
    write_all(STDERR_FILENO, line, len);
}

void
rj_log_set_sink(rj_log_sink_cb cb, void *arg)
{
    pthread_mutex_lock(&sink_lock);
    sink_cb = cb;
    sink_arg = arg;
    pthread_mutex_unlock(&sink_lock);
}

int
rj_log_open_file(const char *dir, const char *file_name, bool also_stderr)
{
    char *expanded = rj_fs_expand_home(dir);
    if (expanded == NULL) {
        return RJ_ENOMEM;
    }
    int rc = rj_fs_mkdirs(expanded, 0755);
    if (rc != 0) {
        rj_free(expanded);
        return rc;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", expanded, file_name);
    rj_free(expanded);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        return -errno;
    }
    pthread_mutex_lock(&sink_lock);
    if (log_fd >= 0) {
        close(log_fd);
    }
    log_fd = fd;
    log_also_stderr = also_stderr;
    sink_cb = file_sink;
    sink_arg = NULL;
    pthread_mutex_unlock(&sink_lock);
    return 0;
}

void
rj_log_close_file(void)
{
    pthread_mutex_lock(&sink_lock);
    if (log_fd >= 0) {
        close(log_fd);
        log_fd = -1;
    }
    if (sink_cb == file_sink) {
        sink_cb = log_also_stderr ? stderr_sink : NULL;
    }
    pthread_mutex_unlock(&sink_lock);
}

long
rj_log_ratelimit_pass(_Atomic int64_t *last_ms, atomic_long *dropped, int64_t interval_ms)
{
    int64_t now = rj_clock_mono_ms();
    int64_t last = atomic_load(last_ms);
    if (last != 0 && now - last < interval_ms) {
        atomic_fetch_add(dropped, 1);
        return -1;
    }
    if (!atomic_compare_exchange_strong(last_ms, &last, now)) {
        atomic_fetch_add(dropped, 1);
        return -1;
    }
    return atomic_exchange(dropped, 0);
}

void
rj_log_write(rj_log_level_t level, int err, const char *fmt, ...)
{
    char line[LOG_LINE_MAX];
    struct timespec ts;
    struct tm tm;
    size_t n;

    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S", &tm);
    n += (size_t)snprintf(line + n, sizeof(line) - n, ",%03ld %-5s [%s] ", ts.tv_nsec / 1000000,
                          rj_log_level_name(level), thread_name[0] ? thread_name : "main");

    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    va_end(ap);
    if (w > 0) {
        n += (size_t)w < sizeof(line) - n ? (size_t)w : sizeof(line) - n - 1;
    }
    if (err != 0 && n < sizeof(line) - 1) {
        int code = err > 0 ? -err : err;
        w = snprintf(line + n, sizeof(line) - n, ": %s", rj_strerror(code));
        if (w > 0) {
            n += (size_t)w < sizeof(line) - n ? (size_t)w : sizeof(line) - n - 1;
        }
    }
    if (n >= sizeof(line) - 1) {
        n = sizeof(line) - 2;
    }
    line[n++] = '\n';
    line[n] = '\0';

    pthread_mutex_lock(&sink_lock);
    rj_log_sink_cb cb = sink_cb;
    void *arg = sink_arg;
    pthread_mutex_unlock(&sink_lock);
    if (cb != NULL) {
        cb(level, line, n, arg);
    }
}

void
rj_log_use_stderr(void)
{
    rj_log_set_sink(stderr_sink, NULL);
}
