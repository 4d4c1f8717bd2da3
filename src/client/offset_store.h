/*
 * Consumer offset stores (Java OffsetStore): the next offset to consume per
 * message queue, kept in memory and persisted either on the broker
 * (clustering: RemoteBrokerOffsetStore, UPDATE_CONSUMER_OFFSET) or in a local
 * file (broadcasting: LocalFileOffsetStore,
 * <dir>/<client id>/<group>/offsets.json in fastjson form with MessageQueue
 * objects as keys).
 *
 * Threads: every function may be called from any thread (one mutex); the
 * read-from-store and persist functions block (RPC or file I/O), so never on
 * an I/O thread.
 */
#ifndef RJ_CLIENT_OFFSET_STORE_H
#define RJ_CLIENT_OFFSET_STORE_H

#include "client/client_instance.h"
#include "common/buf.h"
#include "ramjet/message.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rj_offset_store rj_offset_store_t;

typedef enum {
    RJ_READ_FROM_MEMORY = 0,
    RJ_READ_FROM_STORE = 1,
    RJ_READ_MEMORY_THEN_STORE = 2,
} rj_offset_read_t;

/* Offsets kept on the broker (clustering). */
int rj_offset_store_create_remote(rj_client_instance_t *inst, const char *group,
                                  rj_offset_store_t **out);

/*
 * Offsets kept in `dir`/<client_id>/<group>/offsets.json (broadcasting). The
 * file (or its .bak) is loaded at creation; a malformed file is an error
 * (RJ_ECORRUPT, Java refuses to start too).
 */
int rj_offset_store_create_local(const char *dir, const char *client_id, const char *group,
                                 rj_offset_store_t **out);

void rj_offset_store_destroy(rj_offset_store_t *s);

/* Path of the local file (NULL for a remote store). */
const char *rj_offset_store_path(const rj_offset_store_t *s);

/* Sets the offset of `mq`; with `increase_only` a lower value is ignored. */
void rj_offset_store_update(rj_offset_store_t *s, const rj_message_queue_t *mq, int64_t offset,
                            bool increase_only);

/* Same with the queue's rj_mq_key() already at hand (the consume path has it). */
void rj_offset_store_update_keyed(rj_offset_store_t *s, const char *key,
                                  const rj_message_queue_t *mq, int64_t offset, bool increase_only);

/* Memory offset of the queue with key `key`, -1 if none. */
int64_t rj_offset_store_read_keyed(rj_offset_store_t *s, const char *key);

/*
 * Offset of `mq`: from memory, or from the store (broker query / loaded file).
 * Returns >= 0; -1 when the store has none; -2 (after a logged error) when the
 * store could not be asked.
 */
int64_t rj_offset_store_read(rj_offset_store_t *s, const rj_message_queue_t *mq,
                             rj_offset_read_t type);

/*
 * Persists the offsets of `mqs` (broker: one UPDATE_CONSUMER_OFFSET per queue,
 * one-way unless `sync`; file: the whole table, atomically) and forgets the
 * queues not in `mqs` (remote store: Java's persistAll behaviour).
 */
void rj_offset_store_persist_all(rj_offset_store_t *s, const rj_message_queue_t *mqs, size_t count,
                                 bool sync);

/* Persists one queue's offset. */
void rj_offset_store_persist(rj_offset_store_t *s, const rj_message_queue_t *mq, bool sync);

/* Forgets a queue. */
void rj_offset_store_remove(rj_offset_store_t *s, const rj_message_queue_t *mq);

/* Writes the fastjson OffsetSerializeWrapper of the whole table (also for tests). */
int rj_offset_store_serialize(rj_offset_store_t *s, rj_buf_t *out);

#endif
