/* Table-driven configuration: defaults, parsing with named errors, printing. */
#include "common/config.h"

#include "common/alloc.h"
#include "common/bytes.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/properties.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static void *
field_ptr(const rj_config_option_t *opt, void *config)
{
    return (char *)config + opt->offset;
}

static const void *
field_cptr(const rj_config_option_t *opt, const void *config)
{
    return (const char *)config + opt->offset;
}

const rj_config_option_t *
rj_config_find(const rj_config_option_t *options, const char *name)
{
    for (const rj_config_option_t *o = options; o->name != NULL; o++) {
        if (strcmp(o->name, name) == 0) {
            return o;
        }
    }
    return NULL;
}

int
rj_config_parse_value(const rj_config_option_t *o, const char *value, rj_config_value_t *out,
                      char *err, size_t err_size)
{
    rj_bytes_t t = rj_bytes_trim(rj_bytes_from_cstr(value));
    switch (o->type) {
    case RJ_CONFIG_TYPE_INT:
    case RJ_CONFIG_TYPE_LONG: {
        int64_t v;
        if (rj_bytes_parse_i64(t, &v) != 0) {
            snprintf(err, err_size, "%s: '%s' is not a number", o->name, value);
            return RJ_EINVAL;
        }
        if (v < o->min || v > o->max) {
            snprintf(err, err_size, "%s: %lld is out of range [%lld, %lld]", o->name, (long long)v,
                     (long long)o->min, (long long)o->max);
            return RJ_EINVAL;
        }
        if (o->type == RJ_CONFIG_TYPE_INT) {
            out->i32 = (int32_t)v;
        } else {
            out->i64 = v;
        }
        return 0;
    }
    case RJ_CONFIG_TYPE_BOOL:
        if (t.len == 4 && strncasecmp((const char *)t.data, "true", 4) == 0) {
            out->b = true;
        } else if (t.len == 5 && strncasecmp((const char *)t.data, "false", 5) == 0) {
            out->b = false;
        } else {
            snprintf(err, err_size, "%s: '%s' is not true or false", o->name, value);
            return RJ_EINVAL;
        }
        return 0;
    case RJ_CONFIG_TYPE_STRING:
        out->s = rj_bytes_dup(t);
        return out->s != NULL ? 0 : RJ_ENOMEM;
    case RJ_CONFIG_TYPE_ENUM: {
        for (int i = 0; o->choices[i] != NULL; i++) {
            if (rj_bytes_eq_cstr(t, o->choices[i])) {
                out->e = i;
                return 0;
            }
        }
        int n = snprintf(err, err_size, "%s: '%s' is not one of", o->name, value);
        for (int i = 0; o->choices[i] != NULL && n > 0 && (size_t)n < err_size; i++) {
            n += snprintf(err + n, err_size - (size_t)n, " %s", o->choices[i]);
        }
        return RJ_EINVAL;
    }
    }
    return RJ_EINVAL;
}

static int
set_option(const rj_config_option_t *o, void *config, const char *value, char *err, size_t err_size)
{
    rj_config_value_t v;
    int rc = rj_config_parse_value(o, value, &v, err, err_size);
    if (rc != 0) {
        return rc;
    }
    void *field = field_ptr(o, config);
    switch (o->type) {
    case RJ_CONFIG_TYPE_INT:
        *(int32_t *)field = v.i32;
        break;
    case RJ_CONFIG_TYPE_LONG:
        *(int64_t *)field = v.i64;
        break;
    case RJ_CONFIG_TYPE_BOOL:
        *(bool *)field = v.b;
        break;
    case RJ_CONFIG_TYPE_STRING:
        rj_free(*(char **)field);
        *(char **)field = v.s;
        break;
    case RJ_CONFIG_TYPE_ENUM:
        *(int *)field = v.e;
        break;
    }
    return 0;
}

