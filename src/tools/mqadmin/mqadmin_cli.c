/*
 * Option parsing and help output for mqadmin sub-commands, shaped after the
 * commons-cli PosixParser and HelpFormatter that RocketMQ's mqadmin uses, so
 * the same command lines parse and the help reads the same. Unlike RocketMQ,
 * stray words are refused instead of ignored: a typo must not silently run a
 * different command.
 */
#include "tools/mqadmin/mqadmin_cli.h"

#include "common/assert.h"
#include "common/buf.h"
#include "ramjet/status.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define HELP_WIDTH 110
#define HELP_DESC_PAD 3
#define MAX_OPTIONS 64
#define KEEP_TOGETHER '\x01'

static const rj_mqadmin_option_t common_options[] = {
    {'h', "help", false, false, 0, "Print help"},
    {'n', "namesrvAddr", true, false, 0,
     "Name server address list, eg: '192.168.0.1:9876;192.168.0.2:9876'"},
};

/* The command's options plus -h and -n, in declaration order. */
static size_t
all_options(const rj_mqadmin_command_t *cmd, const rj_mqadmin_option_t **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < RJ_ARRAY_SIZE(common_options) && n < cap; i++) {
        out[n++] = &common_options[i];
    }
    for (const rj_mqadmin_option_t *o = cmd->options; o != NULL && o->opt != 0 && n < cap; o++) {
        out[n++] = o;
    }
    return n;
}

static const rj_mqadmin_option_t *
find_short(const rj_mqadmin_option_t *const *opts, size_t n, char c)
{
    for (size_t i = 0; i < n; i++) {
        if (opts[i]->opt == c) {
            return opts[i];
        }
    }
    return NULL;
}

static const rj_mqadmin_option_t *
find_long(const rj_mqadmin_option_t *const *opts, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        if (opts[i]->long_name != NULL && strlen(opts[i]->long_name) == len &&
            strncmp(opts[i]->long_name, name, len) == 0) {
            return opts[i];
        }
    }
    return NULL;
}

static bool
is_number(const char *s)
{
    if (*s == '-' || *s == '+') {
        s++;
    }
    if (!isdigit((unsigned char)*s)) {
        return false;
    }
    while (isdigit((unsigned char)*s)) {
        s++;
    }
    return *s == '\0';
}

/* True when `tok` names one of the options (so it is not taken as the previous option's value). */
static bool
is_option_token(const rj_mqadmin_option_t *const *opts, size_t n, const char *tok)
{
    if (tok[0] != '-' || tok[1] == '\0' || is_number(tok)) {
        return false;
    }
    if (tok[1] == '-') {
        const char *eq = strchr(tok + 2, '=');
        size_t len = eq != NULL ? (size_t)(eq - tok - 2) : strlen(tok + 2);
        return find_long(opts, n, tok + 2, len) != NULL;
    }
    return find_short(opts, n, tok[1]) != NULL;
}

/* Trims ASCII white space in place (Java String.trim) and returns the start. */
static const char *
trim_in_place(char *s)
{
    while (*s != '\0' && (unsigned char)*s <= ' ') {
        s++;
    }
    size_t len = strlen(s);
    while (len > 0 && (unsigned char)s[len - 1] <= ' ') {
        s[--len] = '\0';
    }
    return s;
}

static void
set_value(rj_mqadmin_args_t *out, const rj_mqadmin_option_t *o, char *value)
{
    unsigned char k = (unsigned char)o->opt;
    if (out->present[k]) {
        return; /* getOptionValue() answers the first occurrence */
    }
    out->present[k] = true;
    out->value[k] = value != NULL ? trim_in_place(value) : "";
}

