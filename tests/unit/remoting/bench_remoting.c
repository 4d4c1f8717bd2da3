/*
 * Remoting micro-benchmark (a tool, not a test):
 *   bench_remoting codec [iterations]        decode a real SEND_MESSAGE_V2 request
 *                                            and encode its response, in a loop
 *   bench_remoting raw [requests] [batch]    server + a blocking client pipelining
 *                                            batches of SEND_MESSAGE_V2 requests
 *   bench_remoting rpc [requests] [window]   server + rpc client, async invokes with
 *                                            `window` requests in flight
 * The server's handler answers like a broker's send: SUCCESS with msgId,
 * queueId, queueOffset, TRACE_ON, MSG_REGION.
 */
#include "remoting/rpc_client.h"
#include "remoting/server.h"

#include "common/clock.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Header of a Java 4.9.8 SEND_MESSAGE_V2 request (golden frame 41 shape). */
static const char send_header[] =
    "{\"code\":310,\"extFields\":{\"a\":\"please_rename_unique_group_name\",\"b\":\"TopicTest\","
    "\"c\":\"TBW102\",\"d\":\"4\",\"e\":\"1\",\"f\":\"0\",\"g\":\"1795794337123\",\"h\":\"0\","
    "\"i\":\"KEYS\\u0001k1\\u0002UNIQ_KEY\\u00017F0000010F6318B4AAC27C3D0F8D0000\\u0002WAIT\\u0001"
    "true\\u0002TAGS\\u0001TagA\",\"j\":\"0\",\"k\":\"false\",\"m\":\"false\",\"n\":\"broker-a\"},"
    "\"flag\":0,\"language\":\"JAVA\",\"opaque\":7,\"serializeTypeCurrentRPC\":\"JSON\","
    "\"version\":409}";

static atomic_long queue_offset;

static void
build_send_response(const rj_command_t *req, rj_command_t *resp)
{
    rj_command_init_response(resp, req, RJ_RESP_SUCCESS);
    rj_command_add_ext_cstr(resp, "msgId", "7F00000100002A9F0000000000000BB8");
    rj_command_add_ext_i64(resp, "queueId", 1);
    rj_command_add_ext_i64(resp, "queueOffset", atomic_fetch_add(&queue_offset, 1));
    rj_command_add_ext_cstr(resp, "TRACE_ON", "true");
    rj_command_add_ext_cstr(resp, "MSG_REGION", "DefaultRegion");
}

static int
send_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_command_t resp;
    (void)arg;
    if (rj_command_ext_find(cmd, "b") == NULL) {
        return RJ_EINVAL;
    }
    build_send_response(cmd, &resp);
    return rj_request_reply(req, &resp);
}

/* Appends one request frame (all with opaque 7: the raw client only counts responses). */
static void
make_request_frame(rj_buf_t *out, size_t body_len)
{
    static uint8_t body[4096];
    size_t h = strlen(send_header);
    rj_buf_append_be32(out, (uint32_t)(4 + h + body_len));
    rj_buf_append_be32(out, (uint32_t)h);
    rj_buf_append(out, send_header, h);
    rj_buf_append(out, body, body_len);
}

static int
bench_codec(long iterations)
{
    rj_buf_t frame = RJ_BUF_INIT, work = RJ_BUF_INIT, out = RJ_BUF_INIT;
    make_request_frame(&frame, 128);
    rj_buf_reserve(&work, frame.len);
    uint64_t t0 = rj_clock_mono_ns();
    size_t bytes = 0;
    for (long i = 0; i < iterations; i++) {
        rj_command_t cmd, resp;
        memcpy(work.data, frame.data, frame.len); /* decoding is in place */
        if (rj_command_decode(work.data, frame.len, 0, &cmd) <= 0) {
            fprintf(stderr, "decode failed\n");
            return 1;
        }
        build_send_response(&cmd, &resp);
        rj_buf_reset(&out);
        rj_command_encode(&resp, &out);
        bytes += out.len;
    }
    uint64_t ns = rj_clock_mono_ns() - t0;
    printf("codec: %ld decode+encode in %.3f s: %.0f ns each (response %zu bytes)\n", iterations,
           (double)ns / 1e9, (double)ns / (double)iterations, bytes / (size_t)iterations);
    rj_buf_cleanup(&frame);
    rj_buf_cleanup(&work);
    rj_buf_cleanup(&out);
    return 0;
}

static rj_server_t *
start_server(void)
{
    rj_server_t *srv;
    rj_server_options_t o;
    rj_server_options_init(&o);
    o.bind_host = "127.0.0.1";
    o.io_threads = 1;
    if (rj_server_create(&o, &srv) != 0 ||
        rj_server_register(srv, RJ_REQ_SEND_MESSAGE_V2, RJ_DISPATCH_INLINE, send_handler, NULL) !=
            0 ||
        rj_server_start(srv) != 0) {
        fprintf(stderr, "server start failed\n");
        exit(1);
    }
    return srv;
}

