/*
 * Pull body decoding into one arena (see pull_batch.h). Two passes: the first
 * validates every record and sizes the arena, the second fills it, so a
 * malformed body is rejected before anything is allocated.
 *
 * Property strings are copied into the arena and split in place: each \x01
 * and \x02 becomes a NUL, and the entries Java would keep (non-empty key and
 * value; later duplicates win) are listed in the message's property array.
 */
#include "client/pull_batch.h"

#include "common/alloc.h"
#include "common/assert.h"
#include "common/log.h"
#include "common/message_properties.h"
#include "ramjet/status.h"

#include <inttypes.h>
#include <stdalign.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* Bodies inflate to at most this much (Java clients cap at 4 MiB; leave room). */
#define INFLATE_MAX (64u * 1024u * 1024u)

static size_t
align_up(size_t n)
{
    size_t a = alignof(max_align_t);
    return (n + a - 1) / a * a;
}

/*
 * 1 + the separators in `props`, eight bytes at a time: a byte equal to the
 * separator becomes zero after the xor, and the exact zero-byte test below
 * (no borrow between bytes, unlike the usual has-zero trick) flags each one
 * with its high bit, and a multiply adds those bits up.
 */
static size_t
count_separators(rj_bytes_t props)
{
    const uint64_t lows = 0x7F7F7F7F7F7F7F7Full;
    const uint64_t pattern = 0x0101010101010101ull * RJ_PROP_SEPARATOR;
    const uint8_t *p = props.data;
    size_t left = props.len;
    size_t n = 1;
    for (; left >= 8; p += 8, left -= 8) {
        uint64_t x;
        memcpy(&x, p, sizeof(x));
        x ^= pattern;
        uint64_t zero = ~(((x & lows) + lows) | x | lows);
        /* One bit per flagged byte: a multiply sums them into the top byte (no popcnt needed). */
        n += (size_t)(((zero >> 7) * 0x0101010101010101ull) >> 56);
    }
    for (; left > 0; p++, left--) {
        n += *p == RJ_PROP_SEPARATOR;
    }
    return n;
}

int
rj_zlib_inflate(const uint8_t *in, size_t len, size_t max_out, uint8_t **out, size_t *out_len)
{
    z_stream zs;
    size_t cap = len * 4 < 4096 ? 4096 : len * 4;
    uint8_t *buf;
    int zrc;

    *out = NULL;
    *out_len = 0;
    if (len > UINT32_MAX) {
        return RJ_EMALFORMED;
    }
    if (cap > max_out) {
        cap = max_out;
    }
    buf = rj_malloc(cap);
    if (buf == NULL) {
        return RJ_ENOMEM;
    }
    memset(&zs, 0, sizeof(zs));
    if (inflateInit(&zs) != Z_OK) {
        rj_free(buf);
        return RJ_ENOMEM;
    }
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    for (;;) {
        zs.next_out = buf + zs.total_out;
        zs.avail_out = (uInt)(cap - zs.total_out);
        zrc = inflate(&zs, Z_NO_FLUSH);
        if (zrc == Z_STREAM_END) {
            break;
        }
        if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
            goto malformed;
        }
        if (zs.avail_out == 0) {
            if (cap >= max_out) {
                goto malformed;
            }
            size_t ncap = cap * 2 > max_out ? max_out : cap * 2;
            uint8_t *n = rj_realloc(buf, ncap);
            if (n == NULL) {
                inflateEnd(&zs);
                rj_free(buf);
                return RJ_ENOMEM;
            }
            buf = n;
            cap = ncap;
        } else if (zs.avail_in == 0) {
            goto malformed; /* truncated stream */
        }
    }
    *out_len = zs.total_out;
    *out = buf;
    inflateEnd(&zs);
    return RJ_OK;
malformed:
    inflateEnd(&zs);
    rj_free(buf);
    return RJ_EMALFORMED;
}

