/*
 * Per-thread failure text behind rj_last_error(): the library records why a
 * public call failed (with the context only it knows: topic, broker, response
 * code and remark) so the application can show it without a log callback.
 */
#ifndef RJ_CLIENT_LAST_ERROR_H
#define RJ_CLIENT_LAST_ERROR_H

#include "ramjet/log.h"

/*
 * Records a failure text for the calling thread and returns `status`, so
 * callers can write `return rj_client_fail(RJ_EINVAL, "topic is blank")`.
 */
int rj_client_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Clears the calling thread's text (start of a public call). */
void rj_client_clear_error(void);

#endif
