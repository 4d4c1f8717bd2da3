/*
 * A growable list of owned strings (addresses, names) for mqadmin.
 */
#ifndef RJ_TOOLS_MQADMIN_MQADMIN_STRV_H
#define RJ_TOOLS_MQADMIN_MQADMIN_STRV_H

#include <stdbool.h>
#include <stddef.h>

/* A growable list of owned strings. */
typedef struct {
    char **items;
    size_t count;
    size_t cap;
} rj_mqadmin_strv_t;

/* Appends a copy of `s` (also when already present). Returns 0 or RJ_ENOMEM. */
int rj_mqadmin_strv_add(rj_mqadmin_strv_t *v, const char *s);
/* Appends a copy unless an equal string is present. Returns 0 or RJ_ENOMEM. */
int rj_mqadmin_strv_add_unique(rj_mqadmin_strv_t *v, const char *s);
bool rj_mqadmin_strv_contains(const rj_mqadmin_strv_t *v, const char *s);
void rj_mqadmin_strv_sort(rj_mqadmin_strv_t *v);
void rj_mqadmin_strv_cleanup(rj_mqadmin_strv_t *v);

#endif
