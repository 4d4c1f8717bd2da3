/*
 * Status codes shared by every Ramjet API.
 *
 * Functions return RJ_OK (0) on success or a negative code: -errno for system
 * errors (RJ_ENOMEM, RJ_EINVAL, RJ_ETIMEDOUT ...) and the project codes below,
 * which live in their own range so they never collide with an errno value.
 * rj_strerror() names any of them. A RocketMQ response code (SYSTEM_BUSY ...)
 * is data returned by a peer, not a local error, and is never one of these.
 */
#ifndef RAMJET_STATUS_H
#define RAMJET_STATUS_H

#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define RJ_API __attribute__((visibility("default")))
#else
#define RJ_API
#endif

/* XX(name, value, description) */
#define RJ_STATUS_MAP(XX)                                  \
    XX(EMALFORMED, -30001, "malformed input")              \
    XX(ETOOLARGE, -30002, "size limit exceeded")           \
    XX(ECLOSED, -30003, "connection closed")               \
    XX(ENOTFOUND, -30004, "not found")                     \
    XX(ECORRUPT, -30005, "corrupt data")                   \
    XX(EFULL, -30006, "no space left")                     \
    XX(ESHUTDOWN, -30007, "shutting down")                 \
    XX(EREMOTE, -30008, "peer answered with an error")     \
    XX(ENOROUTE, -30009, "no route for topic")             \
    XX(EBUSY, -30010, "busy, try again later")             \
    XX(ESTATE, -30011, "not allowed in the current state") \
    XX(ECONFIG, -30012, "bad configuration")               \
    XX(ENOTSUP, -30013, "not supported")

typedef enum {
    RJ_OK = 0,
    /* Errors that are plain errno values, negated. */
    RJ_ENOMEM = -ENOMEM,
    RJ_EINVAL = -EINVAL,
    RJ_EAGAIN = -EAGAIN,
    RJ_ETIMEDOUT = -ETIMEDOUT,
    RJ_ENOENT = -ENOENT,
    RJ_ENOSPC = -ENOSPC,
    RJ_ECONNREFUSED = -ECONNREFUSED,
    RJ_EIO = -EIO,
#define XX(name, value, text) RJ_##name = value,
    RJ_STATUS_MAP(XX)
#undef XX
} rj_status_t;

/* Text for a status code (ours or -errno). Never NULL; the string is static. */
RJ_API const char *rj_strerror(int status);

/* Symbolic name of a status code ("RJ_ETIMEDOUT", "RJ_OK", "ERRNO"). Static string. */
RJ_API const char *rj_status_name(int status);

#ifdef __cplusplus
}
#endif

#endif
