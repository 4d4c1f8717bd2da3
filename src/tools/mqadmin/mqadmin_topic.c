/*
 * Topic sub-commands: updateTopic, deleteTopic, topicList, topicRoute,
 * topicStatus and topicClusterList, with RocketMQ 4.9.8's flags and output.
 * Topics are created on brokers (every master of a cluster, or one address)
 * and deleted from the brokers first, then from every name server, as
 * DefaultMQAdminExt does.
 */
#include "tools/mqadmin/mqadmin_commands.h"

#include "common/alloc.h"
#include "common/buf.h"
#include "ramjet/status.h"
#include "remoting/request_code.h"
#include "tools/mqadmin/mqadmin_ctx.h"
#include "tools/mqadmin/mqadmin_print.h"
#include "tools/mqadmin/mqadmin_route.h"

#include <stdio.h>
#include <string.h>

#define PERM_READ 0x4
#define PERM_WRITE 0x2
#define PERM_INHERIT 0x1
#define TOPIC_SYS_FLAG_UNIT 0x1
#define TOPIC_SYS_FLAG_UNIT_SUB 0x2
#define ORDER_TOPIC_NAMESPACE "ORDER_TOPIC_CONFIG"

typedef struct {
    const char *name;
    int32_t read_queue_nums;
    int32_t write_queue_nums;
    int32_t perm;
    int32_t sys_flag;
    bool order;
} topic_config_t;

/* PermName.perm2String: "RW-" style. */
static void
perm_string(int32_t perm, char out[4])
{
    out[0] = (perm & PERM_READ) ? 'R' : '-';
    out[1] = (perm & PERM_WRITE) ? 'W' : '-';
    out[2] = (perm & PERM_INHERIT) ? 'X' : '-';
    out[3] = '\0';
}

static void
print_topic_config(const topic_config_t *tc)
{
    char perm[4];
    perm_string(tc->perm, perm);
    printf("TopicConfig [topicName=%s, readQueueNums=%d, writeQueueNums=%d, perm=%s, "
           "topicFilterType=SINGLE_TAG, topicSysFlag=%d, order=%s]\n",
           tc->name, tc->read_queue_nums, tc->write_queue_nums, perm, tc->sys_flag,
           tc->order ? "true" : "false");
}

static int
create_topic(rj_mqadmin_ctx_t *ctx, const char *addr, const topic_config_t *tc)
{
    rj_command_t req;
    rj_command_init_request(&req, RJ_REQ_UPDATE_AND_CREATE_TOPIC);
    rj_command_add_ext_cstr(&req, "topic", tc->name);
    rj_command_add_ext_cstr(&req, "defaultTopic", "TBW102");
    rj_command_add_ext_i64(&req, "readQueueNums", tc->read_queue_nums);
    rj_command_add_ext_i64(&req, "writeQueueNums", tc->write_queue_nums);
    rj_command_add_ext_i64(&req, "perm", tc->perm);
    rj_command_add_ext_cstr(&req, "topicFilterType", "SINGLE_TAG");
    rj_command_add_ext_i64(&req, "topicSysFlag", tc->sys_flag);
    rj_command_add_ext_bool(&req, "order", tc->order);
    return rj_mqadmin_ctx_invoke_ok(ctx, addr, &req, NULL);
}

/*
 * createOrUpdateOrderConf for one broker: merges "brokerName:queues" into the
 * topic's ORDER_TOPIC_CONFIG value, replacing that broker's old entry.
 */
static int
merge_order_conf(rj_mqadmin_ctx_t *ctx, const char *topic, const char *broker_name, int32_t queues,
                 char *merged, size_t size)
{
    char old[2048] = "";
    if (rj_mqadmin_route_kv_get(ctx, ORDER_TOPIC_NAMESPACE, topic, old, sizeof(old)) != 0) {
        old[0] = '\0'; /* none yet (or unreadable): start afresh, as Java does */
    }
    size_t off = 0;
    merged[0] = '\0';
    for (char *save = NULL, *item = strtok_r(old, ";", &save); item != NULL;
         item = strtok_r(NULL, ";", &save)) {
        size_t name_len = strcspn(item, ":");
        if (name_len == strlen(broker_name) && strncmp(item, broker_name, name_len) == 0) {
            continue;
        }
        if (item[0] != '\0' && off < size) {
            off += (size_t)snprintf(merged + off, size - off, "%s%s", off ? ";" : "", item);
        }
    }
    if (off < size) {
        snprintf(merged + off, size - off, "%s%s:%d", off ? ";" : "", broker_name, queues);
    }
    return rj_mqadmin_route_kv_put(ctx, ORDER_TOPIC_NAMESPACE, topic, merged);
}

