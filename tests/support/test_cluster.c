/* Name server and broker processes of the multi-broker fixtures (see test_cluster.h). */
#include "support/test_cluster.h"

#include <stdio.h>

int
rj_test_namesrv_start(rj_daemon_t **out)
{
    static const char *const args[] = {"-c", "{dir}/namesrv.conf", NULL};
    rj_daemon_options_t opts = {
        .binary = "mqnamesrv",
        .args = args,
        .config_name = "namesrv.conf",
        .config_text = "listenPort={port}\nbindAddress=127.0.0.1\n"
                       "kvConfigPath={dir}/store/kvConfig.json\nlogDir={dir}/logs\n",
        .external_env = "RJ_TEST_NAMESRV",
        .keep_port_on_restart = true,
    };
    return rj_daemon_start(&opts, out);
}

int
rj_test_broker_start(const rj_daemon_t *ns, const char *name, const char *extra_conf,
                     rj_daemon_t **out)
{
    char conf[2048];
    snprintf(conf, sizeof(conf),
             "brokerClusterName=DefaultCluster\n"
             "brokerName=%s\n"
             "brokerId=0\n"
             "listenPort={port}\n"
             "brokerIP1=127.0.0.1\n"
             "brokerIP2=127.0.0.1\n"
             "storePathRootDir={dir}/store\n"
             "logDir={dir}/logs\n"
             "mappedFileSizeCommitLog=8388608\n"
             "mappedFileSizeConsumeQueue=120000\n"
             "registerNameServerPeriod=10000\n"
             "namesrvAddr=%s\n"
             "%s",
             name, rj_daemon_addr(ns), extra_conf != NULL ? extra_conf : "");
    static const char *const args[] = {"-c", "{dir}/broker.conf", NULL};
    rj_daemon_options_t opts = {
        .binary = "mqbroker",
        .args = args,
        .config_name = "broker.conf",
        .config_text = conf,
        .keep_port_on_restart = true,
    };
    return rj_daemon_start(&opts, out);
}
