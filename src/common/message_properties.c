/*
 * Message properties string: Java-compatible parsing on views, serialisation
 * into an rj_buf_t. Java's rule, per \x02-separated segment: the key is the text
 * before the segment's first \x01 and must be non-empty, the value the rest
 * (which may itself contain \x01) and must be non-empty; otherwise the segment
 * is ignored.
 */
#include "common/message_properties.h"

#include "ramjet/status.h"

#include <string.h>

void
rj_message_properties_iter_init(rj_message_properties_iter_t *it, rj_bytes_t props)
{
    it->p = props.data;
    it->end = props.data ? props.data + props.len : NULL;
}

bool
rj_message_properties_next(rj_message_properties_iter_t *it, rj_bytes_t *key, rj_bytes_t *value)
{
    while (it->p != NULL && it->p < it->end) {
        const uint8_t *seg = it->p;
        const uint8_t *sep = memchr(seg, RJ_PROP_SEPARATOR, (size_t)(it->end - seg));
        const uint8_t *seg_end = sep ? sep : it->end;
        it->p = sep ? sep + 1 : it->end;
        const uint8_t *kv = memchr(seg, RJ_PROP_NAME_VALUE_SEPARATOR, (size_t)(seg_end - seg));
        if (kv == NULL || kv == seg || kv + 1 >= seg_end) {
            continue;
        }
        *key = rj_bytes(seg, (size_t)(kv - seg));
        *value = rj_bytes(kv + 1, (size_t)(seg_end - kv - 1));
        return true;
    }
    return false;
}

bool
rj_message_properties_get_n(rj_bytes_t props, rj_bytes_t key, rj_bytes_t *value)
{
    rj_message_properties_iter_t it;
    rj_bytes_t k, v;
    bool found = false;
    rj_message_properties_iter_init(&it, props);
    while (rj_message_properties_next(&it, &k, &v)) {
        if (rj_bytes_eq(k, key)) {
            *value = v;
            found = true;
        }
    }
    return found;
}

bool
rj_message_properties_get(rj_bytes_t props, const char *key, rj_bytes_t *value)
{
    return rj_message_properties_get_n(props, rj_bytes_from_cstr(key), value);
}

int
rj_message_properties_append(rj_buf_t *out, rj_bytes_t key, rj_bytes_t value)
{
    size_t need = key.len + value.len + 2;
    int rc = rj_buf_reserve(out, need);
    if (rc != 0) {
        return rc;
    }
    if (out->len > 0) {
        out->data[out->len++] = RJ_PROP_SEPARATOR;
    }
    rj_buf_append(out, key.data, key.len);
    out->data[out->len++] = RJ_PROP_NAME_VALUE_SEPARATOR;
    rj_buf_append(out, value.data, value.len);
    return 0;
}

int
rj_message_properties_append_cstr(rj_buf_t *out, const char *key, const char *value)
{
    return rj_message_properties_append(out, rj_bytes_from_cstr(key), rj_bytes_from_cstr(value));
}

int
rj_message_properties_rewrite(rj_bytes_t props, bool (*drop)(rj_bytes_t key, void *arg), void *arg,
                              rj_buf_t *out)
{
    rj_message_properties_iter_t it;
    rj_bytes_t k, v;
    size_t start = out->len;
    bool first = true;

    rj_message_properties_iter_init(&it, props);
    while (rj_message_properties_next(&it, &k, &v)) {
        /* Emit a key once, at its first occurrence, with its last value. */
        rj_message_properties_iter_t prev;
        rj_bytes_t pk, pv;
        bool seen = false;
        rj_message_properties_iter_init(&prev, rj_bytes(props.data, (size_t)(k.data - props.data)));
        while (!seen && rj_message_properties_next(&prev, &pk, &pv)) {
            seen = rj_bytes_eq(pk, k);
        }
        if (seen || (drop != NULL && drop(k, arg))) {
            continue;
        }
        rj_message_properties_get_n(props, k, &v);
        int rc = rj_buf_reserve(out, k.len + v.len + 2);
        if (rc != 0) {
            out->len = start;
            return rc;
        }
        if (!first) {
            out->data[out->len++] = RJ_PROP_SEPARATOR;
        }
        first = false;
        rj_buf_append(out, k.data, k.len);
        out->data[out->len++] = RJ_PROP_NAME_VALUE_SEPARATOR;
        rj_buf_append(out, v.data, v.len);
    }
    return 0;
}
