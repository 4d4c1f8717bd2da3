/*
 * Library logging. libramjet prints nothing by itself: every line it would log
 * goes to the callback installed here, and without one it is dropped.
 *
 * Thread: the callback is called from whichever library or user thread logs
 * (I/O thread, scheduler, consume threads, the caller of a send). It must be
 * quick, must not block and must not call back into the library.
 */
#ifndef RAMJET_LOG_H
#define RAMJET_LOG_H

#include "ramjet/status.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Log levels, lowest first. */
typedef enum {
    RJ_LOG_LEVEL_DEBUG = 0, /* per request, noisy */
    RJ_LOG_LEVEL_INFO = 1,  /* lifecycle: start, stop, rebalance results */
    RJ_LOG_LEVEL_WARN = 2,  /* a failure the library recovered from (retry, failover) */
    RJ_LOG_LEVEL_ERROR = 3, /* a failure the application should know about */
    RJ_LOG_LEVEL_OFF = 4,   /* nothing */
} rj_log_level_value_t;

/*
 * One formatted line (no trailing newline; `line` is NUL-terminated and valid
 * only during the call).
 */
typedef void (*rj_log_cb)(int level, const char *line, size_t len, void *arg);

/*
 * Installs `cb` for lines at `min_level` or above (process-wide: the library
 * has one log). `cb` NULL removes the callback and the library goes silent
 * again. Returns RJ_OK, or RJ_EINVAL for a level outside the enum.
 */
RJ_API int rj_log_set_callback(rj_log_cb cb, int min_level, void *arg);

/*
 * Text describing the last failure of a library call made by the calling
 * thread ("Send [3] times, still failed ... broker-a: SYSTEM_BUSY ..."), or ""
 * when there is none. Valid until the thread's next library call.
 */
RJ_API const char *rj_last_error(void);

#ifdef __cplusplus
}
#endif

#endif
