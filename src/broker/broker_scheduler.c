/*
 * Scheduler thread: a libuv loop with one timer per periodic task, an async
 * handle for cross-thread wake-ups, a flag word for coalesced signals and a
 * mutex-guarded list of posted one-shot tasks. The thread's stack is kept
 * small: tasks do file writes and RPC waits, not deep recursion.
 */
#include "broker/broker_scheduler.h"

#include "common/alloc.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <uv.h>

#define SCHEDULER_STACK_BYTES (256 * 1024)

typedef struct periodic {
    uv_timer_t timer;
    int64_t first_ms, period_ms;
    rj_broker_task_fn fn;
    void *arg;
    struct periodic *next;
} periodic_t;

typedef struct posted {
    rj_broker_task_fn fn;
    void *arg;
    struct posted *next;
} posted_t;

struct rj_broker_scheduler {
    char name[32];
    uv_loop_t loop;
    uv_async_t wake;
    uv_thread_t thread;
    periodic_t *periodic;
    struct {
        rj_broker_task_fn fn;
        void *arg;
    } handlers[RJ_SCHEDULER_MAX_FLAGS];
    atomic_uint flags;
    pthread_mutex_t lock;
    posted_t *posted_head, *posted_tail;
    bool started, stopping, stopped;
    bool loop_inited;
};

int
rj_broker_scheduler_create(const char *name, rj_broker_scheduler_t **out)
{
    rj_broker_scheduler_t *s = rj_calloc(1, sizeof(*s));
    if (s == NULL) {
        return RJ_ENOMEM;
    }
    snprintf(s->name, sizeof(s->name), "%s", name);
    pthread_mutex_init(&s->lock, NULL);
    int rc = uv_loop_init(&s->loop);
    if (rc != 0) {
        pthread_mutex_destroy(&s->lock);
        rj_free(s);
        return rc;
    }
    s->loop_inited = true;
    *out = s;
    return 0;
}

int
rj_broker_scheduler_every(rj_broker_scheduler_t *s, int64_t first_ms, int64_t period_ms,
                          rj_broker_task_fn fn, void *arg)
{
    if (s->started) {
        return RJ_ESTATE;
    }
    periodic_t *p = rj_calloc(1, sizeof(*p));
    if (p == NULL) {
        return RJ_ENOMEM;
    }
    p->first_ms = first_ms < 0 ? 0 : first_ms;
    p->period_ms = period_ms < 0 ? 0 : period_ms;
    p->fn = fn;
    p->arg = arg;
    p->next = s->periodic;
    s->periodic = p;
    return 0;
}

int
rj_broker_scheduler_on_signal(rj_broker_scheduler_t *s, int bit, rj_broker_task_fn fn, void *arg)
{
    if (s->started) {
        return RJ_ESTATE;
    }
    if (bit < 0 || bit >= RJ_SCHEDULER_MAX_FLAGS) {
        return RJ_EINVAL;
    }
    s->handlers[bit].fn = fn;
    s->handlers[bit].arg = arg;
    return 0;
}

static void
run_flags(rj_broker_scheduler_t *s)
{
    unsigned flags = atomic_exchange(&s->flags, 0);
    for (int bit = 0; flags != 0 && bit < RJ_SCHEDULER_MAX_FLAGS; bit++) {
        if ((flags & (1u << bit)) && s->handlers[bit].fn != NULL) {
            s->handlers[bit].fn(s->handlers[bit].arg);
        }
    }
}

static void
run_posted(rj_broker_scheduler_t *s)
{
    pthread_mutex_lock(&s->lock);
    posted_t *list = s->posted_head;
    s->posted_head = s->posted_tail = NULL;
    pthread_mutex_unlock(&s->lock);
    while (list != NULL) {
        posted_t *next = list->next;
        list->fn(list->arg);
        rj_free(list);
        list = next;
    }
}

static void
on_timer_close(uv_handle_t *h)
{
    (void)h;
}

