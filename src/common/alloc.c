/*
 * Allocation wrappers: failure injection for tests and abort-on-OOM for daemons.
 * The injection counter is only consulted when armed, so the common path costs
 * one relaxed atomic load.
 */
#include "common/alloc.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_bool abort_on_oom;
static atomic_long fail_countdown = -1;

void
rj_alloc_set_abort_on_oom(bool enable)
{
    atomic_store(&abort_on_oom, enable);
}

void
rj_alloc_fail_after(long n)
{
    atomic_store(&fail_countdown, n);
}

static bool
injected_failure(void)
{
    long n = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
    if (n < 0) {
        return false;
    }
    if (n == 0) {
        return true;
    }
    atomic_fetch_sub(&fail_countdown, 1);
    return false;
}

static void *
out_of_memory(size_t size)
{
    if (atomic_load(&abort_on_oom)) {
        char line[96];
        int n = snprintf(line, sizeof(line), "FATAL out of memory allocating %zu bytes\n", size);
        if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0) {
            /* nothing more can be done */
        }
        abort();
    }
    return NULL;
}

void *
rj_malloc(size_t size)
{
    void *p = injected_failure() ? NULL : malloc(size ? size : 1);
    return p ? p : out_of_memory(size);
}

void *
rj_calloc(size_t count, size_t size)
{
    void *p = injected_failure() ? NULL : calloc(count ? count : 1, size ? size : 1);
    return p ? p : out_of_memory(count * size);
}

void *
rj_realloc(void *ptr, size_t size)
{
    void *p = injected_failure() ? NULL : realloc(ptr, size ? size : 1);
    return p ? p : out_of_memory(size);
}

void
rj_free(void *ptr)
{
    free(ptr);
}

char *
rj_strndup(const char *s, size_t n)
{
    char *p = rj_malloc(n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *
rj_strdup(const char *s)
{
    return rj_strndup(s, strlen(s));
}
