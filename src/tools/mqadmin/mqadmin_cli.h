/*
 * mqadmin command table and option parsing. Each sub-command declares its
 * options the way RocketMQ's commons-cli Options do (short letter, long name,
 * takes a value or not, required, one-of group); -h/--help and
 * -n/--namesrvAddr are added to every command. Parsing follows commons-cli's
 * POSIX parser: "-t T", "-tT", "--topic T", "--topic=T", bundled flags "-ml".
 * Values are trimmed (Java calls .trim() on every value) in place in argv.
 */
#ifndef RJ_TOOLS_MQADMIN_MQADMIN_CLI_H
#define RJ_TOOLS_MQADMIN_MQADMIN_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct rj_mqadmin_ctx rj_mqadmin_ctx_t;

typedef struct {
    char opt;              /* short letter; 0 ends a table */
    const char *long_name; /* without "--" */
    bool has_arg;          /* takes a value */
    bool required;         /* must be given (options outside groups) */
    int group;             /* non-zero: one of a group of which exactly one must be given */
    const char *desc;
} rj_mqadmin_option_t;

#define RJ_MQADMIN_OPTIONS_END         \
    {                                  \
        0, NULL, false, false, 0, NULL \
    }

/* Parsed options, indexed by the option letter. */
typedef struct {
    bool present[128];
    const char *value[128]; /* trimmed value; "" for flags without a value */
} rj_mqadmin_args_t;

typedef struct {
    const char *name; /* sub-command name, matched case-insensitively as RocketMQ does */
    const char *desc;
    const rj_mqadmin_option_t
        *options; /* ends with RJ_MQADMIN_OPTIONS_END; -h and -n are implicit */
    /* Runs the command. Returns 0, or a negative status with the reason in ctx
     * (rj_mqadmin_ctx_fail). */
    int (*run)(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args);
} rj_mqadmin_command_t;

/*
 * Parses argv[0..argc) (the words after the sub-command name) into `out`.
 * Returns 0, or RJ_EINVAL with a commons-cli-like reason in `err` (unknown
 * option, missing value, missing required option, two options of one group).
 * -h is reported as present and skips the required-option checks.
 */
int rj_mqadmin_cli_parse(const rj_mqadmin_command_t *cmd, int argc, char **argv,
                         rj_mqadmin_args_t *out, char *err, size_t err_size);

/* commons-cli HelpFormatter layout (width 110): usage line, then one line per option. */
void rj_mqadmin_cli_print_help(const rj_mqadmin_command_t *cmd, FILE *out);

/* True when `opt` was given. */
bool rj_mqadmin_cli_has(const rj_mqadmin_args_t *a, char opt);

/* The trimmed value of `opt`, or NULL when absent. */
const char *rj_mqadmin_cli_get(const rj_mqadmin_args_t *a, char opt);

/* Java Boolean.parseBoolean of the value of `opt` ("true" in any case); `def` when absent. */
bool rj_mqadmin_cli_bool(const rj_mqadmin_args_t *a, char opt, bool def);

/*
 * A timestamp argument: milliseconds since the epoch, or local time as
 * "yyyy-MM-dd#HH:mm:ss:SSS" (UtilAll.YYYY_MM_DD_HH_MM_SS_SSS). Returns 0 or
 * RJ_EINVAL.
 */
int rj_mqadmin_cli_timestamp(const char *text, int64_t *out);

#endif
