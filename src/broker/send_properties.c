/* One-pass parsing and re-serialisation of a sent message's properties (send_properties.h). */
#include "broker/send_properties.h"

#include "common/message_properties.h"
#include "ramjet/status.h"

#include <string.h>

static bool
same(rj_bytes_t a, rj_bytes_t b)
{
    return a.len == b.len && (a.len == 0 || (a.data[0] == b.data[0] &&
                                             memcmp(a.data + 1, b.data + 1, a.len - 1) == 0));
}

void
rj_send_props_parse(rj_send_props_t *p, rj_bytes_t props)
{
    p->src = props;
    p->n = 0;
    p->overflow = false;
    rj_message_properties_iter_t it;
    rj_bytes_t k, v;
    rj_message_properties_iter_init(&it, props);
    while (rj_message_properties_next(&it, &k, &v)) {
        size_t i = 0;
        while (i < p->n && !same(p->key[i], k)) {
            i++;
        }
        if (i < p->n) {
            p->value[i] = v; /* a later duplicate: its value, the first one's place */
        } else if (p->n < RJ_SEND_PROPS_MAX) {
            p->key[p->n] = k;
            p->value[p->n] = v;
            p->n++;
        } else {
            p->overflow = true;
            return;
        }
    }
}

bool
rj_send_props_get(const rj_send_props_t *p, rj_bytes_t key, rj_bytes_t *value)
{
    if (p->overflow) {
        return rj_message_properties_get_n(p->src, key, value);
    }
    for (size_t i = 0; i < p->n; i++) {
        if (same(p->key[i], key)) {
            *value = p->value[i];
            return true;
        }
    }
    return false;
}

typedef struct {
    const rj_bytes_t *drop;
    size_t ndrop;
} drop_list_t;

static bool
dropped(rj_bytes_t key, const rj_bytes_t *drop, size_t ndrop)
{
    for (size_t j = 0; j < ndrop; j++) {
        if (same(key, drop[j])) {
            return true;
        }
    }
    return false;
}

static bool
drop_cb(rj_bytes_t key, void *arg)
{
    const drop_list_t *d = arg;
    return dropped(key, d->drop, d->ndrop);
}

int
rj_send_props_write(const rj_send_props_t *p, const rj_bytes_t *drop, size_t ndrop, rj_buf_t *out)
{
    if (p->overflow) {
        drop_list_t d = {drop, ndrop};
        return rj_message_properties_rewrite(p->src, drop_cb, &d, out);
    }
    /* Everything kept fits in the source's length plus the separators. */
    size_t start = out->len;
    if (rj_buf_reserve(out, p->src.len + 2 * p->n) != 0) {
        return RJ_ENOMEM;
    }
    uint8_t *w = out->data + out->len;
    bool first = true;
    for (size_t i = 0; i < p->n; i++) {
        if (dropped(p->key[i], drop, ndrop)) {
            continue;
        }
        if (!first) {
            *w++ = RJ_PROP_SEPARATOR;
        }
        first = false;
        memcpy(w, p->key[i].data, p->key[i].len);
        w += p->key[i].len;
        *w++ = RJ_PROP_NAME_VALUE_SEPARATOR;
        memcpy(w, p->value[i].data, p->value[i].len);
        w += p->value[i].len;
    }
    out->len = start + (size_t)(w - (out->data + start));
    return 0;
}
