/*
 * mqadmin's string lists (see mqadmin_strv.h): copies kept in insertion order,
 * sorted on request.
 */
#include "tools/mqadmin/mqadmin_strv.h"

#include "common/alloc.h"
#include "ramjet/status.h"

#include <stdlib.h>
#include <string.h>

int
rj_mqadmin_strv_add(rj_mqadmin_strv_t *v, const char *s)
{
    if (v->count == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        char **items = rj_realloc(v->items, cap * sizeof(*items));
        if (items == NULL) {
            return RJ_ENOMEM;
        }
        v->items = items;
        v->cap = cap;
    }
    char *copy = rj_strdup(s);
    if (copy == NULL) {
        return RJ_ENOMEM;
    }
    v->items[v->count++] = copy;
    return 0;
}

int
rj_mqadmin_strv_add_unique(rj_mqadmin_strv_t *v, const char *s)
{
    return rj_mqadmin_strv_contains(v, s) ? 0 : rj_mqadmin_strv_add(v, s);
}

bool
rj_mqadmin_strv_contains(const rj_mqadmin_strv_t *v, const char *s)
{
    for (size_t i = 0; i < v->count; i++) {
        if (strcmp(v->items[i], s) == 0) {
            return true;
        }
    }
    return false;
}

static int
compare_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void
rj_mqadmin_strv_sort(rj_mqadmin_strv_t *v)
{
    if (v->count > 1) {
        qsort(v->items, v->count, sizeof(v->items[0]), compare_str);
    }
}

void
rj_mqadmin_strv_cleanup(rj_mqadmin_strv_t *v)
{
    for (size_t i = 0; i < v->count; i++) {
        rj_free(v->items[i]);
    }
    rj_free(v->items);
    memset(v, 0, sizeof(*v));
}
