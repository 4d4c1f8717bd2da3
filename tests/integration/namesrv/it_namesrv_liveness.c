/*
 * Broker liveness over real sockets: a broker that stops registering leaves
 * the routes after the expiry (2 s here, scanned every 200 ms), a broker that
 * keeps registering stays, and a broker whose connection closes leaves at
 * once.
 */
#include "namesrv_fixture.h"

#include "common/alloc.h"
#include "common/clock.h"
#include "support/wait.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define SCAN_MS 200
#define EXPIRY_MS 2000

static void
stop_daemon(rj_daemon_t *d)
{
    if (!rj_daemon_is_external(d)) {
        int status = -1;
        assert_int_equal(rj_daemon_stop(d, 10000, &status), 0);
        assert_int_equal(status, 0);
    }
    rj_daemon_destroy(d);
}

static void
register_one(rj_raw_client_t *c, const char *name, const char *addr, const char *topic)
{
    char topics[1024];
    rj_raw_reply_t r;
    snprintf(topics, sizeof(topics), "{%s}", it_topic(topic, 4, 4, 6));
    it_register(c, "live", name, 0, addr, "127.0.0.1:1", 1, topics, 0, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
}

typedef struct {
    rj_daemon_t *daemon;
    rj_raw_client_t *keeper; /* broker that keeps registering */
    int64_t last_keepalive_ms;
} expiry_probe_t;

/* Re-registers the live broker every 300 ms while waiting for the silent one to expire. */
static bool
silent_broker_gone(void *arg)
{
    expiry_probe_t *p = arg;
    if (rj_clock_mono_ms() - p->last_keepalive_ms >= 300) {
        register_one(p->keeper, "it-live", "127.0.0.1:21011", "ItLiveTopic");
        p->last_keepalive_ms = rj_clock_mono_ms();
    }
    it_route_probe_t probe = {p->daemon, "ItSilentTopic"};
    return it_route_is_gone(&probe);
}

static void
test_silent_broker_expires_and_live_one_stays(void **state)
{
    (void)state;
    rj_daemon_t *d;
    assert_int_equal(it_namesrv_start(SCAN_MS, EXPIRY_MS, NULL, &d), 0);
    if (rj_daemon_is_external(d)) {
        rj_daemon_destroy(d);
        skip();
    }
    rj_raw_client_t *silent = it_connect(d), *keeper = it_connect(d);
    int64_t t0 = rj_clock_mono_ms();
    register_one(silent, "it-silent", "127.0.0.1:21001", "ItSilentTopic");
    register_one(keeper, "it-live", "127.0.0.1:21011", "ItLiveTopic");
    assert_int_equal(it_route(d, "ItSilentTopic", IT_VERSION_JAVA, NULL), 0);

    expiry_probe_t p = {d, keeper, rj_clock_mono_ms()};
    assert_true(rj_wait_until(silent_broker_gone, &p, EXPIRY_MS + 8000));
    int64_t elapsed = rj_clock_mono_ms() - t0;
    /* Not before the expiry (a little slack for clock granularity). */
    if (elapsed < EXPIRY_MS - 100) {
        fail_msg("broker removed after %lld ms, before the %d ms expiry", (long long)elapsed,
                 EXPIRY_MS);
    }
    assert_int_equal(it_route(d, "ItLiveTopic", IT_VERSION_JAVA, NULL), 0);
    /* As Java, the expired broker's connection is closed by the name server. */
    assert_true(rj_raw_client_wait_closed(silent, IT_TIMEOUT_MS));
    assert_true(rj_daemon_wait_output(d, "stderr", "127.0.0.1:21001 expired", IT_TIMEOUT_MS));

    rj_raw_client_close(silent);
    rj_raw_client_close(keeper);
    stop_daemon(d);
}

typedef struct {
    rj_daemon_t *daemon;
    char *body; /* last route seen (heap) */
} master_probe_t;

static bool
master_gone(void *arg)
{
    master_probe_t *p = arg;
    rj_free(p->body);
    p->body = NULL;
    if (it_route(p->daemon, "ItCloseTopic", IT_VERSION_JAVA, &p->body) != 0) {
        return false;
    }
    return strstr(p->body, "22001") == NULL;
}

static void
test_closed_connection_removes_broker_at_once(void **state)
{
    (void)state;
    rj_daemon_t *d;
    /* Expiry a minute away: only the closed connection can remove the broker in time. */
    assert_int_equal(it_namesrv_start(SCAN_MS, 60000, NULL, &d), 0);
    rj_raw_client_t *master = it_connect(d), *slave = it_connect(d);
    register_one(master, "it-close", "127.0.0.1:22001", "ItCloseTopic");
    char topics[1024];
    rj_raw_reply_t r;
    snprintf(topics, sizeof(topics), "{%s}", it_topic("ItCloseTopic", 4, 4, 6));
    it_register(slave, "live", "it-close", 1, "127.0.0.1:22002", "127.0.0.1:1", 1, topics, 0, &r);
    rj_raw_reply_cleanup(&r);

    char *body = NULL;
    assert_int_equal(it_route(d, "ItCloseTopic", IT_VERSION_JAVA, &body), 0);
    assert_non_null(strstr(body, "22001"));
    rj_free(body);

    /* Master's connection closes: its address leaves the route at once, the slave's stays. */
    rj_raw_client_close(master);
    master_probe_t mp = {d, NULL};
    assert_true(rj_wait_until(master_gone, &mp, 3000));
    assert_non_null(strstr(mp.body, "{\"1\":\"127.0.0.1:22002\"}"));
    rj_free(mp.body);
    /* Last connection of the broker closes: the topic has no broker left. */
    rj_raw_client_close(slave);
    it_route_probe_t probe = {d, "ItCloseTopic"};
    assert_true(rj_wait_until(it_route_is_gone, &probe, 3000));
    stop_daemon(d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_silent_broker_expires_and_live_one_stays),
        cmocka_unit_test(test_closed_connection_removes_broker_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