int
rj_config_init(const rj_config_option_t *options, void *config)
{
    char err[256];
    for (const rj_config_option_t *o = options; o->name != NULL; o++) {
        if (o->type == RJ_CONFIG_TYPE_STRING) {
            *(char **)field_ptr(o, config) = NULL;
        }
        if (o->default_value == NULL) {
            continue;
        }
        int rc = set_option(o, config, o->default_value, err, sizeof(err));
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

void
rj_config_cleanup(const rj_config_option_t *options, void *config)
{
    for (const rj_config_option_t *o = options; o->name != NULL; o++) {
        if (o->type == RJ_CONFIG_TYPE_STRING) {
            char **slot = field_ptr(o, config);
            rj_free(*slot);
            *slot = NULL;
        }
    }
}

int
rj_config_set(const rj_config_option_t *options, void *config, const char *name, const char *value,
              char *err, size_t err_size)
{
    const rj_config_option_t *o = rj_config_find(options, name);
    if (o == NULL) {
        snprintf(err, err_size, "%s: unknown configuration key", name);
        return RJ_ENOTFOUND;
    }
    return set_option(o, config, value, err, err_size);
}

typedef struct {
    const rj_config_option_t *options;
    void *config;
    const char *origin;
    char *err;
    size_t err_size;
} load_ctx_t;

static int
load_entry(const char *key, const char *value, int line, void *arg)
{
    load_ctx_t *ctx = arg;
    char why[256];
    int rc = rj_config_set(ctx->options, ctx->config, key, value, why, sizeof(why));
    if (rc == RJ_ENOTFOUND) {
        rj_log(RJ_LOG_WARN, 0, "%s:%d: unknown configuration key '%s' ignored", ctx->origin, line,
               key);
        return 0;
    }
    if (rc != 0) {
        snprintf(ctx->err, ctx->err_size, "%s:%d: %s", ctx->origin, line, why);
    }
    return rc;
}

int
rj_config_load_text(const rj_config_option_t *options, void *config, const char *text, size_t len,
                    const char *origin, char *err, size_t err_size)
{
    load_ctx_t ctx = {options, config, origin, err, err_size};
    return rj_properties_parse(text, len, load_entry, &ctx);
}

int
rj_config_load_file(const rj_config_option_t *options, void *config, const char *path, char *err,
                    size_t err_size)
{
    rj_buf_t text = RJ_BUF_INIT;
    int rc = rj_fs_read_file(path, &text);
    if (rc != 0) {
        snprintf(err, err_size, "%s: %s", path, rj_strerror(rc));
        rj_buf_cleanup(&text);
        return rc;
    }
    rc = rj_config_load_text(options, config, (const char *)text.data, text.len, path, err,
                             err_size);
    rj_buf_cleanup(&text);
    return rc;
}

int
rj_config_format_value(const rj_config_option_t *o, const void *config, rj_buf_t *out)
{
    const void *p = field_cptr(o, config);
    switch (o->type) {
    case RJ_CONFIG_TYPE_INT:
        return rj_buf_appendf(out, "%d", *(const int32_t *)p);
    case RJ_CONFIG_TYPE_LONG:
        return rj_buf_appendf(out, "%lld", (long long)*(const int64_t *)p);
    case RJ_CONFIG_TYPE_BOOL:
        return rj_buf_append_cstr(out, *(const bool *)p ? "true" : "false");
    case RJ_CONFIG_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return s ? rj_buf_append_cstr(out, s) : 0;
    }
    case RJ_CONFIG_TYPE_ENUM:
        return rj_buf_append_cstr(out, o->choices[*(const int *)p]);
    }
    return 0;
}

int
rj_config_format(const rj_config_option_t *options, const void *config, rj_buf_t *out)
{
    int rc = 0;
    for (const rj_config_option_t *o = options; o->name != NULL && rc == 0; o++) {
        rc = rj_buf_appendf(out, "%s=", o->name);
        if (rc == 0) {
            rc = rj_config_format_value(o, config, out);
        }
        if (rc == 0) {
            rc = rj_buf_append_u8(out, '\n');
        }
    }
    return rc;
}