static int
bench_raw(long requests, int batch)
{
    rj_server_t *srv = start_server();
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET,
                              .sin_port = htons((uint16_t)rj_server_port(srv))};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
        perror("connect");
        return 1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    rj_buf_t frames = RJ_BUF_INIT;
    for (int i = 0; i < batch; i++) {
        make_request_frame(&frames, 128);
    }
    size_t rcap = 1 << 20, rlen = 0;
    uint8_t *rbuf = malloc(rcap);
    uint64_t t0 = rj_clock_mono_ns();
    long done = 0;
    while (done < requests) {
        for (size_t sent = 0; sent < frames.len;) {
            ssize_t n = send(fd, frames.data + sent, frames.len - sent, 0);
            if (n <= 0) {
                perror("send");
                return 1;
            }
            sent += (size_t)n;
        }
        /* Read until `batch` whole response frames have arrived (their sizes vary). */
        int frames_seen = 0;
        size_t off = 0;
        while (frames_seen < batch) {
            while (rlen - off >= 4 && rlen - off >= 4 + (size_t)rj_load_be32(rbuf + off) &&
                   frames_seen < batch) {
                off += 4 + (size_t)rj_load_be32(rbuf + off);
                frames_seen++;
            }
            if (frames_seen == batch) {
                break;
            }
            ssize_t n = recv(fd, rbuf + rlen, rcap - rlen, 0);
            if (n <= 0) {
                perror("recv");
                return 1;
            }
            rlen += (size_t)n;
        }
        memmove(rbuf, rbuf + off, rlen - off);
        rlen -= off;
        done += batch;
    }
    uint64_t ns = rj_clock_mono_ns() - t0;
    printf("raw: %ld requests (batches of %d) in %.3f s: %.0f req/s, %.2f us/req\n", done, batch,
           (double)ns / 1e9, (double)done / ((double)ns / 1e9), (double)ns / 1e3 / (double)done);
    close(fd);
    free(rbuf);
    rj_buf_cleanup(&frames);
    rj_server_destroy(srv);
    return 0;
}

typedef struct {
    rj_rpc_client_t *cli;
    char addr[64];
    atomic_long sent;
    atomic_long done;
    atomic_long failed;
    long total;
} rpc_state_t;

static void issue(rpc_state_t *s);

static void
rpc_done(int status, const rj_command_t *resp, void *arg)
{
    rpc_state_t *s = arg;
    if (status != 0 || resp->code != 0) {
        atomic_fetch_add(&s->failed, 1);
    }
    atomic_fetch_add(&s->done, 1);
    issue(s);
}

static void
issue(rpc_state_t *s)
{
    if (atomic_fetch_add(&s->sent, 1) >= s->total) {
        return;
    }
    static uint8_t body[128];
    rj_command_t req;
    rj_command_init_request(&req, RJ_REQ_SEND_MESSAGE_V2);
    rj_command_add_ext_cstr(&req, "a", "please_rename_unique_group_name");
    rj_command_add_ext_cstr(&req, "b", "TopicTest");
    rj_command_add_ext_cstr(&req, "c", "TBW102");
    rj_command_add_ext_i64(&req, "d", 4);
    rj_command_add_ext_i64(&req, "e", 1);
    rj_command_add_ext_i64(&req, "g", 1795794337123LL);
    rj_command_add_ext_cstr(&req, "i", "KEYS\001k1\002TAGS\001TagA");
    req.body = rj_bytes(body, sizeof(body));
    if (rj_rpc_client_invoke_async(s->cli, s->addr, &req, 10000, rpc_done, s) != 0) {
        atomic_fetch_add(&s->failed, 1);
        atomic_fetch_add(&s->done, 1);
    }
}

static int
bench_rpc(long requests, int window)
{
    rj_server_t *srv = start_server();
    rpc_state_t s = {.total = requests};
    rj_rpc_client_options_t o;
    rj_rpc_client_options_init(&o);
    rj_rpc_client_create(&o, &s.cli);
    rj_rpc_client_start(s.cli);
    snprintf(s.addr, sizeof(s.addr), "127.0.0.1:%d", rj_server_port(srv));
    uint64_t t0 = rj_clock_mono_ns();
    for (int i = 0; i < window; i++) {
        issue(&s);
    }
    while (atomic_load(&s.done) < requests) {
        rj_clock_sleep_ms(1);
    }
    uint64_t ns = rj_clock_mono_ns() - t0;
    printf("rpc: %ld requests (window %d) in %.3f s: %.0f req/s, %ld failed\n", requests, window,
           (double)ns / 1e9, (double)requests / ((double)ns / 1e9), atomic_load(&s.failed));
    rj_rpc_client_destroy(s.cli);
    rj_server_destroy(srv);
    return atomic_load(&s.failed) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "codec";
    rj_log_use_stderr();
    rj_log_set_level(getenv("BENCH_DEBUG") ? RJ_LOG_DEBUG : RJ_LOG_WARN);
    long n = argc > 2 ? atol(argv[2]) : 0;
    int k = argc > 3 ? atoi(argv[3]) : 0;
    if (strcmp(mode, "codec") == 0) {
        return bench_codec(n > 0 ? n : 1000000);
    }
    if (strcmp(mode, "raw") == 0) {
        return bench_raw(n > 0 ? n : 1000000, k > 0 ? k : 64);
    }
    if (strcmp(mode, "rpc") == 0) {
        return bench_rpc(n > 0 ? n : 500000, k > 0 ? k : 256);
    }
    fprintf(stderr, "usage: %s codec|raw|rpc [count] [batch|window]\n", argv[0]);
    return 2;
}
