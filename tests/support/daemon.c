/*
 * Daemon processes for integration tests (see daemon.h).
 *
 * fork + execve with the parent's environment plus HOME, RJ_PORT_FILE and the
 * caller's entries. Readiness is a condition, not a delay: the port file must
 * hold a port and a connect to it must succeed, polled every few ms until the
 * deadline, while waitpid(WNOHANG) notices a daemon that died during start.
 */
#include "support/daemon.h"

#include "common/alloc.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/fs.h"
#include "ramjet/status.h"
#include "support/tempdir.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MAX_ARGS 64
#define MAX_ENV 64

struct rj_daemon {
    char *binary_path;
    char *dir;
    char *args[MAX_ARGS];
    size_t nargs;
    char *env[MAX_ENV];
    size_t nenv;
    char *config_name;
    char *config_text;
    int start_timeout_ms;
    bool keep_port;
    bool external;
    bool dumped;
    pid_t pid;
    int port;
    char addr[300];
};

static char *
dup_or_null(const char *s)
{
    return s != NULL ? rj_strdup(s) : NULL;
}

/* Expands {dir}, {home} and {port} in `tmpl`. Heap string. */
static char *
expand(const rj_daemon_t *d, const char *tmpl)
{
    rj_buf_t out = RJ_BUF_INIT;
    for (const char *p = tmpl; *p != '\0';) {
        if (strncmp(p, "{dir}", 5) == 0) {
            rj_buf_append_cstr(&out, d->dir);
            p += 5;
        } else if (strncmp(p, "{home}", 6) == 0) {
            rj_buf_appendf(&out, "%s/home", d->dir);
            p += 6;
        } else if (strncmp(p, "{port}", 6) == 0) {
            rj_buf_appendf(&out, "%d", d->keep_port ? d->port : 0);
            p += 6;
        } else {
            rj_buf_append_u8(&out, (uint8_t)*p++);
        }
    }
    rj_buf_terminate(&out);
    return rj_buf_detach(&out, NULL);
}

static void
path_in_dir(const rj_daemon_t *d, const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", d->dir, name);
}

static int
read_port_file(const rj_daemon_t *d)
{
    char path[4096];
    path_in_dir(d, "port", path, sizeof(path));
    rj_buf_t data = RJ_BUF_INIT;
    int port = 0;
    if (rj_fs_read_file(path, &data) == 0 && rj_buf_terminate(&data) == 0) {
        char *end = NULL;
        long v = strtol((const char *)data.data, &end, 10);
        if (end != (const char *)data.data && v > 0 && v < 65536) {
            port = (int)v;
        }
    }
    rj_buf_cleanup(&data);
    return port;
}

static bool
can_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    return ok;
}

static int
status_code(int wstatus)
{
    if (WIFEXITED(wstatus)) {
        return WEXITSTATUS(wstatus);
    }
    if (WIFSIGNALED(wstatus)) {
        return 128 + WTERMSIG(wstatus);
    }
    return -1;
}

