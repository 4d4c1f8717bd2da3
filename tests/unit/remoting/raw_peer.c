/* Test helper: blocking TCP peer for remoting tests. */
#include "raw_peer.h"

#include "common/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

int
raw_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

void
raw_send(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        assert_true(n > 0);
        p += n;
        len -= (size_t)n;
    }
}

void
raw_send_cmd(int fd, const rj_command_t *cmd)
{
    rj_buf_t b = RJ_BUF_INIT;
    assert_int_equal(rj_command_encode(cmd, &b), 0);
    raw_send(fd, b.data, b.len);
    rj_buf_cleanup(&b);
}

/* Reads into buf until it holds `want` bytes; false on EOF/timeout. */
static bool
read_exact(int fd, rj_buf_t *buf, size_t want, int64_t deadline)
{
    while (buf->len < want) {
        int left = (int)(deadline - rj_clock_mono_ms());
        if (left <= 0) {
            return false;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, left);
        if (r <= 0) {
            continue;
        }
        assert_int_equal(rj_buf_reserve(buf, want - buf->len), 0);
        ssize_t n = recv(fd, buf->data + buf->len, want - buf->len, 0);
        if (n <= 0) {
            return false;
        }
        buf->len += (size_t)n;
    }
    return true;
}

bool
raw_read_frame(int fd, rj_buf_t *buf, rj_command_t *cmd, int timeout_ms)
{
    int64_t deadline = rj_clock_mono_ms() + timeout_ms;
    rj_buf_reset(buf);
    if (!read_exact(fd, buf, 4, deadline)) {
        return false;
    }
    size_t total = 4 + (size_t)rj_load_be32(buf->data);
    if (!read_exact(fd, buf, total, deadline)) {
        return false;
    }
    assert_int_equal(rj_command_decode(buf->data, buf->len, 0, cmd), (int64_t)total);
    return true;
}

bool
raw_wait_closed(int fd, int timeout_ms)
{
    int64_t deadline = rj_clock_mono_ms() + timeout_ms;
    char tmp[4096];
    for (;;) {
        int left = (int)(deadline - rj_clock_mono_ms());
        if (left <= 0) {
            return false;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, left) <= 0) {
            continue;
        }
        ssize_t n = recv(fd, tmp, sizeof(tmp), 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
            return true;
        }
    }
}

bool
raw_quiet(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, timeout_ms) == 0;
}

bool
wait_until(bool (*cond)(void *arg), void *arg, int timeout_ms)
{
    int64_t deadline = rj_clock_mono_ms() + timeout_ms;
    while (!cond(arg)) {
        if (rj_clock_mono_ms() >= deadline) {
            return false;
        }
        rj_clock_sleep_ms(1);
    }
    return true;
}
