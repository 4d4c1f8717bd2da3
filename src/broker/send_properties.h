/*
 * A sent message's properties parsed once. The send path needs three values
 * (WAIT, DELAY, TRAN_MSG) and a re-serialised copy without some keys plus
 * CLUSTER (and REAL_TOPIC / REAL_QID for half messages); one pass splits the
 * string into entries (Java's map semantics: one entry per key, at its first
 * occurrence, holding its last value), lookups compare lengths first and the
 * copy is written from the entries without parsing again. Nothing allocates
 * except the output buffer's growth.
 */
#ifndef RJ_BROKER_SEND_PROPERTIES_H
#define RJ_BROKER_SEND_PROPERTIES_H

#include "common/buf.h"
#include "common/bytes.h"

#include <stdbool.h>
#include <stddef.h>

/* Distinct keys kept in the table; a message with more uses the generic (slower) functions. */
#define RJ_SEND_PROPS_MAX 32

typedef struct {
    rj_bytes_t src;
    size_t n;
    bool overflow; /* more distinct keys than the table holds */
    rj_bytes_t key[RJ_SEND_PROPS_MAX];
    rj_bytes_t value[RJ_SEND_PROPS_MAX];
} rj_send_props_t;

/* Splits `props` (a view that must outlive `p`). */
void rj_send_props_parse(rj_send_props_t *p, rj_bytes_t props);

/* The value of `key` (as rj_message_properties_get_n). False when absent. */
bool rj_send_props_get(const rj_send_props_t *p, rj_bytes_t key, rj_bytes_t *value);

/*
 * Appends the entries except the `ndrop` keys in `drop`, separated by \x02
 * without a trailing one (as rj_message_properties_rewrite), to `out`.
 * Returns 0 or RJ_ENOMEM (out keeps its previous length).
 */
int rj_send_props_write(const rj_send_props_t *p, const rj_bytes_t *drop, size_t ndrop,
                        rj_buf_t *out);

#endif
