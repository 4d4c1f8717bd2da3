/*
 * A partial broker for unit tests of services that work on the store: the
 * configuration, a real store in a temp dir (small geometry), topic, offset
 * and producer managers. No server, no threads besides the store's.
 */
#ifndef RJ_TEST_BROKER_WITH_STORE_H
#define RJ_TEST_BROKER_WITH_STORE_H

#include "broker/broker.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/fs.h"
#include "common/log.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline rj_msg_host_t
bws_host(int port)
{
    rj_msg_host_t h;
    memset(&h, 0, sizeof(h));
    h.family = 4;
    inet_pton(AF_INET, "127.0.0.1", h.addr);
    h.port = port;
    return h;
}

/* Returns NULL on failure (the caller asserts). */
static inline rj_broker_t *
bws_create(char **dir_out)
{
    char tmpl[256];
    const char *base = getenv("TMPDIR");
    snprintf(tmpl, sizeof(tmpl), "%s/rj_broker_ut_XXXXXX", base ? base : "/tmp");
    char *dir = rj_strdup(tmpl);
    if (dir == NULL || mkdtemp(dir) == NULL) {
        rj_free(dir);
        return NULL;
    }
    rj_broker_t *b = rj_calloc(1, sizeof(*b));
    rj_broker_config_init(&b->config);
    rj_store_config_init(&b->store_config);
    rj_free(b->store_config.store_path_root_dir);
    b->store_config.store_path_root_dir = rj_strdup(dir);
    b->store_config.mapped_file_size_commit_log = 1 << 20;
    b->store_config.mapped_file_size_consume_queue = 100 * 20;
    b->store_config.max_hash_slot_num = 512;
    b->store_config.max_index_num = 2048;
    b->store_host = bws_host(10911);
    char topics[512];
    snprintf(topics, sizeof(topics), "%s/topics.json", dir);
    rj_topic_manager_options_t topts = {
        .config_path = topics,
        .cluster_name = "DefaultCluster",
        .broker_name = "broker-a",
        .auto_create_topic_enable = true,
        .default_topic_queue_nums = 8,
        .cluster_topic_enable = true,
        .broker_topic_enable = true,
        .trace_topic_name = "RMQ_SYS_TRACE_TOPIC",
    };
    if (rj_topic_manager_create(&topts, &b->topics) != 0 ||
        rj_offset_manager_create(NULL, &b->offsets) != 0 ||
        rj_producer_manager_create(&b->producers) != 0 ||
        rj_store_open(&b->store_config, NULL, &b->store) != 0 || rj_store_start(b->store) != 0) {
        rj_free(dir);
        return NULL;
    }
    *dir_out = dir;
    return b;
}

static inline void
bws_destroy(rj_broker_t *b, char *dir)
{
    if (b == NULL) {
        return;
    }
    rj_store_close(b->store);
    rj_producer_manager_destroy(b->producers);
    rj_offset_manager_destroy(b->offsets);
    rj_topic_manager_destroy(b->topics);
    rj_store_config_cleanup(&b->store_config);
    rj_broker_config_cleanup(&b->config);
    rj_free(b);
    rj_fs_remove_tree(dir);
    rj_free(dir);
}

/* Waits until every put is in the consume queues. */
static inline bool
bws_wait_dispatched(rj_broker_t *b)
{
    for (int i = 0; i < 5000; i++) {
        if (rj_store_dispatch_behind_bytes(b->store) == 0) {
            return true;
        }
        rj_clock_sleep_ms(1);
    }
    return false;
}

#endif
