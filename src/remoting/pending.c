/*
 * Pending invocations of one connection, keyed by opaque: a chained hash table
 * that doubles when it holds more entries than buckets. Entries are owned by
 * the caller (embedded in the invocation message), so inserting allocates only
 * when the table grows. Loop thread only.
 */
#include "remoting/connection_internal.h"

#include "common/alloc.h"
#include "ramjet/status.h"

static size_t
bucket_of(const rj_pending_table_t *t, int32_t opaque)
{
    /* Opaques are sequential: a multiplicative hash spreads neighbours anyway. */
    return (size_t)(((uint32_t)opaque * 2654435761u) >> 8) & t->mask;
}

static int
grow(rj_pending_table_t *t)
{
    size_t n = t->buckets == NULL ? 16 : (t->mask + 1) * 2;
    rj_pending_t **b = rj_calloc(n, sizeof(*b));
    if (b == NULL) {
        return RJ_ENOMEM;
    }
    rj_pending_t **old = t->buckets;
    size_t old_n = old == NULL ? 0 : t->mask + 1;
    t->buckets = b;
    t->mask = n - 1;
    for (size_t i = 0; i < old_n; i++) {
        rj_pending_t *p = old[i];
        while (p != NULL) {
            rj_pending_t *next = p->next;
            size_t k = bucket_of(t, p->opaque);
            p->next = b[k];
            b[k] = p;
            p = next;
        }
    }
    rj_free(old);
    return 0;
}

int
rj_pending_insert(rj_pending_table_t *t, rj_pending_t *p)
{
    if (t->buckets == NULL || t->count > t->mask) {
        int rc = grow(t);
        if (rc != 0 && t->buckets == NULL) {
            return rc;
        }
        /* A failed grow of a non-empty table only makes chains longer. */
    }
    size_t k = bucket_of(t, p->opaque);
    p->next = t->buckets[k];
    t->buckets[k] = p;
    t->count++;
    return 0;
}

rj_pending_t *
rj_pending_remove(rj_pending_table_t *t, int32_t opaque)
{
    if (t->count == 0) {
        return NULL;
    }
    rj_pending_t **pp = &t->buckets[bucket_of(t, opaque)];
    while (*pp != NULL) {
        if ((*pp)->opaque == opaque) {
            rj_pending_t *p = *pp;
            *pp = p->next;
            p->next = NULL;
            t->count--;
            return p;
        }
        pp = &(*pp)->next;
    }
    return NULL;
}

static rj_pending_t *
take_if(rj_pending_table_t *t, bool all, int64_t now_ms)
{
    rj_pending_t *out = NULL;
    if (t->count == 0) {
        return NULL;
    }
    for (size_t i = 0; i <= t->mask; i++) {
        rj_pending_t **pp = &t->buckets[i];
        while (*pp != NULL) {
            rj_pending_t *p = *pp;
            if (all || p->deadline_ms <= now_ms) {
                *pp = p->next;
                p->next = out;
                out = p;
                t->count--;
            } else {
                pp = &p->next;
            }
        }
    }
    return out;
}

rj_pending_t *
rj_pending_take_expired(rj_pending_table_t *t, int64_t now_ms)
{
    return take_if(t, false, now_ms);
}

rj_pending_t *
rj_pending_take_all(rj_pending_table_t *t)
{
    return take_if(t, true, 0);
}

void
rj_pending_cleanup(rj_pending_table_t *t)
{
    rj_free(t->buckets);
    t->buckets = NULL;
    t->mask = 0;
    t->count = 0;
}
