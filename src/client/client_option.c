/* Shared checks and string options of the producer and consumer setters. */
#include "client/client_option.h"

#include "client/last_error.h"
#include "common/alloc.h"
#include "ramjet/status.h"

#include <string.h>

int
rj_client_option_begin(const void *handle, const char *what, bool started)
{
    rj_client_clear_error();
    if (handle == NULL) {
        return rj_client_fail(RJ_EINVAL, "%s is NULL", what);
    }
    if (started) {
        return rj_client_fail(RJ_ESTATE, "options can only be set before start");
    }
    return RJ_OK;
}

int
rj_client_option_string(int check, char **field, const char *value)
{
    if (check != RJ_OK) {
        return check;
    }
    if (value == NULL || value[0] == '\0') {
        return rj_client_fail(RJ_EINVAL, "empty value");
    }
    char *copy = rj_strdup(value);
    if (copy == NULL) {
        return RJ_ENOMEM;
    }
    rj_free(*field);
    *field = copy;
    return RJ_OK;
}

int
rj_client_option_instance_name(int check, char **field, const char *value)
{
    if (check == RJ_OK && value != NULL && strchr(value, '@') != NULL) {
        return rj_client_fail(RJ_EINVAL, "instance name must not contain '@'");
    }
    return rj_client_option_string(check, field, value);
}