static int
run_update_topic(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    topic_config_t tc = {.name = rj_mqadmin_cli_get(args, 't'), .perm = PERM_READ | PERM_WRITE};
    int rc = rj_mqadmin_ctx_arg_i32(ctx, args, 'r', 8, &tc.read_queue_nums);
    if (rc == 0) {
        rc = rj_mqadmin_ctx_arg_i32(ctx, args, 'w', 8, &tc.write_queue_nums);
    }
    if (rc == 0) {
        rc = rj_mqadmin_ctx_arg_i32(ctx, args, 'p', PERM_READ | PERM_WRITE, &tc.perm);
    }
    if (rc != 0) {
        return rc;
    }
    if (tc.name[0] == '\0') {
        return rj_mqadmin_ctx_fail(ctx, RJ_EINVAL, "the topic name (-t) is empty");
    }
    if (rj_mqadmin_cli_bool(args, 'u', false)) {
        tc.sys_flag |= TOPIC_SYS_FLAG_UNIT;
    }
    if (rj_mqadmin_cli_bool(args, 's', false)) {
        tc.sys_flag |= TOPIC_SYS_FLAG_UNIT_SUB;
    }
    tc.order = rj_mqadmin_cli_bool(args, 'o', false);

    if (rj_mqadmin_cli_has(args, 'b')) {
        const char *addr = rj_mqadmin_cli_get(args, 'b');
        rc = create_topic(ctx, addr, &tc);
        if (rc == 0 && tc.order) {
            json_t *ci = NULL;
            rc = rj_mqadmin_route_cluster_info(ctx, &ci);
            const char *name = rc == 0 ? rj_mqadmin_route_broker_name_of_addr(ci, addr) : NULL;
            if (rc == 0 && name == NULL) {
                rc = rj_mqadmin_ctx_fail(
                    ctx, RJ_ENOTFOUND,
                    "Make sure the specified clusterName exists or the name server "
                    "connected to is correct. (no broker has address %s)",
                    addr);
            }
            char conf[2304];
            if (rc == 0) {
                rc = merge_order_conf(ctx, tc.name, name, tc.write_queue_nums, conf, sizeof(conf));
            }
            if (rc == 0) {
                printf("set broker orderConf. isOrder=true, orderConf=[%s:%d]\n", name,
                       tc.write_queue_nums);
            }
            json_decref(ci);
        }
        if (rc == 0) {
            printf("create topic to %s success.\n", addr);
            print_topic_config(&tc);
        }
        return rc;
    }

    const char *cluster = rj_mqadmin_cli_get(args, 'c');
    json_t *ci = NULL;
    rj_mqadmin_strv_t masters = {0}, names = {0};
    rc = rj_mqadmin_route_cluster_info(ctx, &ci);
    if (rc == 0) {
        rc = rj_mqadmin_route_cluster_addrs(ctx, ci, cluster, true, &masters);
    }
    for (size_t i = 0; rc == 0 && i < masters.count; i++) {
        rc = create_topic(ctx, masters.items[i], &tc);
        if (rc == 0) {
            printf("create topic to %s success.\n", masters.items[i]);
        }
    }
    if (rc == 0 && tc.order) {
        rj_buf_t conf = RJ_BUF_INIT;
        rc = rj_mqadmin_route_cluster_broker_names(ci, cluster, &names);
        for (size_t i = 0; rc == 0 && i < names.count; i++) {
            rc =
                rj_buf_appendf(&conf, "%s%s:%d", i ? ";" : "", names.items[i], tc.write_queue_nums);
        }
        if (rc == 0) {
            rc = rj_buf_terminate(&conf);
        }
        if (rc == 0) {
            rc = rj_mqadmin_route_kv_put(ctx, ORDER_TOPIC_NAMESPACE, tc.name,
                                         (const char *)conf.data);
        } else {
            rc = rj_mqadmin_ctx_fail(ctx, rc, "out of memory");
        }
        if (rc == 0) {
            printf("set cluster orderConf. isOrder=true, orderConf=[%s]\n",
                   (const char *)conf.data);
        }
        rj_buf_cleanup(&conf);
    }
    if (rc == 0) {
        print_topic_config(&tc);
    }
    rj_mqadmin_strv_cleanup(&names);
    rj_mqadmin_strv_cleanup(&masters);
    json_decref(ci);
    return rc;
}

