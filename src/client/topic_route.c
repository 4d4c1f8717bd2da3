/*
 * Route parsing and the views derived from it. Parsing goes through jansson
 * (rj_json_parse accepts the fastjson dialect with unquoted broker id keys).
 * Broker and queue data are sorted by broker name after parsing, so two
 * routes compare equal regardless of the order the name server used.
 */
#include "client/topic_route.h"

#include "client/allocate.h"
#include "common/alloc.h"
#include "common/json.h"
#include "ramjet/producer.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
compare_queue_data(const void *a, const void *b)
{
    return strcmp(((const rj_queue_data_t *)a)->broker_name,
                  ((const rj_queue_data_t *)b)->broker_name);
}

static int
compare_broker_data(const void *a, const void *b)
{
    return strcmp(((const rj_broker_data_t *)a)->name, ((const rj_broker_data_t *)b)->name);
}

static int
compare_addr(const void *a, const void *b)
{
    int64_t x = ((const rj_broker_addr_t *)a)->id, y = ((const rj_broker_addr_t *)b)->id;
    return (x > y) - (x < y);
}

void
rj_topic_route_destroy(rj_topic_route_t *r)
{
    if (r == NULL) {
        return;
    }
    for (size_t i = 0; i < r->queue_count; i++) {
        rj_free(r->queues[i].broker_name);
    }
    for (size_t i = 0; i < r->broker_count; i++) {
        rj_broker_data_t *b = &r->brokers[i];
        rj_free(b->name);
        rj_free(b->cluster);
        for (size_t j = 0; j < b->addr_count; j++) {
            rj_free(b->addrs[j].addr);
        }
        rj_free(b->addrs);
    }
    rj_free(r->queues);
    rj_free(r->brokers);
    rj_free(r->order_topic_conf);
    rj_free(r);
}

static int
parse_broker(const json_t *jb, rj_broker_data_t *b)
{
    const char *name = rj_json_get_str(jb, "brokerName", NULL);
    const char *cluster = rj_json_get_str(jb, "cluster", "");
    const json_t *addrs = json_object_get(jb, "brokerAddrs");

    if (name == NULL || !json_is_object(addrs)) {
        return RJ_EMALFORMED;
    }
    b->name = rj_strdup(name);
    b->cluster = rj_strdup(cluster);
    if (b->name == NULL || b->cluster == NULL) {
        return RJ_ENOMEM;
    }
    size_t n = json_object_size(addrs);
    if (n > 0) {
        b->addrs = rj_calloc(n, sizeof(*b->addrs));
        if (b->addrs == NULL) {
            return RJ_ENOMEM;
        }
    }
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)addrs, key, val)
    {
        int64_t id;
        if (!json_is_string(val) || rj_bytes_parse_i64(rj_bytes_from_cstr(key), &id) != 0) {
            return RJ_EMALFORMED;
        }
        b->addrs[b->addr_count].id = id;
        b->addrs[b->addr_count].addr = rj_strdup(json_string_value(val));
        if (b->addrs[b->addr_count].addr == NULL) {
            return RJ_ENOMEM;
        }
        b->addr_count++;
    }
    if (b->addr_count > 1) {
        qsort(b->addrs, b->addr_count, sizeof(*b->addrs), compare_addr);
    }
    return RJ_OK;
}

