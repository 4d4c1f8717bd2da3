/*
 * Tolerant readers of jansson trees for mqadmin: a member of the wrong type
 * reads as absent, so odd answers never reach a printf as garbage.
 */
#ifndef RJ_TOOLS_MQADMIN_MQADMIN_JSON_H
#define RJ_TOOLS_MQADMIN_MQADMIN_JSON_H

#include <jansson.h>
#include <stdint.h>

/* String member `key` of `obj`, or NULL when absent or not a string. */
const char *rj_mqadmin_json_str(const json_t *obj, const char *key);

/* Integer member of a JSON object (numbers or decimal strings), `def` otherwise. */
int64_t rj_mqadmin_json_int(const json_t *obj, const char *key, int64_t def);

#endif
