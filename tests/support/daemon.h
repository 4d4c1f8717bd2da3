/*
 * Starting and stopping real daemons (mqnamesrv, mqbroker) for integration
 * tests, as style.md §9 describes:
 *
 *   - each daemon gets its own temp dir: HOME points into it (so ~/namesrv,
 *     ~/store, ~/logs land there), it is the working directory, stdout and
 *     stderr are captured to <dir>/stdout.log and <dir>/stderr.log;
 *   - RJ_PORT_FILE=<dir>/port: the daemon, started on port 0, writes its bound
 *     port there; start returns once that file holds a port and a TCP connect
 *     to 127.0.0.1:<port> succeeds (or fails fast if the process exits);
 *   - stop sends SIGTERM, waits, escalates to SIGKILL after a deadline, and
 *     reports the exit status; kill9 simulates a crash; restart reuses the
 *     same dir, arguments and (optionally) port;
 *   - the child gets PR_SET_PDEATHSIG=SIGKILL, so a test killed by its ctest
 *     timeout leaves no daemon behind;
 *   - when the environment variable named in `external_env` (e.g.
 *     RJ_TEST_NAMESRV=127.0.0.1:9876) is set, no process is started and the
 *     handle points at that daemon (run it under gdb); stop/kill9/restart then
 *     return RJ_ENOTSUP and tests needing them skip.
 *
 * Placeholders expanded in args, env and config_text at every (re)start:
 *   {dir}  the daemon's temp dir       {home}  <dir>/home
 *   {port} 0 at first start; with keep_port_on_restart, the port bound before
 *
 * Not thread-safe; one test thread drives its daemons.
 */
#ifndef RJ_TEST_DAEMON_H
#define RJ_TEST_DAEMON_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

typedef struct rj_daemon rj_daemon_t;

typedef struct {
    /* Binary: a name looked up in $RJ_BIN_DIR ("mqnamesrv"), or a path with a '/'. */
    const char *binary;
    /* Extra argv entries, NULL-terminated (may be NULL). Expanded. */
    const char *const *args;
    /* Extra environment entries "NAME=value", NULL-terminated (may be NULL). Expanded. */
    const char *const *env;
    /* If config_text is set, it is expanded and written to <dir>/<config_name>
       before every start (config_name default "daemon.conf"); pass "-c", "{dir}/<name>"
       in args to use it. */
    const char *config_name;
    const char *config_text;
    /* Environment variable naming an external daemon to reuse (may be NULL). */
    const char *external_env;
    /* Deadline for the port file + connect; 0: 20000 ms. */
    int start_timeout_ms;
    /* {port} expands to the previously bound port on restart. */
    bool keep_port_on_restart;
} rj_daemon_options_t;

/*
 * Creates the temp dir and starts the daemon; returns once it accepts TCP
 * connections. On failure prints the daemon's output to stderr and returns
 * -errno, RJ_ETIMEDOUT (not ready in time) or RJ_ECLOSED (exited during start);
 * *out is NULL then.
 */
int rj_daemon_start(const rj_daemon_options_t *opts, rj_daemon_t **out);

/*
 * SIGTERM, then SIGKILL after `timeout_ms` (0: 10000). *exit_status (may be
 * NULL) receives the exit code, or 128 + signal if it was killed by one.
 * Returns 0 when it exited by itself, RJ_ETIMEDOUT when SIGKILL was needed,
 * RJ_ESTATE if not running, RJ_ENOTSUP for an external daemon.
 */
int rj_daemon_stop(rj_daemon_t *d, int timeout_ms, int *exit_status);

/* SIGKILL + waitpid (a crash). Returns 0, RJ_ESTATE, RJ_ENOTSUP. */
int rj_daemon_kill9(rj_daemon_t *d);

/* Starts again (after stop or kill9) with the same dir and options; waits as start does. */
int rj_daemon_restart(rj_daemon_t *d);

/* Kills the daemon if still running, removes the temp dir (see tempdir.h), frees. NULL ok. */
void rj_daemon_destroy(rj_daemon_t *d);

bool rj_daemon_is_external(const rj_daemon_t *d);
/* True while the process runs (reaps it if it exited; then prints its output once). */
bool rj_daemon_is_running(rj_daemon_t *d);
pid_t rj_daemon_pid(const rj_daemon_t *d);

/* The temp dir ("" for an external daemon). */
const char *rj_daemon_dir(const rj_daemon_t *d);
/* Bound port, and "127.0.0.1:<port>" (or the external address). */
int rj_daemon_port(const rj_daemon_t *d);
const char *rj_daemon_addr(const rj_daemon_t *d);

/* True when captured stdout (`which` "stdout") or stderr ("stderr") contains `needle`. */
bool rj_daemon_output_contains(const rj_daemon_t *d, const char *which, const char *needle);

/* Waits up to `timeout_ms` for `needle` to appear in the captured stream. */
bool rj_daemon_wait_output(rj_daemon_t *d, const char *which, const char *needle, int timeout_ms);

/* Prints the last `max_bytes` (0: 16 KiB) of stdout and stderr to `to`, labelled. */
void rj_daemon_dump_output(const rj_daemon_t *d, FILE *to, size_t max_bytes);

#endif
