/*
 * Logging: one line per event, "2026-11-27 16:04:00,123 INFO  [thread] text: error".
 *
 * rj_log() tests the level before any formatting. The error argument is an errno
 * value or a Ramjet status (either sign), 0 for none; its text is appended.
 * Lines go to a sink: the daemons write to a file under ~/logs/rocketmqlogs/ and
 * optionally stderr; the client library hands them to the user's callback and
 * prints nothing by itself. Thread-safe; a line is written with one write().
 */
#ifndef RJ_COMMON_LOG_H
#define RJ_COMMON_LOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    RJ_LOG_DEBUG = 0, /* per request, noisy */
    RJ_LOG_INFO = 1,  /* lifecycle */
    RJ_LOG_WARN = 2,  /* something went wrong and was recovered */
    RJ_LOG_ERROR = 3, /* an operator must look */
    RJ_LOG_OFF = 4,
} rj_log_level_t;

typedef void (*rj_log_sink_cb)(rj_log_level_t level, const char *line, size_t len, void *arg);

extern atomic_int rj_log_min_level;

#define rj_log_enabled(level) \
    ((int)(level) >= atomic_load_explicit(&rj_log_min_level, memory_order_relaxed))

#define rj_log(level, err, ...)                        \
    do {                                               \
        if (rj_log_enabled(level)) {                   \
            rj_log_write((level), (err), __VA_ARGS__); \
        }                                              \
    } while (0)

/*
 * Logs at most once per `interval_ms` from this call site; repeats in between are
 * counted and the count is reported with the next line.
 */
#define rj_log_ratelimited(interval_ms, level, err, ...)                                         \
    do {                                                                                         \
        static _Atomic int64_t rj_rl_last_;                                                      \
        static atomic_long rj_rl_dropped_;                                                       \
        if (rj_log_enabled(level)) {                                                             \
            long rj_rl_n_ = rj_log_ratelimit_pass(&rj_rl_last_, &rj_rl_dropped_, (interval_ms)); \
            if (rj_rl_n_ >= 0) {                                                                 \
                if (rj_rl_n_ > 0) {                                                              \
                    rj_log_write((level), 0, "(%ld similar lines suppressed)", rj_rl_n_);        \
                }                                                                                \
                rj_log_write((level), (err), __VA_ARGS__);                                       \
            }                                                                                    \
        }                                                                                        \
    } while (0)

void rj_log_write(rj_log_level_t level, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void rj_log_set_level(rj_log_level_t level);
rj_log_level_t rj_log_get_level(void);

/* Parses "DEBUG", "INFO", "WARN", "ERROR", "OFF" (any case). Returns -1 if unknown. */
int rj_log_level_parse(const char *name);
const char *rj_log_level_name(rj_log_level_t level);

/* Replaces the sink with `cb`. NULL (the default): no output at all. */
void rj_log_set_sink(rj_log_sink_cb cb, void *arg);

/* Sink that writes every line to stderr (daemons before their log file opens, tools, tests). */
void rj_log_use_stderr(void);

/*
 * Daemon sinks: append to `dir`/`file_name` (directory created; "~" expanded) and,
 * if `also_stderr`, copy each line to stderr. Returns 0 or -errno.
 */
int rj_log_open_file(const char *dir, const char *file_name, bool also_stderr);
void rj_log_close_file(void);

/* Names the calling thread in log lines and for the OS (truncated to 15 bytes there). */
void rj_log_set_thread_name(const char *name);

/* Internal to rj_log_ratelimited(): -1 to drop this line, else the number dropped before it. */
long rj_log_ratelimit_pass(_Atomic int64_t *last_ms, atomic_long *dropped, int64_t interval_ms);

#endif
