/*
 * File names under storePathRootDir (store.md §1), as RocketMQ's
 * StorePathConfigHelper and BrokerPathConfigHelper build them.
 */
#ifndef RJ_STORE_STORE_PATH_H
#define RJ_STORE_STORE_PATH_H

#include <stddef.h>

#define RJ_STORE_PATH_COMMITLOG "commitlog"
#define RJ_STORE_PATH_CONSUMEQUEUE "consumequeue"
#define RJ_STORE_PATH_INDEX "index"
#define RJ_STORE_PATH_CHECKPOINT "checkpoint"
#define RJ_STORE_PATH_ABORT "abort"
#define RJ_STORE_PATH_LOCK "lock"
#define RJ_STORE_PATH_CONFIG "config"

/* config/ files persisted with rj_fs_write_config (temp, fsync, .bak, rename). */
#define RJ_STORE_CONFIG_TOPICS "topics.json"
#define RJ_STORE_CONFIG_SUBSCRIPTION_GROUP "subscriptionGroup.json"
#define RJ_STORE_CONFIG_CONSUMER_OFFSET "consumerOffset.json"
#define RJ_STORE_CONFIG_DELAY_OFFSET "delayOffset.json"
#define RJ_STORE_CONFIG_CONSUMER_FILTER "consumerFilter.json"

/*
 * "<root>/<name>" into out[size]; with `sub` not NULL, "<root>/<sub>/<name>".
 * Returns the length, or -1 when it does not fit.
 */
int rj_store_path(char *out, size_t size, const char *root, const char *sub, const char *name);

/* Heap copy of rj_store_path(root, NULL, name) (rj_free), NULL when out of memory. */
char *rj_store_path_dup(const char *root, const char *name);

#endif
