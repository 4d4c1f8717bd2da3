/*
 * Allocation wrappers. Every allocation of the tree goes through these so that
 * tests can make the n-th allocation fail (rj_alloc_fail_after) and daemons can
 * turn out-of-memory into a logged abort (rj_alloc_set_abort_on_oom) instead of
 * checking NULL at every call site that cannot recover anyway.
 */
#ifndef RJ_COMMON_ALLOC_H
#define RJ_COMMON_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

void *rj_malloc(size_t size);
void *rj_calloc(size_t count, size_t size);
void *rj_realloc(void *ptr, size_t size);
void rj_free(void *ptr);
char *rj_strdup(const char *s);
char *rj_strndup(const char *s, size_t n);

/* Daemons: abort with a log line when memory runs out. Library default: return NULL. */
void rj_alloc_set_abort_on_oom(bool enable);

/* Tests: let `n` more allocations succeed, then fail every following one; -1 disables. */
void rj_alloc_fail_after(long n);

#endif
