/*
 * RegisterBrokerBody: what a broker sends with REGISTER_BROKER (requests.md
 * §A1) — the DataVersion of its topic table, the topic configs the name server
 * turns into QueueData, and its filter-server list. Three encodings arrive:
 *
 *   - JSON RegisterBrokerBody `{"filterServerList":[...],"topicConfigSerializeWrapper":{...}}`
 *     (standard or fastjson dialect), sent by brokers of version >= V3_0_11;
 *   - the bare TopicConfigSerializeWrapper `{"dataVersion":...,"topicConfigTable":...}`
 *     of older brokers;
 *   - the compressed form (header `compressed=true`): a zlib stream of
 *     int32 len + DataVersion JSON, int32 topic count, per topic int32 len + the
 *     topic's config as Java's TopicConfig.encode() text "name read write perm
 *     filterType" (a JSON object is accepted too), int32 len + filter-server JSON
 *     array, and from 5.x brokers a trailing topic-queue-mapping section that
 *     the name server does not use.
 *
 * Decoding never trusts the input: every length is checked against what is
 * left, the inflated size is capped, and malformed input returns RJ_EMALFORMED.
 */
#ifndef RJ_NAMESRV_REGISTER_BODY_H
#define RJ_NAMESRV_REGISTER_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Inflated RegisterBrokerBody larger than this is refused (a broker with ~100k topics fits). */
#define RJ_REGISTER_BODY_MAX_INFLATED (64u * 1024u * 1024u)

/* RocketMQ's DataVersion: equal when both fields are equal. */
typedef struct {
    int64_t counter;
    int64_t timestamp;
} rj_data_version_t;

static inline bool
rj_data_version_equal(const rj_data_version_t *a, const rj_data_version_t *b)
{
    return a->counter == b->counter && a->timestamp == b->timestamp;
}

/* The fields of a TopicConfig the name server keeps (as QueueData). */
typedef struct {
    char *topic_name;
    int32_t read_queue_nums;
    int32_t write_queue_nums;
    int32_t perm;
    int32_t topic_sys_flag;
} rj_topic_config_entry_t;

typedef struct {
    rj_data_version_t data_version;
    rj_topic_config_entry_t *topics;
    size_t topic_count;
    /* filterServerList; has_filter_servers is false when the body had none (old brokers). */
    char **filter_servers;
    size_t filter_server_count;
    bool has_filter_servers;
} rj_register_body_t;

/* Empty body: DataVersion {0, 0}, no topics (what Java assumes for a request without body). */
void rj_register_body_init(rj_register_body_t *body);
void rj_register_body_cleanup(rj_register_body_t *body);

/*
 * Decodes `data` into `body` (initialised here). `compressed` selects the
 * deflated form. Returns 0, RJ_EMALFORMED (reason in `err`), RJ_ETOOLARGE, or
 * RJ_ENOMEM; on error `body` is left empty.
 */
int rj_register_body_decode(const void *data, size_t len, bool compressed, rj_register_body_t *body,
                            char *err, size_t err_size);

/*
 * Parses DataVersion JSON `{"counter":N,"timestamp":ms}` (QUERY_DATA_VERSION
 * body, compressed registrations). Returns 0 or RJ_EMALFORMED.
 */
int rj_data_version_decode(const void *data, size_t len, rj_data_version_t *out);

#endif
