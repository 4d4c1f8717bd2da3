/*
 * Java .properties text (broker.conf, namesrv.conf, UPDATE_BROKER_CONFIG bodies):
 * "key=value", "key: value" or "key value" lines, '#' and '!' comments, backslash
 * escapes (\t \n \r \f \uXXXX) and line continuations, as java.util.Properties.load.
 */
#ifndef RJ_COMMON_PROPERTIES_H
#define RJ_COMMON_PROPERTIES_H

#include <stddef.h>

/* Called per entry with NUL-terminated key and value; a non-zero return stops parsing. */
typedef int (*rj_properties_cb)(const char *key, const char *value, int line, void *arg);

/* Returns 0, the callback's non-zero result, or RJ_ENOMEM. */
int rj_properties_parse(const char *text, size_t len, rj_properties_cb cb, void *arg);

#endif
