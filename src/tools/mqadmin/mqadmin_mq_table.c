/*
 * MessageQueue-keyed tables for mqadmin (see mqadmin_mq_table.h). Object keys
 * of fastjson maps reach us as strings holding the key object's JSON text
 * (common/json.h) and are parsed again here; keys that are not MessageQueues
 * are skipped.
 */
#include "tools/mqadmin/mqadmin_mq_table.h"

#include "common/alloc.h"
#include "common/json.h"
#include "ramjet/status.h"
#include "tools/mqadmin/mqadmin_json.h"

#include <stdlib.h>
#include <string.h>

static rj_mqadmin_mq_entry_t *
find_entry(const rj_mqadmin_mq_table_t *t, const char *topic, const char *broker_name, int32_t qid)
{
    for (size_t i = 0; i < t->count; i++) {
        rj_mqadmin_mq_entry_t *e = &t->items[i];
        if (e->queue_id == qid && strcmp(e->topic, topic) == 0 &&
            strcmp(e->broker_name, broker_name) == 0) {
            return e;
        }
    }
    return NULL;
}

int
rj_mqadmin_mq_table_put(rj_mqadmin_mq_table_t *t, const char *topic, const char *broker,
                        int32_t qid, json_t *value)
{
    rj_mqadmin_mq_entry_t *e = find_entry(t, topic, broker, qid);
    if (e != NULL) {
        json_decref(e->value);
        e->value = json_incref(value);
        return 0;
    }
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        rj_mqadmin_mq_entry_t *items = rj_realloc(t->items, cap * sizeof(*items));
        if (items == NULL) {
            return RJ_ENOMEM;
        }
        t->items = items;
        t->cap = cap;
    }
    e = &t->items[t->count];
    e->topic = rj_strdup(topic);
    e->broker_name = rj_strdup(broker);
    if (e->topic == NULL || e->broker_name == NULL) {
        rj_free(e->topic);
        rj_free(e->broker_name);
        return RJ_ENOMEM;
    }
    e->queue_id = qid;
    e->value = json_incref(value);
    t->count++;
    return 0;
}

static int
add_entry(rj_mqadmin_mq_table_t *t, const json_t *mq, json_t *value)
{
    const char *topic = rj_mqadmin_json_str(mq, "topic");
    const char *broker = rj_mqadmin_json_str(mq, "brokerName");
    int64_t qid = rj_mqadmin_json_int(mq, "queueId", -1);
    if (topic == NULL || broker == NULL || qid < 0 || qid > INT32_MAX) {
        return 0; /* not a MessageQueue: nothing to show for it */
    }
    return rj_mqadmin_mq_table_put(t, topic, broker, (int32_t)qid, value);
}

int
rj_mqadmin_mq_table_add_all(rj_mqadmin_mq_table_t *t, const json_t *map)
{
    int rc = 0;
    if (json_is_array(map)) {
        size_t i;
        json_t *v;
        json_array_foreach(map, i, v)
        {
            if (rc == 0 && json_is_object(v)) {
                rc = add_entry(t, v, v);
            }
        }
        return rc;
    }
    if (!json_is_object(map)) {
        return 0;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)map, key, v)
    {
        json_t *mq = rc == 0 ? rj_json_parse(key, strlen(key), NULL, 0) : NULL;
        if (json_is_object(mq)) {
            rc = add_entry(t, mq, v);
        }
        json_decref(mq);
    }
    return rc;
}

static int
compare_mq(const void *a, const void *b)
{
    const rj_mqadmin_mq_entry_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    if (c == 0) {
        c = strcmp(x->broker_name, y->broker_name);
    }
    if (c == 0) {
        c = x->queue_id < y->queue_id ? -1 : x->queue_id > y->queue_id;
    }
    return c;
}

void
rj_mqadmin_mq_table_sort(rj_mqadmin_mq_table_t *t)
{
    if (t->count > 1) {
        qsort(t->items, t->count, sizeof(t->items[0]), compare_mq);
    }
}

const rj_mqadmin_mq_entry_t *
rj_mqadmin_mq_table_find(const rj_mqadmin_mq_table_t *t, const char *topic, const char *broker_name,
                         int32_t queue_id)
{
    return find_entry(t, topic, broker_name, queue_id);
}

void
rj_mqadmin_mq_table_cleanup(rj_mqadmin_mq_table_t *t)
{
    for (size_t i = 0; i < t->count; i++) {
        rj_free(t->items[i].topic);
        rj_free(t->items[i].broker_name);
        json_decref(t->items[i].value);
    }
    rj_free(t->items);
    memset(t, 0, sizeof(*t));
}
