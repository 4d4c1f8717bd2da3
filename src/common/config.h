/*
 * Typed configuration bound to a struct by a table of options, so that the
 * daemons read RocketMQ's .properties keys (broker.conf, namesrv.conf), print
 * them (-p), and change live ones (UPDATE_BROKER_CONFIG) with one mechanism.
 *
 *     static const rj_config_option_t options[] = {
 *         RJ_CONFIG_INT("listenPort", my_config_t, listen_port, "9876", 0, 65535, 0),
 *         RJ_CONFIG_END,
 *     };
 *
 * Strings are heap copies owned by the struct (rj_config_cleanup frees them).
 * Enum options store the index of the value in their choice list.
 */
#ifndef RJ_COMMON_CONFIG_H
#define RJ_COMMON_CONFIG_H

#include "common/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    RJ_CONFIG_TYPE_INT,    /* int32_t */
    RJ_CONFIG_TYPE_LONG,   /* int64_t */
    RJ_CONFIG_TYPE_BOOL,   /* bool: "true"/"false", any case */
    RJ_CONFIG_TYPE_STRING, /* char * */
    RJ_CONFIG_TYPE_ENUM,   /* int: index into choices */
} rj_config_type_t;

enum {
    RJ_CONFIG_LIVE = 1u << 0,     /* may change while running (UPDATE_*_CONFIG) */
    RJ_CONFIG_READONLY = 1u << 1, /* refused by UPDATE_*_CONFIG (RocketMQ's configBlackList) */
};

typedef struct {
    const char *name;
    rj_config_type_t type;
    size_t offset;
    const char *default_value;
    int64_t min, max;
    const char *const *choices; /* ENUM only, NULL-terminated */
    unsigned flags;
    const char *help;
} rj_config_option_t;

#define RJ_CONFIG_INT(name, type, field, def, lo, hi, flags)                            \
    {                                                                                   \
        name, RJ_CONFIG_TYPE_INT, offsetof(type, field), def, lo, hi, NULL, flags, NULL \
    }
#define RJ_CONFIG_LONG(name, type, field, def, lo, hi, flags)                            \
    {                                                                                    \
        name, RJ_CONFIG_TYPE_LONG, offsetof(type, field), def, lo, hi, NULL, flags, NULL \
    }
#define RJ_CONFIG_BOOL(name, type, field, def, flags)                                  \
    {                                                                                  \
        name, RJ_CONFIG_TYPE_BOOL, offsetof(type, field), def, 0, 1, NULL, flags, NULL \
    }
#define RJ_CONFIG_STRING(name, type, field, def, flags)                                  \
    {                                                                                    \
        name, RJ_CONFIG_TYPE_STRING, offsetof(type, field), def, 0, 0, NULL, flags, NULL \
    }
#define RJ_CONFIG_ENUM(name, type, field, def, choices, flags)                            \
    {                                                                                     \
        name, RJ_CONFIG_TYPE_ENUM, offsetof(type, field), def, 0, 0, choices, flags, NULL \
    }
#define RJ_CONFIG_END                         \
    {                                         \
        NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL \
    }

/* One parsed option value (the member matching the option's type). */
typedef union {
    int32_t i32; /* INT */
    int64_t i64; /* LONG */
    bool b;      /* BOOL */
    int e;       /* ENUM: index into choices */
    char *s;     /* STRING: heap copy owned by the caller */
} rj_config_value_t;

/*
 * Parses `value` for option `o` without touching any config struct, so a
 * caller can validate a whole update before applying it, or store the value
 * atomically. Returns 0, or RJ_EINVAL with an explanation naming the key.
 */
int rj_config_parse_value(const rj_config_option_t *o, const char *value, rj_config_value_t *out,
                          char *err, size_t err_size);

/* Sets every option to its default. Returns 0 or RJ_ENOMEM. */
int rj_config_init(const rj_config_option_t *options, void *config);

/* Frees the strings held by `config`. */
void rj_config_cleanup(const rj_config_option_t *options, void *config);

const rj_config_option_t *rj_config_find(const rj_config_option_t *options, const char *name);

/*
 * Sets one option from text. Returns 0; RJ_ENOTFOUND for an unknown key;
 * RJ_EINVAL for a bad value, with an explanation naming the key in `err`.
 */
int rj_config_set(const rj_config_option_t *options, void *config, const char *name,
                  const char *value, char *err, size_t err_size);

/*
 * Applies .properties text. Unknown keys are logged as warnings and skipped;
 * the first bad value fails the whole load (RJ_EINVAL, `err` names key and line).
 */
int rj_config_load_text(const rj_config_option_t *options, void *config, const char *text,
                        size_t len, const char *origin, char *err, size_t err_size);

/* Same from a file; RJ_ENOENT etc. when it cannot be read. */
int rj_config_load_file(const rj_config_option_t *options, void *config, const char *path,
                        char *err, size_t err_size);

/* Appends the current value of one option as text. */
int rj_config_format_value(const rj_config_option_t *option, const void *config, rj_buf_t *out);

/* Appends "key=value\n" for every option, in table order. */
int rj_config_format(const rj_config_option_t *options, const void *config, rj_buf_t *out);

#endif
