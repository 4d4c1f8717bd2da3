/*
 * The task signature shared by the scheduler and the executors: a function,
 * an argument and one extra word (so a task can name "messages 3..5 of this
 * batch" without allocating). A task always runs exactly once: normally, or
 * with `cancelled` true when its scheduler or executor stops first, so it can
 * release what `arg` holds.
 */
#ifndef RJ_CLIENT_TASK_H
#define RJ_CLIENT_TASK_H

#include <stdbool.h>
#include <stdint.h>

typedef void (*rj_task_fn)(void *arg, uint64_t extra, bool cancelled);

typedef struct {
    rj_task_fn fn;
    void *arg;
    uint64_t extra;
} rj_task_t;

#endif
