/*
 * Output helpers shared by mqadmin's sub-commands: RocketMQ's date formats,
 * its timestamp argument syntax, and fastjson's pretty JSON layout.
 */
#ifndef RJ_TOOLS_MQADMIN_MQADMIN_PRINT_H
#define RJ_TOOLS_MQADMIN_MQADMIN_PRINT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* UtilAll.timeMillisToHumanString2: "yyyy-MM-dd HH:mm:ss,SSS" in local time. */
void rj_mqadmin_print_millis(int64_t ms, char *buf, size_t size);

/* UtilAll.formatDate(.., "yyyy-MM-dd HH:mm:ss") in local time. */
void rj_mqadmin_print_date(int64_t ms, char *buf, size_t size);

/* JSON.toJSONString(obj, true): tab-indented, "key":value, keys sorted. */
void rj_mqadmin_print_json_pretty(FILE *out, const json_t *value);

#endif
