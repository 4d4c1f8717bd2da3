/* Small helpers shared by the examples: argument parsing and error reporting. */
#ifndef RAMJET_EXAMPLE_COMMON_H
#define RAMJET_EXAMPLE_COMMON_H

#include "ramjet/ramjet.h"

#include <stdio.h>
#include <stdlib.h>

static inline const char *
example_namesrv(int argc, char **argv)
{
    return argc > 1 ? argv[1] : "127.0.0.1:9876";
}

/* Exits with the library's explanation when `rc` is an error. */
static inline void
example_check(int rc, const char *what)
{
    if (rc != RJ_OK) {
        fprintf(stderr, "%s failed: %s (%s)\n", what, rj_strerror(rc), rj_last_error());
        exit(1);
    }
}

/* The library is silent by default; show its warnings on stderr. */
static inline void
example_log(int level, const char *line, size_t len, void *arg)
{
    (void)level;
    (void)arg;
    fprintf(stderr, "%.*s\n", (int)len, line);
}

#endif
