/*
 * Node.js child processes for the interop tests (see interop_node.h).
 *
 * fork + execv of the `node` found on PATH, stdout and stderr redirected to
 * files in the process's temp dir. Events are read by re-reading the stdout
 * file from the last complete line on: a line is used only once its newline
 * was written, so a partly written line is never parsed. Every live process
 * is also on a list, so that a test that fails half-way (cmocka jumps out of
 * it) can kill what it started in its teardown and print their output.
 */
#include "interop_node.h"

#include "common/alloc.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/fs.h"
#include "support/tempdir.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#define MAX_NODES 16

extern char **environ;

struct it_node {
    char label[64];
    char *dir;
    char out_path[1100];
    char err_path[1100];
    pid_t pid;
    int exit_code; /* valid once pid == 0 */
    size_t read_pos;
    json_t *events;
};

static char node_path[1024];
static char script_dir[1024];
static it_node_t *live[MAX_NODES];

static void
live_add(it_node_t *n)
{
    for (size_t i = 0; i < MAX_NODES; i++) {
        if (live[i] == NULL) {
            live[i] = n;
            return;
        }
    }
    fail_msg("more than %d node processes at once", MAX_NODES);
}

static void
live_remove(it_node_t *n)
{
    for (size_t i = 0; i < MAX_NODES; i++) {
        if (live[i] == n) {
            live[i] = NULL;
        }
    }
}

static bool
find_on_path(const char *name, char *out, size_t size)
{
    const char *path = getenv("PATH");
    if (path == NULL) {
        return false;
    }
    while (*path != '\0') {
        const char *end = strchr(path, ':');
        size_t len = end != NULL ? (size_t)(end - path) : strlen(path);
        snprintf(out, size, "%.*s/%s", (int)(len != 0 ? len : 1), len != 0 ? path : ".", name);
        if (access(out, X_OK) == 0) {
            return true;
        }
        if (end == NULL) {
            break;
        }
        path = end + 1;
    }
    return false;
}

const char *
it_node_script_dir(void)
{
    if (script_dir[0] == '\0') {
        const char *src = getenv("RJ_SOURCE_DIR");
        snprintf(script_dir, sizeof(script_dir), "%s/tests/interop", src != NULL ? src : ".");
    }
    return script_dir;
}

void
it_node_preflight(void)
{
    char path[1200];

    if (!find_on_path("node", node_path, sizeof(node_path))) {
        fail_msg("node (Node.js) is not on PATH; the interop tests run the ali-ons client with it "
                 "(scripts/deps.sh installs nodejs)");
    }
    snprintf(path, sizeof(path), "%s/node_modules/ali-ons/package.json", it_node_script_dir());
    if (access(path, R_OK) != 0) {
        fail_msg("%s is missing: run `make test` (it runs `npm ci` in tests/interop) before "
                 "these tests",
                 path);
    }
}

static it_node_t *
node_new(const char *label)
{
    if (node_path[0] == '\0') {
        it_node_preflight();
    }
    it_node_t *n = rj_malloc(sizeof(*n));
    assert_non_null(n);
    memset(n, 0, sizeof(*n));
    snprintf(n->label, sizeof(n->label), "%s", label);
    assert_int_equal(rj_tempdir_create("node", &n->dir), 0);
    snprintf(n->out_path, sizeof(n->out_path), "%s/stdout.jsonl", n->dir);
    snprintf(n->err_path, sizeof(n->err_path), "%s/stderr.log", n->dir);
    n->events = json_array();
    return n;
}

static void
node_spawn(it_node_t *n, const char *script, const char *arg, const char *home)
{
    char script_path[1200];
    char home_env[1100];

    snprintf(script_path, sizeof(script_path), "%s/%s", it_node_script_dir(), script);
    if (home != NULL) {
        snprintf(home_env, sizeof(home_env), "HOME=%s", home);
    }
    int out_fd = open(n->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int err_fd = open(n->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(out_fd >= 0 && err_fd >= 0);
    char *argv[] = {node_path, script_path, (char *)arg, NULL};
    /* The environment is built before fork: the child only calls async-signal-safe functions. */
    size_t nenv = 0;
    while (environ[nenv] != NULL) {
        nenv++;
    }
    char **envp = rj_malloc((nenv + 2) * sizeof(*envp));
    assert_non_null(envp);
    size_t k = 0;
    for (size_t i = 0; i < nenv; i++) {
        if (home == NULL || strncmp(environ[i], "HOME=", 5) != 0) {
            envp[k++] = environ[i];
        }
    }
    if (home != NULL) {
        envp[k++] = home_env;
    }
    envp[k] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        /* only async-signal-safe calls from here on */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(out_fd, STDOUT_FILENO);
        dup2(err_fd, STDERR_FILENO);
        int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd >= 0) {
            dup2(null_fd, STDIN_FILENO);
        }
        execve(node_path, argv, envp);
        _exit(127);
    }
    rj_free(envp);
    close(out_fd);
    close(err_fd);
    assert_true(pid > 0);
    n->pid = pid;
    live_add(n);
}

it_node_t *
it_node_start(const char *label, const char *script, const char *arg, const char *home)
{
    it_node_t *n = node_new(label);
    node_spawn(n, script, arg, home);
    return n;
}