int
rj_mqadmin_cli_parse(const rj_mqadmin_command_t *cmd, int argc, char **argv, rj_mqadmin_args_t *out,
                     char *err, size_t err_size)
{
    const rj_mqadmin_option_t *opts[MAX_OPTIONS];
    size_t n = all_options(cmd, opts, MAX_OPTIONS);
    memset(out, 0, sizeof(*out));

    for (int i = 0; i < argc; i++) {
        char *tok = argv[i];
        if (strcmp(tok, "--") == 0 || tok[0] != '-' || tok[1] == '\0') {
            snprintf(err, err_size, "Unexpected argument: %s", tok);
            return RJ_EINVAL;
        }
        if (tok[1] == '-') {
            char *name = tok + 2;
            char *eq = strchr(name, '=');
            size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
            const rj_mqadmin_option_t *o = find_long(opts, n, name, len);
            if (o == NULL) {
                snprintf(err, err_size, "Unrecognized option: --%.*s", (int)len, name);
                return RJ_EINVAL;
            }
            if (!o->has_arg) {
                if (eq != NULL) {
                    snprintf(err, err_size, "Option --%s takes no value", o->long_name);
                    return RJ_EINVAL;
                }
                set_value(out, o, NULL);
            } else if (eq != NULL) {
                set_value(out, o, eq + 1);
            } else if (i + 1 < argc && !is_option_token(opts, n, argv[i + 1])) {
                set_value(out, o, argv[++i]);
            } else {
                snprintf(err, err_size, "Missing argument for option: %c", o->opt);
                return RJ_EINVAL;
            }
            continue;
        }
        /* "-x", "-xVALUE" or bundled flags "-ml" (the last may take a value). */
        for (char *p = tok + 1; *p != '\0'; p++) {
            const rj_mqadmin_option_t *o = find_short(opts, n, *p);
            if (o == NULL) {
                snprintf(err, err_size, "Unrecognized option: -%c", *p);
                return RJ_EINVAL;
            }
            if (!o->has_arg) {
                set_value(out, o, NULL);
                continue;
            }
            if (p[1] != '\0') {
                set_value(out, o, p + 1);
            } else if (i + 1 < argc && !is_option_token(opts, n, argv[i + 1])) {
                set_value(out, o, argv[++i]);
            } else {
                snprintf(err, err_size, "Missing argument for option: %c", o->opt);
                return RJ_EINVAL;
            }
            break;
        }
    }
    if (out->present['h']) {
        return 0;
    }

    /* One-of groups: at most one member, and (all our groups are required) at least one. */
    for (size_t i = 0; i < n; i++) {
        if (opts[i]->group == 0) {
            continue;
        }
        const rj_mqadmin_option_t *chosen = NULL;
        bool first = true;
        for (size_t j = 0; j < n; j++) {
            if (opts[j]->group != opts[i]->group) {
                continue;
            }
            if (j < i) {
                first = false; /* the group was checked at its first member */
                break;
            }
            if (!out->present[(unsigned char)opts[j]->opt]) {
                continue;
            }
            if (chosen != NULL) {
                snprintf(err, err_size,
                         "The option '%c' was specified but an option from this group has "
                         "already been selected: '%c'",
                         opts[j]->opt, chosen->opt);
                return RJ_EINVAL;
            }
            chosen = opts[j];
        }
        if (first && chosen == NULL) {
            size_t off = (size_t)snprintf(err, err_size, "Missing required option: [");
            const char *sep = "";
            for (size_t j = i; j < n && off < err_size; j++) {
                if (opts[j]->group == opts[i]->group) {
                    off += (size_t)snprintf(err + off, err_size - off, "%s-%c %s", sep,
                                            opts[j]->opt, opts[j]->desc);
                    sep = ", ";
                }
            }
            if (off < err_size) {
                snprintf(err + off, err_size - off, "]");
            }
            return RJ_EINVAL;
        }
    }

    size_t off = 0, missing = 0;
    char list[256] = "";
    for (size_t i = 0; i < n; i++) {
        if (opts[i]->required && opts[i]->group == 0 &&
            !out->present[(unsigned char)opts[i]->opt]) {
            if (off < sizeof(list)) {
                off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%c",
                                        missing > 0 ? ", " : "", opts[i]->opt);
            }
            missing++;
        }
    }
    if (missing > 0) {
        snprintf(err, err_size, "Missing required option%s: %s", missing > 1 ? "s" : "", list);
        return RJ_EINVAL;
    }
    return 0;
}

/* ---- help ------------------------------------------------------------------------ */

/* Writes `text` wrapped at HELP_WIDTH; continuation lines start with `indent` spaces. */
static void
print_wrapped(FILE *out, const char *text, size_t first_col, size_t indent)
{
    size_t col = first_col, pending = 0;
    const char *p = text;
    while (*p != '\0') {
        if (*p == ' ') {
            pending++; /* spaces wait for the next word: none dangle at a line end */
            p++;
            continue;
        }
        const char *word_end = p;
        while (*word_end != '\0' && *word_end != ' ') {
            word_end++;
        }
        size_t word = (size_t)(word_end - p);
        if (col > indent && col + pending + word > HELP_WIDTH) {
            fprintf(out, "\n%*s", (int)indent, "");
            col = indent;
        } else {
            fprintf(out, "%*s", (int)pending, "");
            col += pending;
        }
        pending = 0;
        for (size_t i = 0; i < word; i++) {
            /* KEEP_TOGETHER joins "-t <arg>" so a line never breaks inside an option. */
            fputc(p[i] == KEEP_TOGETHER ? ' ' : p[i], out);
        }
        col += word;
        p = word_end;
    }
    fputc('\n', out);
}

