/*
 * Request handler table: an array indexed by code for the codes RocketMQ uses
 * (all below RJ_DISPATCH_DIRECT except the 5.x POP family), a small sorted
 * array for the others. Written only before the owner starts, then read by
 * every I/O thread without locking.
 */
#include "remoting/connection_internal.h"

#include "common/alloc.h"
#include "ramjet/status.h"

#include <string.h>

int
rj_dispatch_init(rj_dispatch_t *d)
{
    memset(d, 0, sizeof(*d));
    d->direct = rj_calloc(RJ_DISPATCH_DIRECT, sizeof(rj_handler_t));
    return d->direct != NULL ? 0 : RJ_ENOMEM;
}

void
rj_dispatch_cleanup(rj_dispatch_t *d)
{
    rj_free(d->direct);
    rj_free(d->far);
    memset(d, 0, sizeof(*d));
}

int
rj_dispatch_register(rj_dispatch_t *d, int32_t code, rj_dispatch_mode_t mode,
                     rj_request_handler_cb cb, void *arg)
{
    if (cb == NULL || (mode != RJ_DISPATCH_INLINE && mode != RJ_DISPATCH_WORKER)) {
        return RJ_EINVAL;
    }
    rj_handler_t h = {cb, arg, mode};
    if (code >= 0 && code < RJ_DISPATCH_DIRECT) {
        d->direct[code] = h;
        return 0;
    }
    size_t i = 0;
    while (i < d->far_count && d->far[i].code < code) {
        i++;
    }
    if (i < d->far_count && d->far[i].code == code) {
        d->far[i].h = h;
        return 0;
    }
    struct rj_dispatch_far *far = rj_realloc(d->far, (d->far_count + 1) * sizeof(*far));
    if (far == NULL) {
        return RJ_ENOMEM;
    }
    memmove(far + i + 1, far + i, (d->far_count - i) * sizeof(*far));
    far[i].code = code;
    far[i].h = h;
    d->far = far;
    d->far_count++;
    return 0;
}

const rj_handler_t *
rj_dispatch_lookup(const rj_dispatch_t *d, int32_t code)
{
    if (code >= 0 && code < RJ_DISPATCH_DIRECT) {
        return d->direct[code].cb != NULL ? &d->direct[code] : NULL;
    }
    size_t lo = 0, hi = d->far_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->far[mid].code == code) {
            return &d->far[mid].h;
        }
        if (d->far[mid].code < code) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}