int
rj_topic_route_parse(const void *json, size_t len, rj_topic_route_t **out)
{
    json_t *root = rj_json_parse(json, len, NULL, 0);
    rj_topic_route_t *r = NULL;
    int rc = RJ_EMALFORMED;

    *out = NULL;
    if (root == NULL || !json_is_object(root)) {
        goto fail;
    }
    const json_t *jbrokers = json_object_get(root, "brokerDatas");
    const json_t *jqueues = json_object_get(root, "queueDatas");
    if ((jbrokers != NULL && !json_is_array(jbrokers)) ||
        (jqueues != NULL && !json_is_array(jqueues))) {
        goto fail;
    }
    r = rj_calloc(1, sizeof(*r));
    if (r == NULL) {
        rc = RJ_ENOMEM;
        goto fail;
    }
    const char *otc = rj_json_get_str(root, "orderTopicConf", NULL);
    if (otc != NULL && otc[0] != '\0') {
        r->order_topic_conf = rj_strdup(otc);
        if (r->order_topic_conf == NULL) {
            rc = RJ_ENOMEM;
            goto fail;
        }
    }
    size_t nb = jbrokers ? json_array_size(jbrokers) : 0;
    size_t nq = jqueues ? json_array_size(jqueues) : 0;
    if (nb > 0 && (r->brokers = rj_calloc(nb, sizeof(*r->brokers))) == NULL) {
        rc = RJ_ENOMEM;
        goto fail;
    }
    if (nq > 0 && (r->queues = rj_calloc(nq, sizeof(*r->queues))) == NULL) {
        rc = RJ_ENOMEM;
        goto fail;
    }
    for (size_t i = 0; i < nb; i++) {
        const json_t *jb = json_array_get(jbrokers, i);
        if (!json_is_object(jb)) {
            rc = RJ_EMALFORMED;
            goto fail;
        }
        r->broker_count++;
        rc = parse_broker(jb, &r->brokers[i]);
        if (rc != RJ_OK) {
            goto fail;
        }
    }
    for (size_t i = 0; i < nq; i++) {
        const json_t *jq = json_array_get(jqueues, i);
        const char *bn = json_is_object(jq) ? rj_json_get_str(jq, "brokerName", NULL) : NULL;
        if (bn == NULL) {
            rc = RJ_EMALFORMED;
            goto fail;
        }
        rj_queue_data_t *q = &r->queues[r->queue_count++];
        q->broker_name = rj_strdup(bn);
        if (q->broker_name == NULL) {
            rc = RJ_ENOMEM;
            goto fail;
        }
        q->read_queue_nums = (int32_t)rj_json_get_int(jq, "readQueueNums", 0);
        q->write_queue_nums = (int32_t)rj_json_get_int(jq, "writeQueueNums", 0);
        q->perm = (int32_t)rj_json_get_int(jq, "perm", 0);
        q->topic_sys_flag = (int32_t)rj_json_get_int(jq, "topicSysFlag", 0);
        if (q->read_queue_nums < 0 || q->write_queue_nums < 0 || q->read_queue_nums > 65535 ||
            q->write_queue_nums > 65535) {
            rc = RJ_EMALFORMED;
            goto fail;
        }
    }
    if (r->queue_count > 1) {
        qsort(r->queues, r->queue_count, sizeof(*r->queues), compare_queue_data);
    }
    if (r->broker_count > 1) {
        qsort(r->brokers, r->broker_count, sizeof(*r->brokers), compare_broker_data);
    }
    json_decref(root);
    *out = r;
    return RJ_OK;
fail:
    json_decref(root);
    rj_topic_route_destroy(r);
    return rc;
}

rj_topic_route_t *
rj_topic_route_clone(const rj_topic_route_t *src)
{
    rj_topic_route_t *r = rj_calloc(1, sizeof(*r));

    if (r == NULL) {
        return NULL;
    }
    if (src->order_topic_conf != NULL &&
        (r->order_topic_conf = rj_strdup(src->order_topic_conf)) == NULL) {
        goto fail;
    }
    if (src->queue_count > 0 &&
        (r->queues = rj_calloc(src->queue_count, sizeof(*r->queues))) == NULL) {
        goto fail;
    }
    if (src->broker_count > 0 &&
        (r->brokers = rj_calloc(src->broker_count, sizeof(*r->brokers))) == NULL) {
        goto fail;
    }
    for (size_t i = 0; i < src->queue_count; i++) {
        r->queues[i] = src->queues[i];
        r->queues[i].broker_name = rj_strdup(src->queues[i].broker_name);
        r->queue_count++;
        if (r->queues[i].broker_name == NULL) {
            goto fail;
        }
    }
    for (size_t i = 0; i < src->broker_count; i++) {
        const rj_broker_data_t *sb = &src->brokers[i];
        rj_broker_data_t *b = &r->brokers[i];
        r->broker_count++;
        b->name = rj_strdup(sb->name);
        b->cluster = rj_strdup(sb->cluster);
        if (b->name == NULL || b->cluster == NULL) {
            goto fail;
        }
        if (sb->addr_count > 0 &&
            (b->addrs = rj_calloc(sb->addr_count, sizeof(*b->addrs))) == NULL) {
            goto fail;
        }
        for (size_t j = 0; j < sb->addr_count; j++) {
            b->addrs[j].id = sb->addrs[j].id;
            b->addrs[j].addr = rj_strdup(sb->addrs[j].addr);
            b->addr_count++;
            if (b->addrs[j].addr == NULL) {
                goto fail;
            }
        }
    }
    return r;
fail:
    rj_topic_route_destroy(r);
    return NULL;
}