it_node_t *
it_node_start_json(const char *label, const char *script, const json_t *arg, const char *home)
{
    char path[1100];
    char at[1200];

    it_node_t *n = node_new(label);
    snprintf(path, sizeof(path), "%s/arg.json", n->dir);
    assert_int_equal(json_dump_file(arg, path, JSON_COMPACT), 0);
    snprintf(at, sizeof(at), "@%s", path);
    node_spawn(n, script, at, home);
    return n;
}

json_t *
it_node_events(it_node_t *n)
{
    rj_buf_t data = RJ_BUF_INIT;

    if (rj_fs_read_file(n->out_path, &data) != 0) {
        rj_buf_cleanup(&data);
        return n->events;
    }
    while (n->read_pos < data.len) {
        const char *start = (const char *)data.data + n->read_pos;
        const char *nl = memchr(start, '\n', data.len - n->read_pos);
        if (nl == NULL) {
            break;
        }
        json_error_t err;
        json_t *j = json_loadb(start, (size_t)(nl - start), 0, &err);
        if (j == NULL) {
            it_node_dump(n);
            fail_msg("%s printed a line that is not JSON: %.*s (%s)", n->label,
                     (int)(nl - start > 200 ? 200 : nl - start), start, err.text);
        }
        json_array_append_new(n->events, j);
        n->read_pos += (size_t)(nl - start) + 1;
    }
    rj_buf_cleanup(&data);
    return n->events;
}

static bool
reap(it_node_t *n, int flags)
{
    int status;

    if (n->pid == 0) {
        return true;
    }
    pid_t r = waitpid(n->pid, &status, flags);
    if (r != n->pid) {
        return false;
    }
    n->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    n->pid = 0;
    return true;
}

bool
it_node_is_running(it_node_t *n)
{
    return !reap(n, WNOHANG);
}

int
it_node_wait(it_node_t *n, int timeout_ms)
{
    int64_t deadline = rj_clock_mono_ms() + timeout_ms;
    while (!reap(n, WNOHANG)) {
        if (rj_clock_mono_ms() > deadline) {
            kill(n->pid, SIGKILL);
            reap(n, 0);
            return -1;
        }
        rj_clock_sleep_ms(5);
    }
    return n->exit_code;
}

void
it_node_signal(it_node_t *n, int sig)
{
    if (!reap(n, WNOHANG)) {
        kill(n->pid, sig);
    }
}

int
it_node_stop(it_node_t *n, int timeout_ms)
{
    it_node_signal(n, SIGTERM);
    return it_node_wait(n, timeout_ms);
}

static void
print_tail(const char *path, const char *what, const char *label, size_t max)
{
    rj_buf_t data = RJ_BUF_INIT;
    if (rj_fs_read_file(path, &data) == 0 && data.len > 0) {
        size_t from = data.len > max ? data.len - max : 0;
        fprintf(stderr, "---- %s %s (last %zu bytes) ----\n%.*s\n", label, what, data.len - from,
                (int)(data.len - from), (const char *)data.data + from);
    }
    rj_buf_cleanup(&data);
}

void
it_node_dump(it_node_t *n)
{
    fprintf(stderr, "---- node process %s (%s) ----\n", n->label,
            n->pid != 0 ? "running" : "exited");
    print_tail(n->err_path, "stderr", n->label, 8192);
    print_tail(n->out_path, "stdout", n->label, 4096);
}

void
it_node_destroy(it_node_t *n)
{
    if (n == NULL) {
        return;
    }
    if (n->pid != 0) {
        kill(n->pid, SIGKILL);
        reap(n, 0);
    }
    live_remove(n);
    json_decref(n->events);
    rj_tempdir_remove(n->dir);
    rj_free(n);
}

void
it_node_destroy_all(void)
{
    for (size_t i = 0; i < MAX_NODES; i++) {
        if (live[i] != NULL) {
            it_node_dump(live[i]);
            it_node_destroy(live[i]);
        }
    }
}

json_t *
it_node_run_json(const char *label, const char *script, const json_t *arg, int timeout_ms)
{
    it_node_t *n = it_node_start_json(label, script, arg, NULL);
    int code = it_node_wait(n, timeout_ms);
    json_t *events = json_incref(it_node_events(n));
    if (code != 0) {
        it_node_dump(n);
        fail_msg("%s exited with %d", label, code);
    }
    it_node_destroy(n);
    return events;
}

size_t
it_events_count(const json_t *events, const char *ev)
{
    size_t i, count = 0;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        const char *v = json_string_value(json_object_get(e, "ev"));
        if (v != NULL && strcmp(v, ev) == 0) {
            count++;
        }
    }
    return count;
}

static bool
matches(const json_t *e, const char *ev, const char *topic)
{
    const char *v = json_string_value(json_object_get(e, "ev"));
    if (v == NULL || strcmp(v, ev) != 0) {
        return false;
    }
    if (topic == NULL) {
        return true;
    }
    const char *t = json_string_value(json_object_get(e, "topic"));
    return t != NULL && strcmp(t, topic) == 0;
}

const json_t *
it_events_last(const json_t *events, const char *ev, const char *topic)
{
    for (size_t i = json_array_size(events); i > 0; i--) {
        const json_t *e = json_array_get(events, i - 1);
        if (matches(e, ev, topic)) {
            return e;
        }
    }
    return NULL;
}

json_t *
it_events_select(const json_t *events, const char *ev, const char *topic)
{
    json_t *out = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        if (matches(e, ev, topic)) {
            json_array_append(out, e);
        }
    }
    return out;
}
