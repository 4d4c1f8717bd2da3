/*
 * rj_last_error() and the library log callback. The text lives in a
 * thread-local fixed buffer (no allocation, nothing to free at thread exit).
 * The log callback is installed as the sink of common/log, which the library
 * otherwise leaves unset so nothing is printed.
 */
#include "client/last_error.h"

#include "common/log.h"
#include "ramjet/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LAST_ERROR_MAX 512

static _Thread_local char last_error[LAST_ERROR_MAX];

/* The sink gets a pointer to one of two slots, so a line being delivered while
 * the callback is replaced still sees a matching (cb, arg) pair. */
typedef struct {
    rj_log_cb cb;
    void *arg;
} log_slot_t;

static log_slot_t log_slots[2];
static unsigned log_slot_next;

int
rj_client_fail(int status, const char *fmt, ...)
{
    char text[LAST_ERROR_MAX];
    va_list ap;

    /* Formatted aside first: callers may pass rj_last_error() itself as an argument. */
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    memcpy(last_error, text, sizeof(text));
    return status;
}

void
rj_client_clear_error(void)
{
    last_error[0] = '\0';
}

const char *
rj_last_error(void)
{
    return last_error;
}

static void
log_sink(rj_log_level_t level, const char *line, size_t len, void *arg)
{
    const log_slot_t *slot = arg;

    /* The callback gets the line without its newline (the sink adds one for files). */
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
        len--;
    }
    char copy[2048];
    if (len >= sizeof(copy)) {
        len = sizeof(copy) - 1;
    }
    memcpy(copy, line, len);
    copy[len] = '\0';
    slot->cb((int)level, copy, len, slot->arg);
}

int
rj_log_set_callback(rj_log_cb cb, int min_level, void *arg)
{
    if (min_level < RJ_LOG_LEVEL_DEBUG || min_level > RJ_LOG_LEVEL_OFF) {
        return RJ_EINVAL;
    }
    if (cb == NULL) {
        rj_log_set_sink(NULL, NULL);
        rj_log_set_level(RJ_LOG_OFF);
        return RJ_OK;
    }
    log_slot_t *slot = &log_slots[log_slot_next++ & 1];
    slot->cb = cb;
    slot->arg = arg;
    rj_log_set_sink(log_sink, slot);
    rj_log_set_level((rj_log_level_t)min_level);
    return RJ_OK;
}