static bool
str_eq(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

bool
rj_topic_route_equal(const rj_topic_route_t *a, const rj_topic_route_t *b)
{
    if (a == NULL || b == NULL) {
        return a == b;
    }
    if (!str_eq(a->order_topic_conf, b->order_topic_conf) || a->queue_count != b->queue_count ||
        a->broker_count != b->broker_count) {
        return false;
    }
    for (size_t i = 0; i < a->queue_count; i++) {
        const rj_queue_data_t *x = &a->queues[i], *y = &b->queues[i];
        if (strcmp(x->broker_name, y->broker_name) != 0 ||
            x->read_queue_nums != y->read_queue_nums ||
            x->write_queue_nums != y->write_queue_nums || x->perm != y->perm ||
            x->topic_sys_flag != y->topic_sys_flag) {
            return false;
        }
    }
    for (size_t i = 0; i < a->broker_count; i++) {
        const rj_broker_data_t *x = &a->brokers[i], *y = &b->brokers[i];
        if (strcmp(x->name, y->name) != 0 || !str_eq(x->cluster, y->cluster) ||
            x->addr_count != y->addr_count) {
            return false;
        }
        for (size_t j = 0; j < x->addr_count; j++) {
            if (x->addrs[j].id != y->addrs[j].id || strcmp(x->addrs[j].addr, y->addrs[j].addr)) {
                return false;
            }
        }
    }
    return true;
}

const rj_broker_data_t *
rj_topic_route_broker(const rj_topic_route_t *r, const char *broker_name)
{
    for (size_t i = 0; i < r->broker_count; i++) {
        if (strcmp(r->brokers[i].name, broker_name) == 0) {
            return &r->brokers[i];
        }
    }
    return NULL;
}

const char *
rj_broker_data_addr(const rj_broker_data_t *b, int64_t id)
{
    for (size_t i = 0; i < b->addr_count; i++) {
        if (b->addrs[i].id == id) {
            return b->addrs[i].addr;
        }
    }
    return NULL;
}

void
rj_topic_route_apply_default_queue_nums(rj_topic_route_t *r, int32_t default_queue_nums)
{
    for (size_t i = 0; i < r->queue_count; i++) {
        int32_t n = r->queues[i].read_queue_nums;
        if (default_queue_nums < n) {
            n = default_queue_nums;
        }
        r->queues[i].read_queue_nums = n;
        r->queues[i].write_queue_nums = n;
    }
}

/* ------------------------------------------------------------ publish info */

void
rj_publish_info_retain(rj_publish_info_t *pi)
{
    atomic_fetch_add_explicit(&pi->refs, 1, memory_order_relaxed);
}

void
rj_publish_info_release(rj_publish_info_t *pi)
{
    if (pi == NULL || atomic_fetch_sub_explicit(&pi->refs, 1, memory_order_acq_rel) != 1) {
        return;
    }
    for (size_t i = 0; i < pi->broker_count; i++) {
        rj_free(pi->brokers[i].name);
        rj_free(pi->brokers[i].master_addr);
    }
    rj_free(pi->brokers);
    rj_free(pi->queues);
    rj_free(pi->queue_broker);
    rj_free(pi->topic);
    rj_free(pi);
}

bool
rj_publish_info_ok(const rj_publish_info_t *pi)
{
    return pi != NULL && pi->queue_count > 0;
}

const rj_publish_broker_t *
rj_publish_info_broker(const rj_publish_info_t *pi, const char *name)
{
    for (size_t i = 0; i < pi->broker_count; i++) {
        if (strcmp(pi->brokers[i].name, name) == 0) {
            return &pi->brokers[i];
        }
    }
    return NULL;
}

/* Adds (or finds) a broker entry; returns its index or -1 on ENOMEM. */
static long
publish_add_broker(rj_publish_info_t *pi, const rj_topic_route_t *route, const char *name)
{
    for (size_t i = 0; i < pi->broker_count; i++) {
        if (strcmp(pi->brokers[i].name, name) == 0) {
            return (long)i;
        }
    }
    rj_publish_broker_t *b = &pi->brokers[pi->broker_count];
    const rj_broker_data_t *bd = rj_topic_route_broker(route, name);
    const char *master = bd != NULL ? rj_broker_data_addr(bd, RJ_MASTER_ID) : NULL;

    b->name = rj_strdup(name);
    b->master_addr = master != NULL ? rj_strdup(master) : NULL;
    b->write_queue_nums = -1;
    if (b->name == NULL || (master != NULL && b->master_addr == NULL)) {
        rj_free(b->name);
        rj_free(b->master_addr);
        return -1;
    }
    for (size_t i = 0; i < route->queue_count; i++) {
        if ((route->queues[i].perm & RJ_PERM_WRITE) &&
            strcmp(route->queues[i].broker_name, name) == 0) {
            b->write_queue_nums = route->queues[i].write_queue_nums;
            break;
        }
    }
    return (long)pi->broker_count++;
}

static int
publish_add_queues(rj_publish_info_t *pi, size_t *cap, long broker, int32_t n)
{
    if (pi->queue_count + (size_t)n > *cap) {
        size_t ncap = (*cap == 0 ? 8 : *cap * 2);
        while (ncap < pi->queue_count + (size_t)n) {
            ncap *= 2;
        }
        rj_message_queue_t *q = rj_realloc(pi->queues, ncap * sizeof(*q));
        if (q == NULL) {
            return RJ_ENOMEM;
        }
        pi->queues = q;
        uint32_t *qb = rj_realloc(pi->queue_broker, ncap * sizeof(*qb));
        if (qb == NULL) {
            return RJ_ENOMEM;
        }
        pi->queue_broker = qb;
        *cap = ncap;
    }
    for (int32_t i = 0; i < n; i++) {
        pi->queues[pi->queue_count].topic = pi->topic;
        pi->queues[pi->queue_count].queue_id = i;
        pi->queue_broker[pi->queue_count] = (uint32_t)broker;
        pi->queue_count++;
    }
    return RJ_OK;
}

rj_publish_info_t *
rj_publish_info_create(const char *topic, const rj_topic_route_t *route)
{
    rj_publish_info_t *pi = rj_calloc(1, sizeof(*pi));
    size_t cap = 0;
    size_t max_brokers = route->queue_count + route->broker_count + 1;

    if (pi == NULL) {
        return NULL;
    }
    atomic_init(&pi->refs, 1);
    static atomic_uint_fast64_t next_id = 1;
    pi->id = atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed);
    pi->topic = rj_strdup(topic);
    pi->brokers = rj_calloc(max_brokers, sizeof(*pi->brokers));
    if (pi->topic == NULL || pi->brokers == NULL) {
        goto fail;
    }
    if (route->order_topic_conf != NULL) {
        /* "brokerA:4;brokerB:4": queues in the configured order. */
        char *conf = rj_strdup(route->order_topic_conf);
        char *save = NULL;
        if (conf == NULL) {
            goto fail;
        }
        pi->order_topic = true;
        for (char *item = strtok_r(conf, ";", &save); item != NULL;
             item = strtok_r(NULL, ";", &save)) {
            char *colon = strchr(item, ':');
            if (colon == NULL) {
                continue;
            }
            *colon = '\0';
            int32_t n = 0;
            if (rj_bytes_parse_i32(rj_bytes_from_cstr(colon + 1), &n) != 0 || n <= 0 || n > 65535 ||
                pi->broker_count >= max_brokers) {
                continue;
            }
            long bi = publish_add_broker(pi, route, item);
            if (bi < 0 || publish_add_queues(pi, &cap, bi, n) != RJ_OK) {
                rj_free(conf);
                goto fail;
            }
        }
        rj_free(conf);
    } else {
        for (size_t i = 0; i < route->queue_count; i++) {
            const rj_queue_data_t *qd = &route->queues[i];
            if (!(qd->perm & RJ_PERM_WRITE)) {
                continue;
            }
            const rj_broker_data_t *bd = rj_topic_route_broker(route, qd->broker_name);
            if (bd == NULL || rj_broker_data_addr(bd, RJ_MASTER_ID) == NULL) {
                continue;
            }
            long bi = publish_add_broker(pi, route, qd->broker_name);
            if (bi < 0 || publish_add_queues(pi, &cap, bi, qd->write_queue_nums) != RJ_OK) {
                goto fail;
            }
        }
    }
    for (size_t i = 0; i < pi->queue_count; i++) {
        pi->queues[i].broker_name = pi->brokers[pi->queue_broker[i]].name;
    }
    return pi;
fail:
    rj_publish_info_release(pi);
    return NULL;
}