static const rj_mqadmin_option_t update_topic_options[] = {
    {'b', "brokerAddr", true, false, 1, "create topic to which broker"},
    {'c', "clusterName", true, false, 1, "create topic to which cluster"},
    {'t', "topic", true, true, 0, "topic name"},
    {'r', "readQueueNums", true, false, 0, "set read queue nums"},
    {'w', "writeQueueNums", true, false, 0, "set write queue nums"},
    {'p', "perm", true, false, 0, "set topic's permission(2|4|6), intro[2:W 4:R; 6:RW]"},
    {'o', "order", true, false, 0, "set topic's order(true|false)"},
    {'u', "unit", true, false, 0, "is unit topic (true|false)"},
    {'s', "hasUnitSub", true, false, 0, "has unit sub (true|false)"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_update_topic = {"updateTopic", "Update or create topic",
                                                          update_topic_options, run_update_topic};

/* ---- deleteTopic ------------------------------------------------------------------------- */

int
rj_mqadmin_topic_delete(rj_mqadmin_ctx_t *ctx, const char *cluster, const char *topic)
{
    json_t *ci = NULL;
    rj_mqadmin_strv_t masters = {0}, namesrvs = {0};
    int rc = rj_mqadmin_route_cluster_info(ctx, &ci);
    if (rc == 0) {
        rc = rj_mqadmin_route_cluster_addrs(ctx, ci, cluster, true, &masters);
    }
    for (size_t i = 0; rc == 0 && i < masters.count; i++) {
        rj_command_t req;
        rj_command_init_request(&req, RJ_REQ_DELETE_TOPIC_IN_BROKER);
        rj_command_add_ext_cstr(&req, "topic", topic);
        rc = rj_mqadmin_ctx_invoke_ok(ctx, masters.items[i], &req, NULL);
    }
    if (rc == 0) {
        printf("delete topic [%s] from cluster [%s] success.\n", topic, cluster);
        rc = rj_mqadmin_ctx_namesrv_addrs(ctx, &namesrvs);
    }
    for (size_t i = 0; rc == 0 && i < namesrvs.count; i++) {
        rj_command_t req;
        rj_command_init_request(&req, RJ_REQ_DELETE_TOPIC_IN_NAMESRV);
        rj_command_add_ext_cstr(&req, "topic", topic);
        rj_command_add_ext_cstr(&req, "clusterName", cluster);
        rc = rj_mqadmin_ctx_invoke_ok(ctx, namesrvs.items[i], &req, NULL);
    }
    if (rc == 0) {
        printf("delete topic [%s] from NameServer success.\n", topic);
    }
    rj_mqadmin_strv_cleanup(&namesrvs);
    rj_mqadmin_strv_cleanup(&masters);
    json_decref(ci);
    return rc;
}

static int
run_delete_topic(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    return rj_mqadmin_topic_delete(ctx, rj_mqadmin_cli_get(args, 'c'),
                                   rj_mqadmin_cli_get(args, 't'));
}

static const rj_mqadmin_option_t delete_topic_options[] = {
    {'t', "topic", true, true, 0, "topic name"},
    {'c', "clusterName", true, true, 0, "delete topic from which cluster"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_delete_topic = {
    "deleteTopic", "Delete topic from broker and NameServer.", delete_topic_options,
    run_delete_topic};

/* ---- topicList --------------------------------------------------------------------------- */

int
rj_mqadmin_topic_list(rj_mqadmin_ctx_t *ctx, rj_mqadmin_strv_t *out)
{
    rj_command_t req, *resp = NULL;
    rj_command_init_request(&req, RJ_REQ_GET_ALL_TOPIC_LIST_FROM_NAMESERVER);
    int rc = rj_mqadmin_ctx_namesrv_invoke_ok(ctx, &req, &resp);
    if (rc != 0) {
        return rc;
    }
    json_t *body = rj_mqadmin_ctx_json_body(ctx, resp, "topic list");
    rj_command_destroy(resp);
    if (body == NULL) {
        return RJ_EMALFORMED;
    }
    json_t *list = json_object_get(body, "topicList");
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (rc == 0 && json_is_string(v)) {
            rc = rj_mqadmin_strv_add(out, json_string_value(v));
        }
    }
    json_decref(body);
    return rc != 0 ? rj_mqadmin_ctx_fail(ctx, rc, "out of memory") : 0;
}

/* Cluster of the topic's first broker, as findTopicBelongToWhichCluster ("" if unknown). */
static const char *
cluster_of_route(const json_t *ci, const json_t *route)
{
    json_t *first = json_array_get(json_object_get(route, "brokerDatas"), 0);
    const char *broker = rj_mqadmin_json_str(first, "brokerName");
    json_t *table = json_object_get(ci, "clusterAddrTable");
    const char *cluster;
    json_t *names;
    json_object_foreach(table, cluster, names)
    {
        size_t i;
        json_t *v;
        json_array_foreach(names, i, v)
        {
            if (broker != NULL && json_is_string(v) && strcmp(json_string_value(v), broker) == 0) {
                return cluster;
            }
        }
    }
    return "";
}

/* QUERY_TOPIC_CONSUME_BY_WHO at the topic's first broker. */
int
rj_mqadmin_topic_consumer_groups(rj_mqadmin_ctx_t *ctx, const char *topic, const json_t *route,
                                 rj_mqadmin_strv_t *out)
{
    json_t *first = json_array_get(json_object_get(route, "brokerDatas"), 0);
    const char *addr = rj_mqadmin_route_broker_select(first);
    if (addr == NULL) {
        return rj_mqadmin_ctx_fail(ctx, RJ_ENOROUTE, "topic %s has no broker address", topic);
    }
    rj_command_t req, *resp = NULL;
    rj_command_init_request(&req, RJ_REQ_QUERY_TOPIC_CONSUME_BY_WHO);
    rj_command_add_ext_cstr(&req, "topic", topic);
    int rc = rj_mqadmin_ctx_invoke_ok(ctx, addr, &req, &resp);
    json_t *body = rc == 0 ? rj_mqadmin_ctx_json_body(ctx, resp, "group list") : NULL;
    rj_command_destroy(resp);
    if (rc == 0 && body == NULL) {
        rc = RJ_EMALFORMED;
    }
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(body, "groupList"), i, v)
    {
        if (rc == 0 && json_is_string(v)) {
            rc = rj_mqadmin_strv_add_unique(out, json_string_value(v));
        }
    }
    json_decref(body);
    return rc;
}

static int
run_topic_list(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    rj_mqadmin_strv_t topics = {0};
    json_t *ci = NULL;
    int rc = 0;
    if (rj_mqadmin_cli_has(args, 'c')) {
        rc = rj_mqadmin_route_cluster_info(ctx, &ci);
    }
    if (rc == 0) {
        rc = rj_mqadmin_topic_list(ctx, &topics);
    }
    if (rc != 0 || ci == NULL) {
        for (size_t i = 0; rc == 0 && i < topics.count; i++) {
            printf("%s\n", topics.items[i]);
        }
        rj_mqadmin_strv_cleanup(&topics);
        return rc;
    }
    printf("%-20s  %-48s  %-48s\n", "#Cluster Name", "#Topic", "#Consumer Group");
    for (size_t i = 0; i < topics.count; i++) {
        const char *topic = topics.items[i];
        if (strncmp(topic, RJ_MQADMIN_RETRY_PREFIX, strlen(RJ_MQADMIN_RETRY_PREFIX)) == 0 ||
            strncmp(topic, RJ_MQADMIN_DLQ_PREFIX, strlen(RJ_MQADMIN_DLQ_PREFIX)) == 0) {
            continue;
        }
        json_t *route = NULL;
        rj_mqadmin_strv_t groups = {0};
        const char *cluster = "";
        /* As RocketMQ: a topic whose route or groups cannot be read is listed without them. */
        if (rj_mqadmin_route_topic(ctx, topic, &route) == 0) {
            cluster = cluster_of_route(ci, route);
            rj_mqadmin_topic_consumer_groups(ctx, topic, route, &groups);
        }
        if (groups.count == 0) {
            rj_mqadmin_strv_add(&groups, "");
        }
        for (size_t g = 0; g < groups.count; g++) {
            printf("%-20.20s  %-64.64s  %-64.64s\n", cluster, topic, groups.items[g]);
        }
        rj_mqadmin_strv_cleanup(&groups);
        json_decref(route);
    }
    rj_mqadmin_strv_cleanup(&topics);
    json_decref(ci);
    return 0;
}

static const rj_mqadmin_option_t topic_list_options[] = {
    {'c', "clusterModel", false, false, 0, "clusterModel"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_topic_list = {
    "topicList", "Fetch all topic list from name server", topic_list_options, run_topic_list};

/* ---- topicRoute ---------------------------------------------------------------------------- */

#define ROUTE_FORMAT "%-45s %-32s %-50s %-10s %-11s %-5s\n"

/* HashMap<Long,String>.toString of a BrokerData's addresses: "{0=host:port, 1=...}". */
static void
addrs_string(const json_t *bd, char *buf, size_t size)
{
    rj_mqadmin_broker_addr_t addrs[16];
    size_t n = rj_mqadmin_route_broker_addrs(bd, addrs, 16), off = 1;
    snprintf(buf, size, "{");
    for (size_t i = 0; i < n && off < size; i++) {
        off += (size_t)snprintf(buf + off, size - off, "%s%lld=%s", i ? ", " : "",
                                (long long)addrs[i].id, addrs[i].addr);
    }
    if (off < size) {
        snprintf(buf + off, size - off, "}");
    }
}

static int
compare_by_broker_name(const void *a, const void *b)
{
    const char *x = rj_mqadmin_json_str(*(json_t *const *)a, "brokerName");
    const char *y = rj_mqadmin_json_str(*(json_t *const *)b, "brokerName");
    return strcmp(x != NULL ? x : "", y != NULL ? y : "");
}

static void
print_route_list(const json_t *route)
{
    json_t *brokers = json_object_get(route, "brokerDatas");
    json_t *queues = json_object_get(route, "queueDatas");
    size_t n = json_array_size(brokers);
    json_t **sorted = rj_calloc(n ? n : 1, sizeof(*sorted));
    if (sorted == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        sorted[i] = json_array_get(brokers, i);
    }
    qsort(sorted, n, sizeof(*sorted), compare_by_broker_name);
    printf(ROUTE_FORMAT, "#ClusterName", "#BrokerName", "#BrokerAddrs", "#ReadQueue", "#WriteQueue",
           "#Perm");
    int64_t total_read = 0, total_write = 0;
    size_t brokers_with_queues = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = rj_mqadmin_json_str(sorted[i], "brokerName");
        const json_t *qd = NULL;
        size_t j;
        json_t *v;
        json_array_foreach(queues, j, v)
        {
            const char *qname = rj_mqadmin_json_str(v, "brokerName");
            if (name != NULL && qname != NULL && strcmp(name, qname) == 0) {
                qd = v;
            }
        }
        char addrs[1024], read[24], write[24], perm[24];
        addrs_string(sorted[i], addrs, sizeof(addrs));
        int64_t r = rj_mqadmin_json_int(qd, "readQueueNums", 0);
        int64_t w = rj_mqadmin_json_int(qd, "writeQueueNums", 0);
        snprintf(read, sizeof(read), "%lld", (long long)r);
        snprintf(write, sizeof(write), "%lld", (long long)w);
        snprintf(perm, sizeof(perm), "%lld", (long long)rj_mqadmin_json_int(qd, "perm", 0));
        const char *cluster = rj_mqadmin_json_str(sorted[i], "cluster");
        printf(ROUTE_FORMAT, cluster != NULL ? cluster : "", name != NULL ? name : "", addrs, read,
               write, perm);
        if (qd != NULL) {
            total_read += r;
            total_write += w;
            brokers_with_queues++;
        }
    }
    for (int i = 0; i < 158; i++) {
        putchar('-');
    }
    putchar('\n');
    char count[24], read[24], write[24];
    snprintf(count, sizeof(count), "%zu", brokers_with_queues);
    snprintf(read, sizeof(read), "%lld", (long long)total_read);
    snprintf(write, sizeof(write), "%lld", (long long)total_write);
    printf(ROUTE_FORMAT, "Total:", count, "", read, write, "");
    rj_free(sorted);
}

static int
run_topic_route(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    json_t *route = NULL;
    int rc = rj_mqadmin_route_topic(ctx, rj_mqadmin_cli_get(args, 't'), &route);
    if (rc != 0) {
        return rc;
    }
    if (rj_mqadmin_cli_has(args, 'l')) {
        print_route_list(route);
    } else {
        rj_mqadmin_print_json_pretty(stdout, route);
        putchar('\n');
    }
    json_decref(route);
    return 0;
}

static const rj_mqadmin_option_t topic_route_options[] = {
    {'t', "topic", true, true, 0, "topic name"},
    {'l', "list", false, false, 0, "Use list format to print data"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_topic_route = {"topicRoute", "Examine topic route info",
                                                         topic_route_options, run_topic_route};

/* ---- topicStatus -------------------------------------------------------------------------- */

static int
run_topic_status(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    const char *topic = rj_mqadmin_cli_get(args, 't');
    json_t *route = NULL;
    rj_mqadmin_mq_table_t table = {0};
    int rc = rj_mqadmin_route_topic(ctx, topic, &route);
    size_t i;
    json_t *bd;
    json_array_foreach(json_object_get(route, "brokerDatas"), i, bd)
    {
        const char *addr = rj_mqadmin_route_broker_select(bd);
        if (rc != 0 || addr == NULL) {
            continue;
        }
        rj_command_t req, *resp = NULL;
        rj_command_init_request(&req, RJ_REQ_GET_TOPIC_STATS_INFO);
        rj_command_add_ext_cstr(&req, "topic", topic);
        rc = rj_mqadmin_ctx_invoke_ok(ctx, addr, &req, &resp);
        json_t *body = rc == 0 ? rj_mqadmin_ctx_json_body(ctx, resp, "topic stats") : NULL;
        rj_command_destroy(resp);
        if (rc == 0 && body == NULL) {
            rc = RJ_EMALFORMED;
        }
        if (rc == 0 && rj_mqadmin_mq_table_add_all(&table, json_object_get(body, "offsetTable"))) {
            rc = rj_mqadmin_ctx_fail(ctx, RJ_ENOMEM, "out of memory");
        }
        json_decref(body);
    }
    if (rc == 0 && table.count == 0) {
        rc = rj_mqadmin_ctx_fail(ctx, RJ_ENOTFOUND, "Not found the topic stats info");
    }
    if (rc == 0) {
        rj_mqadmin_mq_table_sort(&table);
        printf("%-32s  %-4s  %-20s  %-20s    %s\n", "#Broker Name", "#QID", "#Min Offset",
               "#Max Offset", "#Last Updated");
        for (i = 0; i < table.count; i++) {
            const rj_mqadmin_mq_entry_t *e = &table.items[i];
            int64_t last = rj_mqadmin_json_int(e->value, "lastUpdateTimestamp", 0);
            char human[64] = "";
            if (last > 0) {
                rj_mqadmin_print_millis(last, human, sizeof(human));
            }
            printf("%-32.32s  %-4d  %-20lld  %-20lld    %s\n", e->broker_name, e->queue_id,
                   (long long)rj_mqadmin_json_int(e->value, "minOffset", 0),
                   (long long)rj_mqadmin_json_int(e->value, "maxOffset", 0), human);
        }
    }
    rj_mqadmin_mq_table_cleanup(&table);
    json_decref(route);
    return rc;
}

static const rj_mqadmin_option_t topic_status_options[] = {
    {'t', "topic", true, true, 0, "topic name"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_topic_status = {
    "topicStatus", "Examine topic Status info", topic_status_options, run_topic_status};

/* ---- topicClusterList ----------------------------------------------------------------------- */

static int
run_topic_cluster_list(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    json_t *ci = NULL, *route = NULL;
    rj_mqadmin_strv_t clusters = {0};
    int rc = rj_mqadmin_route_cluster_info(ctx, &ci);
    if (rc == 0) {
        rc = rj_mqadmin_route_topic(ctx, rj_mqadmin_cli_get(args, 't'), &route);
    }
    /* Every cluster holding one of the topic's brokers (RocketMQ looks at the first only). */
    json_t *table = json_object_get(ci, "clusterAddrTable");
    size_t i;
    json_t *bd;
    json_array_foreach(json_object_get(route, "brokerDatas"), i, bd)
    {
        const char *broker = rj_mqadmin_json_str(bd, "brokerName");
        const char *cluster;
        json_t *names;
        json_object_foreach(table, cluster, names)
        {
            size_t j;
            json_t *v;
            json_array_foreach(names, j, v)
            {
                if (rc == 0 && broker != NULL && json_is_string(v) &&
                    strcmp(json_string_value(v), broker) == 0) {
                    rc = rj_mqadmin_strv_add_unique(&clusters, cluster);
                }
            }
        }
    }
    for (i = 0; rc == 0 && i < clusters.count; i++) {
        printf("%s\n", clusters.items[i]);
    }
    rj_mqadmin_strv_cleanup(&clusters);
    json_decref(route);
    json_decref(ci);
    return rc;
}

static const rj_mqadmin_option_t topic_cluster_options[] = {
    {'t', "topic", true, true, 0, "topic name"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_topic_cluster_list = {
    "topicClusterList", "get cluster info for topic", topic_cluster_options,
    run_topic_cluster_list};
