/*
 * Request processors. A processor is one file, processor_<name>.c, that
 * defines
 *
 *     const rj_broker_processor_t rj_processor_<name> = {
 *         .name = "<name>", .handlers = handlers, .nhandlers = RJ_ARRAY_SIZE(handlers),
 *     };
 *
 * listing the request codes it serves, where each runs (INLINE on the I/O
 * thread for everything that never blocks, WORKER for disk scans and admin
 * work) and, optionally, start/stop hooks for state it owns. The build
 * collects every processor_*.c file (src/broker/CMakeLists.txt), so adding a
 * request family is adding a file; rj_broker_processors_register() installs
 * them all on the broker's server. Handlers get the rj_broker_t as `arg`.
 */
#ifndef RJ_BROKER_PROCESSOR_H
#define RJ_BROKER_PROCESSOR_H

#include "remoting/connection.h"
#include "remoting/server.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rj_broker rj_broker_t;

typedef struct {
    int32_t code;
    rj_dispatch_mode_t mode;
    rj_request_handler_cb handler;
} rj_broker_handler_t;

typedef struct {
    const char *name;
    const rj_broker_handler_t *handlers;
    size_t nhandlers;
    /* Optional: called after the store and managers are up, before serving. 0 or error. */
    int (*start)(rj_broker_t *b);
    /* Optional: called at shutdown before the server stops (e.g. answer parked requests). */
    void (*stop)(rj_broker_t *b);
} rj_broker_processor_t;

/*
 * Registers every processor's handlers on `srv`. The VIP server (`vip`) gets
 * all of them but PULL_MESSAGE, as RocketMQ's fast remoting server: pulls,
 * held for seconds by long polling, stay off the port producers use.
 * Returns 0 or the first error.
 */
int rj_broker_processors_register(rj_broker_t *b, rj_server_t *srv, bool vip);

/* Runs the start hooks in table order; on failure the started ones are stopped. */
int rj_broker_processors_start(rj_broker_t *b);

/* Runs the stop hooks in reverse order. */
void rj_broker_processors_stop(rj_broker_t *b);

/* The processor serving `code`, or NULL (tests, GET_BROKER_RUNTIME_INFO). */
const rj_broker_processor_t *rj_broker_processor_for_code(int32_t code);

#endif