/* ---------------------------------------------------------- subscribe info */

rj_message_queue_t *
rj_message_queues_copy(const rj_message_queue_t *mqs, size_t count)
{
    size_t strings = 0;

    if (count == 0) {
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        strings += strlen(mqs[i].topic) + 1 + strlen(mqs[i].broker_name) + 1;
    }
    rj_message_queue_t *out = rj_malloc(count * sizeof(*out) + strings);
    if (out == NULL) {
        return NULL;
    }
    char *p = (char *)(out + count);
    for (size_t i = 0; i < count; i++) {
        size_t tl = strlen(mqs[i].topic) + 1, bl = strlen(mqs[i].broker_name) + 1;
        memcpy(p, mqs[i].topic, tl);
        out[i].topic = p;
        p += tl;
        memcpy(p, mqs[i].broker_name, bl);
        out[i].broker_name = p;
        p += bl;
        out[i].queue_id = mqs[i].queue_id;
    }
    return out;
}

int
rj_topic_route_subscribe_queues(const char *topic, const rj_topic_route_t *route,
                                rj_message_queue_t **out, size_t *count)
{
    size_t n = 0;

    *out = NULL;
    *count = 0;
    for (size_t i = 0; i < route->queue_count; i++) {
        if (route->queues[i].perm & RJ_PERM_READ) {
            n += (size_t)route->queues[i].read_queue_nums;
        }
    }
    if (n == 0) {
        return RJ_OK;
    }
    rj_message_queue_t *tmp = rj_calloc(n, sizeof(*tmp));
    if (tmp == NULL) {
        return RJ_ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < route->queue_count; i++) {
        const rj_queue_data_t *qd = &route->queues[i];
        if (!(qd->perm & RJ_PERM_READ)) {
            continue;
        }
        for (int32_t q = 0; q < qd->read_queue_nums; q++) {
            tmp[k].topic = topic;
            tmp[k].broker_name = qd->broker_name;
            tmp[k].queue_id = q;
            k++;
        }
    }
    rj_allocate_sort_queues(tmp, n);
    *out = rj_message_queues_copy(tmp, n);
    rj_free(tmp);
    if (*out == NULL) {
        return RJ_ENOMEM;
    }
    *count = n;
    return RJ_OK;
}

void
rj_message_queues_free(rj_message_queue_t *queues)
{
    rj_free(queues);
}