static int
spawn(rj_daemon_t *d)
{
    char path[4096];
    int rc;

    /* A stale port file from the previous run must not count as "ready". */
    path_in_dir(d, "port", path, sizeof(path));
    unlink(path);
    path_in_dir(d, "home", path, sizeof(path));
    rj_fs_mkdirs(path, 0755);
    if (d->config_text != NULL) {
        char *text = expand(d, d->config_text);
        rc = text != NULL ? rj_tempdir_write_file(d->dir, d->config_name, text) : -ENOMEM;
        rj_free(text);
        if (rc != 0) {
            return rc;
        }
    }

    /* argv and envp are built before fork: the child only calls async-signal-safe functions. */
    char *argv[MAX_ARGS + 2] = {0};
    char *envp[MAX_ENV + 512] = {0};
    size_t ne = 0;
    argv[0] = d->binary_path;
    for (size_t i = 0; i < d->nargs; i++) {
        argv[i + 1] = expand(d, d->args[i]);
    }
    char *home = NULL, *port_file = NULL;
    rj_buf_t b = RJ_BUF_INIT;
    rj_buf_appendf(&b, "HOME=%s/home", d->dir);
    rj_buf_terminate(&b);
    home = rj_buf_detach(&b, NULL);
    rj_buf_appendf(&b, "RJ_PORT_FILE=%s/port", d->dir);
    rj_buf_terminate(&b);
    port_file = rj_buf_detach(&b, NULL);
    char *extra[MAX_ENV] = {0};
    for (size_t i = 0; i < d->nenv; i++) {
        extra[i] = expand(d, d->env[i]);
    }
    for (char **e = environ; *e != NULL && ne < MAX_ENV + 400; e++) {
        if (strncmp(*e, "HOME=", 5) == 0 || strncmp(*e, "RJ_PORT_FILE=", 13) == 0) {
            continue;
        }
        bool overridden = false;
        for (size_t i = 0; i < d->nenv && !overridden; i++) {
            const char *eq = extra[i] != NULL ? strchr(extra[i], '=') : NULL;
            overridden = eq != NULL && strncmp(*e, extra[i], (size_t)(eq - extra[i]) + 1) == 0;
        }
        if (!overridden) {
            envp[ne++] = *e;
        }
    }
    envp[ne++] = home;
    envp[ne++] = port_file;
    for (size_t i = 0; i < d->nenv; i++) {
        envp[ne++] = extra[i];
    }

    char out_path[4096], err_path[4096];
    path_in_dir(d, "stdout.log", out_path, sizeof(out_path));
    path_in_dir(d, "stderr.log", err_path, sizeof(err_path));
    int out_fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int err_fd = open(err_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    pid_t parent = getpid();
    pid_t pid = (out_fd >= 0 && err_fd >= 0) ? fork() : -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(126);
        }
        dup2(out_fd, STDOUT_FILENO);
        dup2(err_fd, STDERR_FILENO);
        if (chdir(d->dir) != 0) {
            _exit(125);
        }
        execve(d->binary_path, argv, envp);
        _exit(127);
    }
    rc = pid > 0 ? 0 : -errno;
    if (out_fd >= 0) {
        close(out_fd);
    }
    if (err_fd >= 0) {
        close(err_fd);
    }
    for (size_t i = 0; i < d->nargs; i++) {
        rj_free(argv[i + 1]);
    }
    for (size_t i = 0; i < d->nenv; i++) {
        rj_free(extra[i]);
    }
    rj_free(home);
    rj_free(port_file);
    if (rc != 0) {
        return rc;
    }
    d->pid = pid;
    d->dumped = false;

    int64_t deadline = rj_clock_mono_ms() + d->start_timeout_ms;
    int64_t pause_ms = 1;
    for (;;) {
        int wstatus;
        if (waitpid(d->pid, &wstatus, WNOHANG) == d->pid) {
            fprintf(stderr, "[harness] %s exited during start with status %d\n", d->binary_path,
                    status_code(wstatus));
            d->pid = 0;
            rj_daemon_dump_output(d, stderr, 0);
            return RJ_ECLOSED;
        }
        int port = read_port_file(d);
        if (port > 0 && can_connect(port)) {
            d->port = port;
            snprintf(d->addr, sizeof(d->addr), "127.0.0.1:%d", port);
            return 0;
        }
        if (rj_clock_mono_ms() > deadline) {
            fprintf(stderr, "[harness] %s not ready after %d ms\n", d->binary_path,
                    d->start_timeout_ms);
            rj_daemon_dump_output(d, stderr, 0);
            rj_daemon_kill9(d);
            return RJ_ETIMEDOUT;
        }
        rj_clock_sleep_ms(pause_ms);
        if (pause_ms < 10) {
            pause_ms *= 2;
        }
    }
}

static int
resolve_binary(const char *binary, char **out)
{
    if (strchr(binary, '/') != NULL) {
        *out = rj_strdup(binary);
    } else {
        const char *bin_dir = getenv("RJ_BIN_DIR");
        if (bin_dir == NULL || bin_dir[0] == '\0') {
            fprintf(stderr, "[harness] RJ_BIN_DIR is not set (run the test through ctest)\n");
            return RJ_EINVAL;
        }
        rj_buf_t b = RJ_BUF_INIT;
        rj_buf_appendf(&b, "%s/%s", bin_dir, binary);
        rj_buf_terminate(&b);
        *out = rj_buf_detach(&b, NULL);
    }
    if (*out == NULL) {
        return RJ_ENOMEM;
    }
    if (access(*out, X_OK) != 0) {
        int rc = -errno;
        fprintf(stderr, "[harness] cannot execute %s: %s\n", *out, strerror(errno));
        return rc;
    }
    return 0;
}

