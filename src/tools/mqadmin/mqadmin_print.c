/*
 * Dates, timestamp arguments and pretty JSON for mqadmin output (see
 * mqadmin_print.h). Dates use local time, as the Java tools do.
 */
#include "tools/mqadmin/mqadmin_print.h"

#include "common/alloc.h"
#include "ramjet/status.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool
to_local(int64_t ms, struct tm *tm, int *millis)
{
    time_t secs = (time_t)(ms / 1000);
    int rem = (int)(ms % 1000);
    if (rem < 0) {
        rem += 1000;
        secs--;
    }
    *millis = rem;
    return localtime_r(&secs, tm) != NULL;
}

void
rj_mqadmin_print_millis(int64_t ms, char *buf, size_t size)
{
    struct tm tm;
    int millis;
    if (!to_local(ms, &tm, &millis)) {
        snprintf(buf, size, "%lld", (long long)ms);
        return;
    }
    snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d,%03d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

void
rj_mqadmin_print_date(int64_t ms, char *buf, size_t size)
{
    struct tm tm;
    int millis;
    if (!to_local(ms, &tm, &millis)) {
        snprintf(buf, size, "%lld", (long long)ms);
        return;
    }
    snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void
indent(FILE *out, int depth)
{
    for (int i = 0; i < depth; i++) {
        fputc('\t', out);
    }
}

static void
print_scalar(FILE *out, const json_t *v)
{
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    fputs(text != NULL ? text : "null", out);
    free(text);
}

static int
compare_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
print_value(FILE *out, const json_t *v, int depth)
{
    if (json_is_object(v) && json_object_size(v) > 0) {
        size_t n = json_object_size(v), i = 0;
        const char **keys = rj_malloc(n * sizeof(*keys));
        if (keys == NULL) {
            print_scalar(out, v);
            return;
        }
        const char *key;
        json_t *member;
        json_object_foreach((json_t *)v, key, member)
        {
            keys[i++] = key;
        }
        qsort(keys, n, sizeof(*keys), compare_keys);
        fputs("{\n", out);
        for (i = 0; i < n; i++) {
            json_t *k = json_string(keys[i]);
            indent(out, depth + 1);
            print_scalar(out, k);
            json_decref(k);
            fputc(':', out);
            print_value(out, json_object_get(v, keys[i]), depth + 1);
            fputs(i + 1 < n ? ",\n" : "\n", out);
        }
        rj_free(keys);
        indent(out, depth);
        fputc('}', out);
    } else if (json_is_array(v) && json_array_size(v) > 0) {
        size_t n = json_array_size(v);
        fputs("[\n", out);
        for (size_t i = 0; i < n; i++) {
            indent(out, depth + 1);
            print_value(out, json_array_get(v, i), depth + 1);
            fputs(i + 1 < n ? ",\n" : "\n", out);
        }
        indent(out, depth);
        fputc(']', out);
    } else {
        print_scalar(out, v);
    }
}

void
rj_mqadmin_print_json_pretty(FILE *out, const json_t *value)
{
    print_value(out, value, 0);
}