/* Splits a property string copied at `text` (len bytes + NUL) into `props`. */
static uint32_t
split_properties(char *text, size_t len, rj_message_prop_t *props)
{
    uint32_t n = 0;
    char *p = text, *end = text + len;

    while (p < end) {
        char *seg_end = memchr(p, RJ_PROP_SEPARATOR, (size_t)(end - p));
        if (seg_end == NULL) {
            seg_end = end;
        }
        *seg_end = '\0';
        char *sep = memchr(p, RJ_PROP_NAME_VALUE_SEPARATOR, (size_t)(seg_end - p));
        if (sep != NULL && sep > p && sep + 1 < seg_end) {
            *sep = '\0';
            const char *key = p, *value = sep + 1;
            uint32_t i;
            for (i = 0; i < n; i++) {
                if (strcmp(props[i].key, key) == 0) {
                    props[i].value = value;
                    break;
                }
            }
            if (i == n) {
                props[n].key = key;
                props[n].value = value;
                n++;
            }
        }
        p = seg_end + 1;
    }
    return n;
}

/* Decimal text of a non-negative offset into t[24] (snprintf showed in per-pull profiles). */
static void
format_offset(char t[24], int64_t v)
{
    char rev[24];
    size_t n = 0;
    uint64_t u = (uint64_t)v;
    do {
        rev[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    for (size_t i = 0; i < n; i++) {
        t[i] = rev[n - 1 - i];
    }
    t[n] = '\0';
}

int
rj_pull_batch_decode(const uint8_t *body, size_t len, const char *broker_name, int64_t min_offset,
                     int64_t max_offset, rj_pull_batch_t **out)
{
    rj_message_record_t rec;
    size_t count = 0, strings = 0, prop_slots = 0;
    size_t pos = 0;
    int rc;

    *out = NULL;
    while (pos < len) {
        rc = rj_message_record_decode(body + pos, len - pos, &rec, 0);
        if (rc <= 0) {
            return RJ_EMALFORMED;
        }
        pos += (size_t)rc;
        count++;
        strings += rec.topic.len + 1 + rec.properties.len + 1;
        prop_slots += count_separators(rec.properties) + 2;
    }
    char min_text[24] = "", max_text[24] = "";
    if (min_offset >= 0) {
        format_offset(min_text, min_offset);
    }
    if (max_offset >= 0) {
        format_offset(max_text, max_offset);
    }
    size_t off_msgs = align_up(sizeof(rj_pull_batch_t));
    size_t off_kept = off_msgs + align_up(count * sizeof(rj_message_t));
    size_t off_props = off_kept + align_up(count * sizeof(rj_message_t *));
    size_t off_raw = off_props + align_up(prop_slots * sizeof(rj_message_prop_t));
    size_t off_strings = off_raw + len;
    size_t total = off_strings + strings + sizeof(min_text) + sizeof(max_text);
    uint8_t *arena = rj_malloc(total);
    if (arena == NULL) {
        return RJ_ENOMEM;
    }
    /* Every part starts at an align_up() offset: the casts below are aligned. */
    rj_pull_batch_t *b = (rj_pull_batch_t *)(void *)arena;
    memset(b, 0, sizeof(*b));
    atomic_init(&b->refs, 1);
    b->count = count;
    b->msgs = (rj_message_t *)(void *)(arena + off_msgs);
    b->kept = (rj_message_t **)(void *)(arena + off_kept);
    rj_message_prop_t *slots = (rj_message_prop_t *)(void *)(arena + off_props);
    uint8_t *raw = arena + off_raw;
    char *str = (char *)(arena + off_strings);
    if (len > 0) {
        memcpy(raw, body, len);
    }
    char *min_str = str + strings;
    char *max_str = min_str + sizeof(min_text);
    memcpy(min_str, min_text, sizeof(min_text));
    memcpy(max_str, max_text, sizeof(max_text));

    pos = 0;
    for (size_t i = 0; i < count; i++) {
        rj_message_t *m = &b->msgs[i];
        rc = rj_message_record_decode(raw + pos, len - pos, &rec, 0);
        RJ_ASSERT(rc > 0); /* the same bytes passed the first pass */
        pos += (size_t)rc;
        memset(m, 0, sizeof(*m));
        m->kind = RJ_MESSAGE_RECEIVED;
        m->batch = b;
        m->broker_name = broker_name;
        m->topic = str;
        memcpy(str, rec.topic.data, rec.topic.len);
        str[rec.topic.len] = '\0';
        str += rec.topic.len + 1;
        m->props = slots;
        if (rec.properties.len > 0) {
            memcpy(str, rec.properties.data, rec.properties.len);
        }
        str[rec.properties.len] = '\0';
        m->prop_count = split_properties(str, rec.properties.len, slots);
        str += rec.properties.len + 1;
        if (min_text[0] != '\0') {
            slots[m->prop_count].key = RJ_PROP_MIN_OFFSET;
            slots[m->prop_count++].value = min_str;
        }
        if (max_text[0] != '\0') {
            slots[m->prop_count].key = RJ_PROP_MAX_OFFSET;
            slots[m->prop_count++].value = max_str;
        }
        m->prop_cap = m->prop_count;
        slots += count_separators(rec.properties) + 2;

        m->queue_id = rec.queue_id;
        m->flag = rec.flag;
        m->sys_flag = rec.sys_flag;
        m->body_crc = rec.body_crc;
        m->reconsume_times = rec.reconsume_times;
        m->store_size = rec.total_size;
        m->queue_offset = rec.queue_offset;
        m->commitlog_offset = rec.phy_offset;
        m->born_timestamp = rec.born_timestamp;
        m->store_timestamp = rec.store_timestamp;
        m->prepared_transaction_offset = rec.prepared_transaction_offset;
        m->born_host = rec.born_host;
        m->store_host = rec.store_host;
        m->body = rec.body.data;
        m->body_len = rec.body.len;
        if ((rec.sys_flag & RJ_SYSFLAG_COMPRESSED) && rec.body.len > 0) {
            uint8_t *inflated;
            size_t inflated_len;
            int zrc =
                rj_zlib_inflate(rec.body.data, rec.body.len, INFLATE_MAX, &inflated, &inflated_len);
            if (zrc == RJ_OK) {
                m->body_heap = inflated;
                m->body = inflated;
                m->body_len = inflated_len;
            } else {
                rj_log(RJ_LOG_WARN, zrc,
                       "cannot inflate message body topic=%s qid=%d offset=%" PRId64, m->topic,
                       m->queue_id, m->queue_offset);
            }
        }
        if (rj_message_id_encode(&rec.store_host, rec.phy_offset, m->offset_msg_id,
                                 sizeof(m->offset_msg_id)) < 0) {
            m->offset_msg_id[0] = '\0';
        }
        const char *uniq = rj_message_prop_get(m, RJ_PROP_UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
        m->msg_id = uniq != NULL ? uniq : m->offset_msg_id;
        const char *tran = rj_message_prop_get(m, RJ_PROP_TRANSACTION_PREPARED);
        if (tran != NULL && strcasecmp(tran, "true") == 0) {
            m->transaction_id = uniq;
        }
        b->kept[i] = m;
        b->body_bytes += m->body_len;
    }
    b->kept_count = count;
    *out = b;
    return RJ_OK;
}

void
rj_pull_batch_retain(rj_pull_batch_t *b)
{
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
}

void
rj_pull_batch_release(rj_pull_batch_t *b)
{
    if (b == NULL || atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1) {
        return;
    }
    for (size_t i = 0; i < b->count; i++) {
        rj_free(b->msgs[i].body_heap);
    }
    rj_free(b);
}

void
rj_pull_batch_filter(rj_pull_batch_t *b, bool (*keep)(const rj_message_t *msg, void *arg),
                     void *arg)
{
    size_t w = 0;

    b->body_bytes = 0;
    for (size_t i = 0; i < b->kept_count; i++) {
        if (keep(b->kept[i], arg)) {
            b->kept[w++] = b->kept[i];
            b->body_bytes += b->kept[i]->body_len;
        }
    }
    b->kept_count = w;
}
