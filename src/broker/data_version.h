/*
 * DataVersion: a counter and the wall-clock time of the last change of a
 * config table. The name server compares it to decide whether a registration
 * carries new topic data; two versions are equal when both fields are.
 */
#ifndef RJ_BROKER_DATA_VERSION_H
#define RJ_BROKER_DATA_VERSION_H

#include "common/json_writer.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int64_t counter;
    int64_t timestamp_ms;
} rj_data_version_t;

/* Fresh version: counter 0, timestamp now (Java's new DataVersion()). */
void rj_data_version_init(rj_data_version_t *v);

/* nextVersion(): counter + 1, timestamp now. */
void rj_data_version_next(rj_data_version_t *v);

bool rj_data_version_equal(const rj_data_version_t *a, const rj_data_version_t *b);

/* Writes {"counter":N,"timestamp":ms} as the next value of `w`. */
void rj_data_version_write(const rj_data_version_t *v, rj_json_writer_t *w);

/* Reads a DataVersion object; missing fields keep their current values. */
void rj_data_version_read(rj_data_version_t *v, const json_t *obj);

#endif
