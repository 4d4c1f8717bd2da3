/*
 * MessageQueue-keyed tables of broker answers (ConsumeStats, TopicStatsTable,
 * ResetOffsetBody, ConsumerRunningInfo.mqTable), merged across brokers and
 * sorted as Java's MessageQueue.compareTo.
 */
#ifndef RJ_TOOLS_MQADMIN_MQADMIN_MQ_TABLE_H
#define RJ_TOOLS_MQADMIN_MQADMIN_MQ_TABLE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *topic;
    char *broker_name;
    int32_t queue_id;
    json_t *value; /* own reference */
} rj_mqadmin_mq_entry_t;

typedef struct {
    rj_mqadmin_mq_entry_t *items;
    size_t count;
    size_t cap;
} rj_mqadmin_mq_table_t;

/*
 * Adds every entry of a fastjson object-keyed map (`{{"brokerName":..,
 * "queueId":..,"topic":..}:value}`) or of the C++ list form
 * (`[{"brokerName":..,"queueId":..,"topic":..,"offset":n}]`, value = the
 * element). Keys that are not MessageQueues are skipped; an entry for a queue
 * already present replaces it (Java's putAll). Returns 0 or RJ_ENOMEM.
 */
int rj_mqadmin_mq_table_add_all(rj_mqadmin_mq_table_t *t, const json_t *map);

/* Sets the entry of one queue (a new reference to `value` is kept). Returns 0 or RJ_ENOMEM. */
int rj_mqadmin_mq_table_put(rj_mqadmin_mq_table_t *t, const char *topic, const char *broker_name,
                            int32_t queue_id, json_t *value);

/* MessageQueue.compareTo order: topic, broker name, queue id. */
void rj_mqadmin_mq_table_sort(rj_mqadmin_mq_table_t *t);

const rj_mqadmin_mq_entry_t *rj_mqadmin_mq_table_find(const rj_mqadmin_mq_table_t *t,
                                                      const char *topic, const char *broker_name,
                                                      int32_t queue_id);

void rj_mqadmin_mq_table_cleanup(rj_mqadmin_mq_table_t *t);

#endif