static int
use_external(rj_daemon_t *d, const char *addr)
{
    const char *colon = strrchr(addr, ':');
    if (colon == NULL || atoi(colon + 1) <= 0) {
        fprintf(stderr, "[harness] external daemon address '%s' is not host:port\n", addr);
        return RJ_EINVAL;
    }
    d->external = true;
    d->port = atoi(colon + 1);
    snprintf(d->addr, sizeof(d->addr), "%s", addr);
    fprintf(stderr, "[harness] using the external daemon at %s\n", addr);
    return 0;
}

int
rj_daemon_start(const rj_daemon_options_t *opts, rj_daemon_t **out)
{
    *out = NULL;
    rj_daemon_t *d = rj_calloc(1, sizeof(*d));
    if (d == NULL) {
        return RJ_ENOMEM;
    }
    int rc;
    const char *ext = opts->external_env != NULL ? getenv(opts->external_env) : NULL;
    if (ext != NULL && ext[0] != '\0') {
        rc = use_external(d, ext);
        if (rc != 0) {
            rj_free(d);
            return rc;
        }
        d->dir = rj_strdup("");
        *out = d;
        return 0;
    }

    d->start_timeout_ms = opts->start_timeout_ms > 0 ? opts->start_timeout_ms : 20000;
    d->keep_port = opts->keep_port_on_restart;
    rc = resolve_binary(opts->binary, &d->binary_path);
    if (rc == 0) {
        const char *base = strrchr(opts->binary, '/');
        rc = rj_tempdir_create(base != NULL ? base + 1 : opts->binary, &d->dir);
    }
    for (size_t i = 0; rc == 0 && opts->args != NULL && opts->args[i] != NULL; i++) {
        if (i >= MAX_ARGS) {
            rc = RJ_ETOOLARGE;
            break;
        }
        d->args[d->nargs++] = rj_strdup(opts->args[i]);
    }
    for (size_t i = 0; rc == 0 && opts->env != NULL && opts->env[i] != NULL; i++) {
        if (i >= MAX_ENV) {
            rc = RJ_ETOOLARGE;
            break;
        }
        d->env[d->nenv++] = rj_strdup(opts->env[i]);
    }
    if (rc == 0) {
        d->config_name = rj_strdup(opts->config_name != NULL ? opts->config_name : "daemon.conf");
        d->config_text = dup_or_null(opts->config_text);
        rc = spawn(d);
    }
    if (rc != 0) {
        rj_daemon_destroy(d);
        return rc;
    }
    *out = d;
    return 0;
}

bool
rj_daemon_is_running(rj_daemon_t *d)
{
    if (d == NULL || d->external || d->pid <= 0) {
        return false;
    }
    int wstatus;
    if (waitpid(d->pid, &wstatus, WNOHANG) == d->pid) {
        fprintf(stderr, "[harness] %s (pid %d) exited unexpectedly with status %d\n",
                d->binary_path, (int)d->pid, status_code(wstatus));
        d->pid = 0;
        if (!d->dumped) {
            d->dumped = true;
            rj_daemon_dump_output(d, stderr, 0);
        }
        return false;
    }
    return true;
}

int
rj_daemon_stop(rj_daemon_t *d, int timeout_ms, int *exit_status)
{
    if (d->external) {
        return RJ_ENOTSUP;
    }
    if (d->pid <= 0) {
        return RJ_ESTATE;
    }
    if (timeout_ms <= 0) {
        timeout_ms = 10000;
    }
    kill(d->pid, SIGTERM);
    int64_t deadline = rj_clock_mono_ms() + timeout_ms;
    int wstatus = 0;
    int rc = 0;
    for (;;) {
        pid_t r = waitpid(d->pid, &wstatus, WNOHANG);
        if (r == d->pid) {
            break;
        }
        if (r < 0 && errno != EINTR) {
            rc = -errno;
            break;
        }
        if (rj_clock_mono_ms() > deadline) {
            fprintf(stderr, "[harness] %s did not stop within %d ms after SIGTERM, killing it\n",
                    d->binary_path, timeout_ms);
            rj_daemon_dump_output(d, stderr, 0);
            kill(d->pid, SIGKILL);
            waitpid(d->pid, &wstatus, 0);
            rc = RJ_ETIMEDOUT;
            break;
        }
        rj_clock_sleep_ms(2);
    }
    if (exit_status != NULL) {
        *exit_status = status_code(wstatus);
    }
    d->pid = 0;
    return rc;
}

