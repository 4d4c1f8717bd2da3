/*
 * The name server and brokers the multi-broker integration fixtures start
 * (client and interop tests): loopback, port 0, data and logs in each
 * daemon's temp dir, small store files so tests stay light, registration
 * every 10 s so route changes show up soon. Ports are kept across restarts.
 */
#ifndef RJ_TEST_SUPPORT_TEST_CLUSTER_H
#define RJ_TEST_SUPPORT_TEST_CLUSTER_H

#include "support/daemon.h"

/* mqnamesrv; RJ_TEST_NAMESRV names an external one instead (daemon.h). */
int rj_test_namesrv_start(rj_daemon_t **out);

/*
 * A master mqbroker `name` of DefaultCluster registered with `ns`;
 * `extra_conf` (may be NULL) adds broker.conf lines.
 */
int rj_test_broker_start(const rj_daemon_t *ns, const char *name, const char *extra_conf,
                         rj_daemon_t **out);

#endif
