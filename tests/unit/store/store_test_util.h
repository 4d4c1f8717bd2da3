/*
 * Helpers shared by the store tests: temporary store directories, a small
 * configuration, message builders, log capture and vector files.
 */
#ifndef RJ_TEST_STORE_TEST_UTIL_H
#define RJ_TEST_STORE_TEST_UTIL_H

#include "common/alloc.h"
#include "common/buf.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/message_properties.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline char *
st_make_dir(const char *tag)
{
    char tmpl[256];
    const char *base = getenv("TMPDIR");
    snprintf(tmpl, sizeof(tmpl), "%s/rj_store_%s_XXXXXX", base ? base : "/tmp", tag);
    char *dir = rj_strdup(tmpl);
    if (mkdtemp(dir) == NULL) {
        rj_free(dir);
        return NULL;
    }
    return dir;
}

/* Small geometry: 1 MiB segments, 100-unit queue files, tiny index files. */
static inline void
st_config(rj_store_config_t *c, const char *dir)
{
    rj_store_config_init(c);
    rj_free(c->store_path_root_dir);
    c->store_path_root_dir = rj_strdup(dir);
    c->mapped_file_size_commit_log = 1 << 20;
    c->mapped_file_size_consume_queue = 100 * 20;
    c->max_hash_slot_num = 512;
    c->max_index_num = 2048;
    c->flush_interval_commit_log = 20;
    c->flush_commit_log_thorough_interval = 100;
    c->flush_interval_consume_queue = 50;
    c->flush_consume_queue_thorough_interval = 200;
}

static inline rj_msg_host_t
st_host(const char *ip, int port)
{
    rj_msg_host_t h;
    memset(&h, 0, sizeof(h));
    if (strchr(ip, ':') != NULL) {
        h.family = 6;
        inet_pton(AF_INET6, ip, h.addr);
    } else {
        h.family = 4;
        inet_pton(AF_INET, ip, h.addr);
    }
    h.port = port;
    return h;
}

static inline rj_store_msg_t
st_msg(const char *topic, int qid, const char *body, const char *props)
{
    rj_store_msg_t m;
    memset(&m, 0, sizeof(m));
    m.topic = rj_bytes_from_cstr(topic);
    m.queue_id = qid;
    m.body = rj_bytes_from_cstr(body);
    m.properties = rj_bytes_from_cstr(props);
    m.born_timestamp = 1700000000000LL;
    m.born_host = st_host("127.0.0.1", 40000);
    m.store_host = st_host("127.0.0.1", 10911);
    m.wait_store_msg_ok = true;
    return m;
}

/* Log capture: every line goes into a buffer that tests search. */
typedef struct {
    pthread_mutex_t mu;
    rj_buf_t text;
} st_log_t;

static st_log_t st_log_capture = {PTHREAD_MUTEX_INITIALIZER, {NULL, 0, 0}};

static inline void
st_log_sink(rj_log_level_t level, const char *line, size_t len, void *arg)
{
    (void)level;
    (void)arg;
    pthread_mutex_lock(&st_log_capture.mu);
    rj_buf_append(&st_log_capture.text, line, len);
    rj_buf_append_u8(&st_log_capture.text, '\n');
    pthread_mutex_unlock(&st_log_capture.mu);
    if (getenv("RJ_TEST_VERBOSE") != NULL) {
        fprintf(stderr, "%.*s\n", (int)len, line);
    }
}

static inline void
st_log_start(void)
{
    pthread_mutex_lock(&st_log_capture.mu);
    rj_buf_reset(&st_log_capture.text);
    pthread_mutex_unlock(&st_log_capture.mu);
    rj_log_set_level(RJ_LOG_INFO);
    rj_log_set_sink(st_log_sink, NULL);
}

static inline bool
st_log_contains(const char *needle)
{
    pthread_mutex_lock(&st_log_capture.mu);
    rj_buf_terminate(&st_log_capture.text);
    bool found = st_log_capture.text.data != NULL &&
                 strstr((const char *)st_log_capture.text.data, needle) != NULL;
    pthread_mutex_unlock(&st_log_capture.mu);
    return found;
}

static inline rj_buf_t
st_load_vector(const char *name)
{
    char path[1024];
    const char *src = getenv("RJ_SOURCE_DIR");
    snprintf(path, sizeof(path), "%s/tests/data/store/%s", src ? src : ".", name);
    rj_buf_t b = RJ_BUF_INIT;
    if (rj_fs_read_file(path, &b) != 0) {
        fprintf(stderr, "cannot read %s\n", path);
        abort();
    }
    return b;
}

#endif
