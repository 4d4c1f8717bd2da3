/* Synchronous raw remoting client for tests (see raw_client.h). */
#include "support/raw_client.h"

#include "common/alloc.h"
#include "common/clock.h"
#include "common/endian.h"
#include "ramjet/status.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RAW_MAX_FRAME (64u * 1024u * 1024u)

struct rj_raw_client {
    int fd;
    rj_buf_t in; /* bytes received and not yet returned */
};

static int
parse_addr(const char *addr, struct sockaddr_in *sa)
{
    char host[256];
    const char *colon = strrchr(addr, ':');
    if (colon == NULL || (size_t)(colon - addr) >= sizeof(host)) {
        return RJ_EINVAL;
    }
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = '\0';
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)atoi(colon + 1));
    if (strcmp(host, "localhost") == 0) {
        strcpy(host, "127.0.0.1");
    }
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : RJ_EINVAL;
}

int
rj_raw_client_connect(const char *addr, int timeout_ms, rj_raw_client_t **out)
{
    struct sockaddr_in sa;
    *out = NULL;
    int rc = parse_addr(addr, &sa);
    if (rc != 0) {
        return rc;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return -errno;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        if (errno != EINPROGRESS) {
            rc = -errno;
            close(fd);
            return rc;
        }
        struct pollfd pfd = {fd, POLLOUT, 0};
        int n = poll(&pfd, 1, timeout_ms);
        int err = 0;
        socklen_t elen = sizeof(err);
        if (n == 0) {
            close(fd);
            return RJ_ETIMEDOUT;
        }
        if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0) {
            rc = err != 0 ? -err : -errno;
            close(fd);
            return rc;
        }
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    rj_raw_client_t *c = rj_calloc(1, sizeof(*c));
    if (c == NULL) {
        close(fd);
        return RJ_ENOMEM;
    }
    c->fd = fd;
    *out = c;
    return 0;
}

void
rj_raw_client_close(rj_raw_client_t *c)
{
    if (c == NULL) {
        return;
    }
    close(c->fd);
    rj_buf_cleanup(&c->in);
    rj_free(c);
}

int
rj_raw_client_fd(const rj_raw_client_t *c)
{
    return c->fd;
}

int
rj_raw_client_send(rj_raw_client_t *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN) {
                struct pollfd pfd = {c->fd, POLLOUT, 0};
                poll(&pfd, 1, 1000);
                continue;
            }
            return (errno == EPIPE || errno == ECONNRESET) ? RJ_ECLOSED : -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads what is available within the deadline into c->in. 0, RJ_ETIMEDOUT, RJ_ECLOSED. */
static int
fill(rj_raw_client_t *c, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - rj_clock_mono_ms();
        if (left < 0) {
            return RJ_ETIMEDOUT;
        }
        struct pollfd pfd = {c->fd, POLLIN, 0};
        int n = poll(&pfd, 1, (int)left);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n == 0) {
            return RJ_ETIMEDOUT;
        }
        if (rj_buf_reserve(&c->in, 65536) != 0) {
            return RJ_ENOMEM;
        }
        ssize_t r = recv(c->fd, c->in.data + c->in.len, 65536, 0);
        if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (r <= 0) {
            return RJ_ECLOSED;
        }
        c->in.len += (size_t)r;
        return 0;
    }
}

int
rj_raw_client_read_frame(rj_raw_client_t *c, int timeout_ms, rj_buf_t *frame)
{
    int64_t deadline = rj_clock_mono_ms() + timeout_ms;
    rj_buf_reset(frame);
    for (;;) {
        if (c->in.len >= 4) {
            uint32_t len = rj_load_be32(c->in.data);
            if (len > RAW_MAX_FRAME) {
                return RJ_ETOOLARGE;
            }
            if (c->in.len >= 4 + (size_t)len) {
                int rc = rj_buf_append(frame, c->in.data, 4 + (size_t)len);
                if (rc == 0) {
                    rj_buf_consume(&c->in, 4 + (size_t)len);
                }
                return rc;
            }
        }
        int rc = fill(c, deadline);
        if (rc != 0) {
            return rc;
        }
    }
}

bool
rj_raw_client_wait_closed(rj_raw_client_t *c, int timeout_ms)
{
    int64_t deadline = rj_clock_mono_ms() + timeout_ms;
    for (;;) {
        int rc = fill(c, deadline);
        rj_buf_reset(&c->in);
        if (rc == RJ_ECLOSED) {
            return true;
        }
        if (rc != 0) {
            return false;
        }
    }
}

void
rj_raw_reply_cleanup(rj_raw_reply_t *reply)
{
    json_decref(reply->json);
    rj_buf_cleanup(&reply->frame);
    memset(reply, 0, sizeof(*reply));
}

