/* rj_strerror(): text for Ramjet status codes and negated errno values. */
#include "ramjet/status.h"

#include <string.h>

const char *
rj_strerror(int status)
{
    switch (status) {
    case RJ_OK:
        return "success";
#define XX(name, value, text) \
    case value:               \
        return text;
        RJ_STATUS_MAP(XX)
#undef XX
    default:
        break;
    }
    if (status < 0 && status > -4096) {
        /* strerror() of glibc returns static strings for valid errno values. */
        return strerror(-status);
    }
    return "unknown error";
}

const char *
rj_status_name(int status)
{
    switch (status) {
    case RJ_OK:
        return "RJ_OK";
#define XX(name, value, text) \
    case value:               \
        return "RJ_" #name;
        RJ_STATUS_MAP(XX)
#undef XX
    case RJ_ENOMEM:
        return "RJ_ENOMEM";
    case RJ_EINVAL:
        return "RJ_EINVAL";
    case RJ_EAGAIN:
        return "RJ_EAGAIN";
    case RJ_ETIMEDOUT:
        return "RJ_ETIMEDOUT";
    case RJ_ENOENT:
        return "RJ_ENOENT";
    case RJ_ENOSPC:
        return "RJ_ENOSPC";
    case RJ_ECONNREFUSED:
        return "RJ_ECONNREFUSED";
    case RJ_EIO:
        return "RJ_EIO";
    default:
        return "ERRNO";
    }
}
