/*
 * The broker's JSON config files (RocketMQ's ConfigManager): topics.json,
 * subscriptionGroup.json, consumerOffset.json, consumerFilter.json and
 * delayOffset.json. Each table embeds one rj_config_file_t: loading reads the
 * file (or its .bak, rj_fs_read_config) as a JSON object, and persisting
 * rewrites it (rj_fs_write_config) only when the table counted a change since
 * the last write, so an idle table costs no I/O.
 *
 * Thread: rj_config_file_changed from any thread (one atomic add); load at
 * start; persist from any thread (serialised by the file's own lock, which is
 * held while the table is written out).
 */
#ifndef RJ_BROKER_CONFIG_FILE_H
#define RJ_BROKER_CONFIG_FILE_H

#include "common/json_writer.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    char *path;                      /* NULL: the table lives in memory only */
    atomic_uint_fast64_t changes;    /* counted by every change of the table */
    uint_fast64_t persisted_changes; /* `changes` as last written (persist_lock) */
    pthread_mutex_t persist_lock;
} rj_config_file_t;

/* Copies `path` (may be NULL). Returns 0 or RJ_ENOMEM; clean up after either. */
int rj_config_file_init(rj_config_file_t *f, const char *path);
void rj_config_file_cleanup(rj_config_file_t *f);

/* The table changed: the next persist writes it. Any thread. */
void rj_config_file_changed(rj_config_file_t *f);

/*
 * Reads the file (or its backup) into *root, a JSON object the caller
 * releases; *root is NULL (and 0 returned) when there is no path or no file.
 * Errors are logged: a read error, or RJ_ECORRUPT when the text is not a
 * JSON object.
 */
int rj_config_file_load(rj_config_file_t *f, json_t **root);

/* What the table holds now counts as written (after loading it). */
void rj_config_file_mark_persisted(rj_config_file_t *f);

/* Writes the whole table as one JSON value. */
typedef void (*rj_config_file_write_cb)(void *arg, rj_json_writer_t *w);

typedef enum {
    RJ_CONFIG_FILE_CHECK_FIRST = 0, /* look at the change count, write the table only if needed */
    RJ_CONFIG_FILE_WRITE_FIRST = 1, /* writing counts changes itself (expiry): write, then look */
} rj_config_file_order_t;

/*
 * Rewrites the file when changes were counted since the last write. Returns 0
 * (also with no path or nothing to write) or the error (logged); after an
 * error the next call tries again.
 */
int rj_config_file_persist(rj_config_file_t *f, rj_config_file_write_cb write, void *arg,
                           rj_config_file_order_t order);

#endif