static int32_t
json_i32(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int32_t)json_integer_value(v) : 0;
}

static int
split_reply(rj_raw_reply_t *reply)
{
    const rj_buf_t *f = &reply->frame;
    if (f->len < 8) {
        return RJ_EMALFORMED;
    }
    uint32_t word = rj_load_be32(f->data + 4);
    size_t hlen = word & 0xFFFFFFu;
    if (8 + hlen > f->len) {
        return RJ_EMALFORMED;
    }
    reply->serialize_type = (uint8_t)(word >> 24);
    reply->header = rj_bytes(f->data + 8, hlen);
    reply->body = rj_bytes(f->data + 8 + hlen, f->len - 8 - hlen);
    if (reply->serialize_type == 0) {
        json_error_t jerr;
        reply->json = json_loadb((const char *)reply->header.data, hlen, 0, &jerr);
        if (!json_is_object(reply->json)) {
            fprintf(stderr, "[raw_client] response header is not strict JSON: %s\n", jerr.text);
            return RJ_EMALFORMED;
        }
        reply->code = json_i32(reply->json, "code");
        reply->flag = json_i32(reply->json, "flag");
        reply->opaque = json_i32(reply->json, "opaque");
        reply->version = json_i32(reply->json, "version");
        reply->remark = json_string_value(json_object_get(reply->json, "remark"));
        const json_t *ext = json_object_get(reply->json, "extFields");
        reply->ext = json_is_object(ext) ? ext : NULL;
    }
    return 0;
}

int
rj_raw_client_read_reply(rj_raw_client_t *c, int timeout_ms, rj_raw_reply_t *reply)
{
    memset(reply, 0, sizeof(*reply));
    int rc = rj_raw_client_read_frame(c, timeout_ms, &reply->frame);
    if (rc == 0) {
        rc = split_reply(reply);
    }
    return rc;
}

int
rj_raw_client_call(rj_raw_client_t *c, const rj_buf_t *request, int timeout_ms,
                   rj_raw_reply_t *reply)
{
    memset(reply, 0, sizeof(*reply));
    int rc = rj_raw_client_send(c, request->data, request->len);
    return rc != 0 ? rc : rj_raw_client_read_reply(c, timeout_ms, reply);
}

const char *
rj_raw_reply_ext(const rj_raw_reply_t *reply, const char *key)
{
    return reply->ext != NULL ? json_string_value(json_object_get(reply->ext, key)) : NULL;
}

const char *
rj_raw_reply_body_text(rj_raw_reply_t *reply)
{
    static char empty[] = "";
    if (reply->body.len == 0) {
        return empty;
    }
    /* The body ends the frame: terminate the frame buffer right after it (may move it). */
    size_t off = (size_t)(reply->body.data - reply->frame.data);
    if (rj_buf_terminate(&reply->frame) != 0) {
        return empty;
    }
    reply->body = rj_bytes(reply->frame.data + off, reply->body.len);
    reply->header = rj_bytes(reply->frame.data + 8, reply->header.len);
    return (const char *)reply->body.data;
}

int
rj_raw_frame(rj_buf_t *out, uint8_t serialize_type, const void *header, size_t header_len,
             const void *body, size_t body_len)
{
    int rc = rj_buf_append_be32(out, (uint32_t)(4 + header_len + body_len));
    if (rc == 0) {
        rc = rj_buf_append_be32(out, ((uint32_t)serialize_type << 24) | (uint32_t)header_len);
    }
    if (rc == 0) {
        rc = rj_buf_append(out, header, header_len);
    }
    if (rc == 0 && body_len > 0) {
        rc = rj_buf_append(out, body, body_len);
    }
    return rc;
}

int
rj_raw_request_json(rj_buf_t *out, int32_t code, int32_t version, int32_t opaque, int32_t flag,
                    const char *ext_json, const void *body, size_t body_len)
{
    rj_buf_t h = RJ_BUF_INIT;
    int rc = rj_buf_appendf(&h, "{\"code\":%d,", code);
    if (rc == 0 && ext_json != NULL) {
        rc = rj_buf_appendf(&h, "\"extFields\":%s,", ext_json);
    }
    if (rc == 0) {
        rc = rj_buf_appendf(&h,
                            "\"flag\":%d,\"language\":\"JAVA\",\"opaque\":%d,"
                            "\"serializeTypeCurrentRPC\":\"JSON\",\"version\":%d}",
                            flag, opaque, version);
    }
    if (rc == 0) {
        rc = rj_raw_frame(out, 0, h.data, h.len, body, body_len);
    }
    rj_buf_cleanup(&h);
    return rc;
}
