/*
 * A pull batch: the messages of one PULL_MESSAGE response (or one broker
 * request body) decoded into a single allocation. The arena holds the batch
 * header, the message structs, their property arrays, NUL-terminated copies
 * of topics and property strings, and a copy of the raw records, to which the
 * bodies point. Only compressed bodies get an allocation of their own
 * (inflated). So a pull of 32 messages costs one malloc, not 32.
 *
 * The batch is reference counted: the decoder holds one reference and each
 * consumer of messages (process queue entries, poll results) takes its own.
 */
#ifndef RJ_CLIENT_PULL_BATCH_H
#define RJ_CLIENT_PULL_BATCH_H

#include "client/message_internal.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct rj_pull_batch {
    atomic_int refs;
    size_t count;        /* decoded messages */
    rj_message_t *msgs;  /* [count] */
    rj_message_t **kept; /* [kept_count] after filtering, initially all */
    size_t kept_count;
    size_t body_bytes; /* sum of kept body lengths (flow control) */
    void *owner;       /* consumer bookkeeping: the process queue the batch feeds */
};

/*
 * Decodes every record of `body` (records concatenated, store.md §2).
 * `broker_name` (may be NULL) must outlive the batch. `min_offset` and
 * `max_offset` >= 0 are added as MIN_OFFSET / MAX_OFFSET properties as Java
 * does for pulled messages (-1: not added). Compressed bodies are inflated
 * (a body that fails to inflate stays as received, logged). Returns RJ_OK,
 * RJ_EMALFORMED (a record does not decode; nothing is returned) or RJ_ENOMEM.
 * refs = 1.
 */
int rj_pull_batch_decode(const uint8_t *body, size_t len, const char *broker_name,
                         int64_t min_offset, int64_t max_offset, rj_pull_batch_t **out);

void rj_pull_batch_retain(rj_pull_batch_t *b);
void rj_pull_batch_release(rj_pull_batch_t *b);

/*
 * Keeps only messages for which `keep` returns true (order preserved),
 * updating kept_count and body_bytes.
 */
void rj_pull_batch_filter(rj_pull_batch_t *b, bool (*keep)(const rj_message_t *msg, void *arg),
                          void *arg);

/* Inflates a zlib stream into a new rj_malloc block. Returns RJ_OK, RJ_EMALFORMED, RJ_ENOMEM. */
int rj_zlib_inflate(const uint8_t *in, size_t len, size_t max_out, uint8_t **out, size_t *out_len);

#endif