int
rj_daemon_kill9(rj_daemon_t *d)
{
    if (d->external) {
        return RJ_ENOTSUP;
    }
    if (d->pid <= 0) {
        return RJ_ESTATE;
    }
    kill(d->pid, SIGKILL);
    int wstatus;
    while (waitpid(d->pid, &wstatus, 0) < 0 && errno == EINTR) {
    }
    d->pid = 0;
    return 0;
}

int
rj_daemon_restart(rj_daemon_t *d)
{
    if (d->external) {
        return RJ_ENOTSUP;
    }
    if (d->pid > 0) {
        return RJ_ESTATE;
    }
    return spawn(d);
}

void
rj_daemon_destroy(rj_daemon_t *d)
{
    if (d == NULL) {
        return;
    }
    if (!d->external && d->pid > 0) {
        rj_daemon_kill9(d);
    }
    const char *dump = getenv("RJ_TEST_DUMP");
    if (dump != NULL && dump[0] != '\0' && d->dir != NULL && d->dir[0] != '\0') {
        rj_daemon_dump_output(d, stderr, 0);
    }
    if (d->dir != NULL && d->dir[0] != '\0') {
        rj_tempdir_remove(d->dir);
    } else {
        rj_free(d->dir);
    }
    for (size_t i = 0; i < d->nargs; i++) {
        rj_free(d->args[i]);
    }
    for (size_t i = 0; i < d->nenv; i++) {
        rj_free(d->env[i]);
    }
    rj_free(d->config_name);
    rj_free(d->config_text);
    rj_free(d->binary_path);
    rj_free(d);
}

bool
rj_daemon_is_external(const rj_daemon_t *d)
{
    return d->external;
}

pid_t
rj_daemon_pid(const rj_daemon_t *d)
{
    return d->pid;
}

const char *
rj_daemon_dir(const rj_daemon_t *d)
{
    return d->dir;
}

int
rj_daemon_port(const rj_daemon_t *d)
{
    return d->port;
}

const char *
rj_daemon_addr(const rj_daemon_t *d)
{
    return d->addr;
}

static int
read_stream(const rj_daemon_t *d, const char *which, rj_buf_t *out)
{
    if (d->external || d->dir == NULL) {
        return RJ_ENOTSUP;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s.log", d->dir, which);
    int rc = rj_fs_read_file(path, out);
    if (rc == 0) {
        rc = rj_buf_terminate(out);
    }
    return rc;
}

bool
rj_daemon_output_contains(const rj_daemon_t *d, const char *which, const char *needle)
{
    rj_buf_t data = RJ_BUF_INIT;
    bool found = read_stream(d, which, &data) == 0 && data.data != NULL &&
                 memmem(data.data, data.len, needle, strlen(needle)) != NULL;
    rj_buf_cleanup(&data);
    return found;
}

bool
rj_daemon_wait_output(rj_daemon_t *d, const char *which, const char *needle, int timeout_ms)
{
    int64_t deadline = rj_clock_mono_ms() + timeout_ms;
    for (;;) {
        if (rj_daemon_output_contains(d, which, needle)) {
            return true;
        }
        if (rj_clock_mono_ms() > deadline) {
            return false;
        }
        rj_clock_sleep_ms(5);
    }
}

void
rj_daemon_dump_output(const rj_daemon_t *d, FILE *to, size_t max_bytes)
{
    static const char *const streams[] = {"stdout", "stderr"};
    if (max_bytes == 0) {
        max_bytes = 16 * 1024;
    }
    for (size_t i = 0; i < 2; i++) {
        rj_buf_t data = RJ_BUF_INIT;
        if (read_stream(d, streams[i], &data) != 0) {
            rj_buf_cleanup(&data);
            continue;
        }
        size_t skip = data.len > max_bytes ? data.len - max_bytes : 0;
        fprintf(to, "----- %s %s (%zu bytes%s) -----\n", d->binary_path, streams[i], data.len,
                skip ? ", tail" : "");
        if (data.len > 0) {
            fwrite(data.data + skip, 1, data.len - skip, to);
        }
        fprintf(to, "----- end of %s -----\n", streams[i]);
        rj_buf_cleanup(&data);
    }
    fflush(to);
}
