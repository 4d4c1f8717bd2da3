/*
 * JSON bodies through jansson, with the fastjson dialect Java peers write:
 * unquoted numeric keys (`{0:"addr"}`) and objects used as keys
 * (`{{"brokerName":"b","queueId":0,"topic":"t"}:{...}}`). rj_json_parse()
 * accepts both standard JSON and that dialect; an object key arrives as a
 * string holding the key object's compact JSON text, ready for rj_json_parse().
 *
 * The getters tolerate what non-Java clients send: numbers where Java writes
 * strings and the other way round.
 */
#ifndef RJ_COMMON_JSON_H
#define RJ_COMMON_JSON_H

#include "common/buf.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Rewrites fastjson-dialect text as standard JSON into `out`. RJ_EMALFORMED on bad input. */
int rj_json_fastjson_normalize(const void *text, size_t len, rj_buf_t *out);

/*
 * Parses standard or fastjson JSON. Returns a new reference (json_decref it) or
 * NULL with a reason in `err` (may be NULL).
 */
json_t *rj_json_parse(const void *text, size_t len, char *err, size_t err_size);

/* Member as a string: JSON strings as-is, NULL (absent/null) → `def`. Numbers are not strings. */
const char *rj_json_get_str(const json_t *obj, const char *key, const char *def);

/* Member as an integer: JSON integers, reals, or decimal strings; otherwise `def`. */
int64_t rj_json_get_int(const json_t *obj, const char *key, int64_t def);

/* Member as a boolean: true/false, or the strings "true"/"false" (any case); otherwise `def`. */
bool rj_json_get_bool(const json_t *obj, const char *key, bool def);

/* Integer value of a JSON integer, real, or decimal string. Returns false otherwise. */
bool rj_json_as_int(const json_t *v, int64_t *out);

/* Compact dump with keys sorted (Java beans list fields alphabetically). */
int rj_json_dump(const json_t *value, rj_buf_t *out);

#endif