static int
compare_options(const void *a, const void *b)
{
    const rj_mqadmin_option_t *x = *(const rj_mqadmin_option_t *const *)a;
    const rj_mqadmin_option_t *y = *(const rj_mqadmin_option_t *const *)b;
    int cx = tolower((unsigned char)x->opt), cy = tolower((unsigned char)y->opt);
    return cx != cy ? cx - cy : x->opt - y->opt;
}

void
rj_mqadmin_cli_print_help(const rj_mqadmin_command_t *cmd, FILE *out)
{
    const rj_mqadmin_option_t *opts[MAX_OPTIONS];
    size_t n = all_options(cmd, opts, MAX_OPTIONS);
    qsort(opts, n, sizeof(opts[0]), compare_options);

    rj_buf_t usage = RJ_BUF_INIT;
    rj_buf_appendf(&usage, "usage: mqadmin %s", cmd->name);
    int groups_done[MAX_OPTIONS];
    size_t ngroups = 0;
    for (size_t i = 0; i < n; i++) {
        const rj_mqadmin_option_t *o = opts[i];
        if (o->group != 0) {
            bool done = false;
            for (size_t g = 0; g < ngroups; g++) {
                done = done || groups_done[g] == o->group;
            }
            if (done) {
                continue;
            }
            groups_done[ngroups++] = o->group;
            const char *sep = " ";
            for (size_t j = i; j < n; j++) {
                if (opts[j]->group == o->group) {
                    rj_buf_appendf(&usage, "%s-%c%s", sep, opts[j]->opt,
                                   opts[j]->has_arg ? "\x01<arg>" : "");
                    sep = " | ";
                }
            }
            rj_buf_append_cstr(&usage, " ");
            continue;
        }
        rj_buf_appendf(&usage, o->required ? " -%c%s" : " [-%c%s]", o->opt,
                       o->has_arg ? "\x01<arg>" : "");
    }
    if (rj_buf_terminate(&usage) == 0) {
        print_wrapped(out, (const char *)usage.data, 0, 7);
    }
    rj_buf_cleanup(&usage);

    char left[MAX_OPTIONS][128];
    size_t width = 0;
    for (size_t i = 0; i < n; i++) {
        snprintf(left[i], sizeof(left[i]), " -%c%s%s%s", opts[i]->opt,
                 opts[i]->long_name != NULL ? ",--" : "",
                 opts[i]->long_name != NULL ? opts[i]->long_name : "",
                 opts[i]->has_arg ? " <arg>" : "");
        size_t len = strlen(left[i]);
        width = len > width ? len : width;
    }
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%-*s%*s", (int)width, left[i], HELP_DESC_PAD, "");
        print_wrapped(out, opts[i]->desc != NULL ? opts[i]->desc : "", width + HELP_DESC_PAD,
                      width + HELP_DESC_PAD);
    }
}

/* ---- values ------------------------------------------------------------------------ */

bool
rj_mqadmin_cli_has(const rj_mqadmin_args_t *a, char opt)
{
    return a->present[(unsigned char)opt & 0x7f];
}

const char *
rj_mqadmin_cli_get(const rj_mqadmin_args_t *a, char opt)
{
    unsigned char k = (unsigned char)opt & 0x7f;
    return a->present[k] ? a->value[k] : NULL;
}

bool
rj_mqadmin_cli_bool(const rj_mqadmin_args_t *a, char opt, bool def)
{
    const char *v = rj_mqadmin_cli_get(a, opt);
    return v == NULL ? def : strcasecmp(v, "true") == 0;
}

int
rj_mqadmin_cli_timestamp(const char *text, int64_t *out)
{
    char *end = NULL;
    long long ms = strtoll(text, &end, 10);
    if (end != text && *end == '\0') {
        *out = ms;
        return 0;
    }
    int y, mo, d, h, mi, s, millis, consumed = 0;
    if (sscanf(text, "%4d-%2d-%2d#%2d:%2d:%2d:%3d%n", &y, &mo, &d, &h, &mi, &s, &millis,
               &consumed) != 7 ||
        text[consumed] != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        s > 60 || millis < 0) {
        return RJ_EINVAL;
    }
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    tm.tm_isdst = -1;
    time_t secs = mktime(&tm);
    if (secs == (time_t)-1) {
        return RJ_EINVAL;
    }
    *out = (int64_t)secs * 1000 + millis;
    return 0;
}
