/*
 * Shared helpers of the name-server integration tests: start mqnamesrv with
 * short liveness timings in a temp dir, and send name-server requests over a
 * raw connection.
 */
#ifndef RJ_IT_NAMESRV_FIXTURE_H
#define RJ_IT_NAMESRV_FIXTURE_H

#include "support/daemon.h"
#include "support/raw_client.h"

#include <stdint.h>

/* Request version of a Java 4.9.8 client, and of ali-ons. */
#define IT_VERSION_JAVA 409
#define IT_VERSION_ALIONS 121

/* Wait limits; generous so that sanitizer builds on a busy machine pass. */
#define IT_TIMEOUT_MS 5000

/*
 * Starts mqnamesrv (-c <dir>/namesrv.conf) on 127.0.0.1, port 0, with the
 * liveness scan every `scan_ms` and expiry after `expiry_ms`; `extra_conf`
 * (may be NULL) is appended to the config file. Honours RJ_TEST_NAMESRV.
 */
int it_namesrv_start(int64_t scan_ms, int64_t expiry_ms, const char *extra_conf, rj_daemon_t **out);

/* A connection to the daemon (asserts on failure). */
rj_raw_client_t *it_connect(const rj_daemon_t *d);

/*
 * Sends one JSON request (fresh opaque) and reads its reply (asserts on
 * transport errors and on a reply to another opaque).
 */
void it_call(rj_raw_client_t *c, int32_t code, int32_t version, const char *ext_json,
             const void *body, size_t body_len, rj_raw_reply_t *reply);

/*
 * REGISTER_BROKER with a RegisterBrokerBody for `topics` (a JSON object text
 * of topicConfigTable entries, e.g. "{\"T\":{...}}"; NULL for none) at
 * DataVersion `counter`. flag 0 reads the reply into `reply`; flag 2 (one-way)
 * reads nothing.
 */
void it_register(rj_raw_client_t *c, const char *cluster, const char *name, int64_t id,
                 const char *addr, const char *ha, int64_t counter, const char *topics,
                 int32_t flag, rj_raw_reply_t *reply);

/* A topicConfigTable entry for `it_register`: "\"<t>\":{...}". Static buffer rotation (8). */
const char *it_topic(const char *name, int read, int write, int perm);

/* GET_ROUTEINFO_BY_TOPIC on a fresh connection: the response code; body text to *body (heap). */
int32_t it_route(const rj_daemon_t *d, const char *topic, int32_t version, char **body);

/* For rj_wait_until: true once GET_ROUTEINFO_BY_TOPIC answers TOPIC_NOT_EXIST. */
typedef struct {
    const rj_daemon_t *daemon;
    const char *topic;
} it_route_probe_t;
bool it_route_is_gone(void *probe);

#endif