static void
on_wake(uv_async_t *h)
{
    rj_broker_scheduler_t *s = h->data;
    run_flags(s);
    run_posted(s);
    pthread_mutex_lock(&s->lock);
    bool stopping = s->stopping;
    pthread_mutex_unlock(&s->lock);
    if (stopping) {
        for (periodic_t *p = s->periodic; p != NULL; p = p->next) {
            uv_timer_stop(&p->timer);
            uv_close((uv_handle_t *)&p->timer, on_timer_close);
        }
        uv_close((uv_handle_t *)&s->wake, NULL);
    }
}

static void
on_timer(uv_timer_t *t)
{
    periodic_t *p = t->data;
    p->fn(p->arg);
}

static void
thread_main(void *arg)
{
    rj_broker_scheduler_t *s = arg;
    rj_log_set_thread_name(s->name);
    uv_run(&s->loop, UV_RUN_DEFAULT);
}

int
rj_broker_scheduler_start(rj_broker_scheduler_t *s)
{
    if (s->started) {
        return RJ_ESTATE;
    }
    int rc = uv_async_init(&s->loop, &s->wake, on_wake);
    if (rc != 0) {
        return rc;
    }
    s->wake.data = s;
    for (periodic_t *p = s->periodic; p != NULL; p = p->next) {
        uv_timer_init(&s->loop, &p->timer);
        p->timer.data = p;
        uv_timer_start(&p->timer, on_timer, (uint64_t)p->first_ms, (uint64_t)p->period_ms);
    }
    uv_thread_options_t opts = {.flags = UV_THREAD_HAS_STACK_SIZE,
                                .stack_size = SCHEDULER_STACK_BYTES};
    rc = uv_thread_create_ex(&s->thread, &opts, thread_main, s);
    if (rc != 0) {
        return rc;
    }
    s->started = true;
    return 0;
}

void
rj_broker_scheduler_signal(rj_broker_scheduler_t *s, int bit)
{
    if (bit < 0 || bit >= RJ_SCHEDULER_MAX_FLAGS) {
        return;
    }
    atomic_fetch_or(&s->flags, 1u << bit);
    pthread_mutex_lock(&s->lock);
    if (s->started && !s->stopping) {
        uv_async_send(&s->wake);
    }
    pthread_mutex_unlock(&s->lock);
}

int
rj_broker_scheduler_post(rj_broker_scheduler_t *s, rj_broker_task_fn fn, void *arg)
{
    posted_t *p = rj_malloc(sizeof(*p));
    if (p == NULL) {
        return RJ_ENOMEM;
    }
    p->fn = fn;
    p->arg = arg;
    p->next = NULL;
    pthread_mutex_lock(&s->lock);
    if (!s->started || s->stopping) {
        pthread_mutex_unlock(&s->lock);
        rj_free(p);
        return RJ_ESTATE;
    }
    if (s->posted_tail) {
        s->posted_tail->next = p;
    } else {
        s->posted_head = p;
    }
    s->posted_tail = p;
    uv_async_send(&s->wake);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

void
rj_broker_scheduler_stop(rj_broker_scheduler_t *s)
{
    pthread_mutex_lock(&s->lock);
    if (!s->started || s->stopping) {
        pthread_mutex_unlock(&s->lock);
        if (s->started && !s->stopped) {
            uv_thread_join(&s->thread);
            s->stopped = true;
        }
        return;
    }
    s->stopping = true;
    uv_async_send(&s->wake);
    pthread_mutex_unlock(&s->lock);
    uv_thread_join(&s->thread);
    pthread_mutex_lock(&s->lock);
    s->stopped = true;
    pthread_mutex_unlock(&s->lock);
}

void
rj_broker_scheduler_destroy(rj_broker_scheduler_t *s)
{
    if (s == NULL) {
        return;
    }
    rj_broker_scheduler_stop(s);
    if (s->loop_inited) {
        uv_run(&s->loop, UV_RUN_NOWAIT);
        uv_loop_close(&s->loop);
    }
    while (s->periodic != NULL) {
        periodic_t *next = s->periodic->next;
        rj_free(s->periodic);
        s->periodic = next;
    }
    while (s->posted_head != NULL) {
        posted_t *next = s->posted_head->next;
        rj_free(s->posted_head);
        s->posted_head = next;
    }
    pthread_mutex_destroy(&s->lock);
    rj_free(s);
}
