/*
 * Node.js scripts of tests/interop (the ali-ons client) run as child
 * processes of an interop test. Each process writes one JSON object per
 * stdout line; stdout and stderr go to files in a temp dir of its own, so a
 * test can read the events of several running processes at once without
 * pipes filling up, and print a process's stderr when a check fails.
 *
 * Not thread-safe: one test thread drives its processes. Helpers fail the
 * running cmocka test (fail_msg) instead of returning errors.
 */
#ifndef RJ_IT_INTEROP_NODE_H
#define RJ_IT_INTEROP_NODE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct it_node it_node_t;

/*
 * Fails the test unless `node` is on PATH and tests/interop/node_modules holds
 * ali-ons (installed by `make test`, which runs `npm ci` there). Never skips.
 */
void it_node_preflight(void);

/* tests/interop under RJ_SOURCE_DIR. */
const char *it_node_script_dir(void);

/*
 * Starts `node tests/interop/<script> <arg>` (arg: usually a JSON text).
 * `home` (may be NULL) replaces HOME for the process (ali-ons keeps
 * broadcasting offsets under $HOME). `label` names it in messages.
 */
it_node_t *it_node_start(const char *label, const char *script, const char *arg, const char *home);

/* Like it_node_start with a JSON value as argument (written to a file, passed as @file). */
it_node_t *it_node_start_json(const char *label, const char *script, const json_t *arg,
                              const char *home);

/*
 * All events printed so far (reads what was added since the last call).
 * Borrowed array, valid until destroy. Lines that are not JSON fail the test.
 */
json_t *it_node_events(it_node_t *n);

/* True while the process runs (reaps it when it exited). */
bool it_node_is_running(it_node_t *n);

/* Waits up to `timeout_ms` for the exit; returns the exit code, or -1 after killing it. */
int it_node_wait(it_node_t *n, int timeout_ms);

/* Sends a signal (no-op when it already exited). */
void it_node_signal(it_node_t *n, int sig);

/* Stops with SIGTERM and waits (SIGKILL after `timeout_ms`); returns the exit code or -1. */
int it_node_stop(it_node_t *n, int timeout_ms);

/* Prints the label, stderr and the last stdout lines (always done by destroy on failure). */
void it_node_dump(it_node_t *n);

/* Kills the process if it still runs, removes its temp dir, frees. NULL is a no-op. */
void it_node_destroy(it_node_t *n);

/*
 * Teardown after a failed check: dumps and destroys every process not yet
 * destroyed (the test jumped out before it could).
 */
void it_node_destroy_all(void);

/*
 * Runs a script to completion (up to `timeout_ms`); fails the test unless it
 * exits 0. Returns its events (a new reference: json_decref it).
 */
json_t *it_node_run_json(const char *label, const char *script, const json_t *arg, int timeout_ms);

/* ------------------------------------------------------------ event queries */

/* Number of events with "ev" == `ev`. */
size_t it_events_count(const json_t *events, const char *ev);

/* Last event with "ev" == `ev` and (if topic != NULL) "topic" == topic, or NULL. */
const json_t *it_events_last(const json_t *events, const char *ev, const char *topic);

/* New array (caller decrefs) of the events with "ev" == `ev` (and topic, if not NULL). */
json_t *it_events_select(const json_t *events, const char *ev, const char *topic);

#endif
