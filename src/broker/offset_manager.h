/*
 * Consumer offset manager (RocketMQ's ConsumerOffsetManager): committed
 * consume-queue offsets per `topic@group` and queue id, persisted as
 * `<storePathRootDir>/config/consumerOffset.json` in fastjson form
 * (`{"offsetTable":{"t@g":{0:15,1:7}}}`, unquoted integer keys).
 *
 * Commits arrive on every pull and UPDATE_CONSUMER_OFFSET from all I/O
 * threads, so the table is split into stripes with one mutex each: two
 * connections only contend when their keys land in the same stripe.
 *
 * Thread: every function is thread-safe; load/persist block on disk.
 */
#ifndef RJ_BROKER_OFFSET_MANAGER_H
#define RJ_BROKER_OFFSET_MANAGER_H

#include "common/bytes.h"
#include "common/json_writer.h"

#include <stdbool.h>
#include <stdint.h>

/* Marks a queue without a stored offset in the arrays handed to visitors. */
#define RJ_OFFSET_NONE INT64_MIN

/* Queue ids above this are refused (bounds the per-key array). */
#define RJ_OFFSET_MAX_QUEUE_ID 65535

typedef struct rj_offset_manager rj_offset_manager_t;

/* `config_path` may be NULL (no persistence). */
int rj_offset_manager_create(const char *config_path, rj_offset_manager_t **out);
void rj_offset_manager_destroy(rj_offset_manager_t *m);

/* Loads consumerOffset.json (or .bak); missing is fine. Start-up only. */
int rj_offset_manager_load(rj_offset_manager_t *m);

/* Writes the file if any offset changed since the last write. */
int rj_offset_manager_persist(rj_offset_manager_t *m);

/* Stores an offset. Returns 0, RJ_EINVAL (queue id out of range) or RJ_ENOMEM. */
int rj_offset_manager_commit(rj_offset_manager_t *m, rj_bytes_t topic, rj_bytes_t group,
                             int32_t queue_id, int64_t offset);

/* The stored offset; false if none. */
bool rj_offset_manager_query(rj_offset_manager_t *m, rj_bytes_t topic, rj_bytes_t group,
                             int32_t queue_id, int64_t *out);

/*
 * Calls `cb` for every `topic@group` key with its offsets (RJ_OFFSET_NONE for
 * queues without one). Runs under one stripe lock at a time: the callback must
 * not call back into the manager. A non-zero return stops the walk.
 */
typedef int (*rj_offset_manager_visit_cb)(void *arg, rj_bytes_t topic, rj_bytes_t group,
                                          const int64_t *offsets, int32_t count);
int rj_offset_manager_for_each(rj_offset_manager_t *m, rj_offset_manager_visit_cb cb, void *arg);

/* Removes every key of `group` (all topics). Returns the number removed. */
int rj_offset_manager_remove_group(rj_offset_manager_t *m, rj_bytes_t group);

/* Removes every key of `topic` (all groups). Returns the number removed. */
int rj_offset_manager_remove_topic(rj_offset_manager_t *m, rj_bytes_t topic);

/* Copies the offsets of `src_group` on `topic` to `dst_group` (CLONE_GROUP_OFFSET). */
int rj_offset_manager_clone(rj_offset_manager_t *m, rj_bytes_t src_group, rj_bytes_t dst_group,
                            rj_bytes_t topic);

/* Writes the whole file content ({"offsetTable":…}) to `w`. */
void rj_offset_manager_write(rj_offset_manager_t *m, rj_json_writer_t *w);

#endif
