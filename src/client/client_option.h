/*
 * What every producer and consumer option setter shares: the argument and
 * state checks that open a setter, and the string options (copied, never
 * empty). Errors go to the thread's last error (last_error.h).
 */
#ifndef RJ_CLIENT_CLIENT_OPTION_H
#define RJ_CLIENT_CLIENT_OPTION_H

#include <stdbool.h>

/*
 * Opens a setter of a `what` ("producer", "consumer"): clears the last error,
 * then RJ_EINVAL if `handle` is NULL, RJ_ESTATE if it has `started`, else RJ_OK.
 */
int rj_client_option_begin(const void *handle, const char *what, bool started);

/*
 * Replaces *field with a copy of `value` when `check` (the result of
 * rj_client_option_begin) is RJ_OK. Returns `check`, RJ_EINVAL for a NULL or
 * empty value, RJ_ENOMEM, or RJ_OK.
 */
int rj_client_option_string(int check, char **field, const char *value);

/* The same for an instance name, which must not contain '@' (the client id's separator). */
int rj_client_option_instance_name(int check, char **field, const char *value);

#endif
