/*
 * The broker controller: configuration loading, component wiring, start-up
 * and orderly shutdown.
 *
 * Threads: the main thread creates, starts and shuts the broker down; the
 * remoting server's I/O threads run the inline processors; libuv's pool runs
 * the worker processors; the store runs its own threads; the long-poll
 * thread answers parked pulls; two scheduler threads do housekeeping
 * (persistence, client expiry, statistics) and name-server registration.
 */
#include "broker/broker.h"

#include "broker/long_poll.h"
#include "broker/processor.h"
#include "broker/rebalance_lock.h"
#include "broker/registrar.h"
#include "broker/schedule_service.h"
#include "broker/send_throttle.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/fs.h"
#include "common/log.h"
#include "ramjet/status.h"
#include "remoting/request_code.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHANNEL_EXPIRED_TIMEOUT_MS (120 * 1000)
#define CLIENT_SCAN_INTERVAL_MS (10 * 1000)

bool
rj_broker_is_master(const rj_broker_t *b)
{
    return b->store_config.broker_role != RJ_BROKER_ROLE_SLAVE;
}

/* ---- configuration ------------------------------------------------------- */

int
rj_broker_load_config(rj_broker_config_t *cfg, rj_store_config_t *scfg, const char *config_file,
                      const char *namesrv_addr, char *err, size_t err_size)
{
    rj_config_table_t extra[] = {{rj_store_config_options, scfg}};
    int rc;
    if (config_file != NULL) {
        rc = rj_broker_config_load_file(cfg, extra, 1, config_file, err, err_size);
        if (rc != 0) {
            return rc;
        }
    }
    if (namesrv_addr != NULL) {
        rc = rj_broker_config_set(cfg, extra, 1, "namesrvAddr", namesrv_addr, err, err_size);
        if (rc != 0) {
            return rc;
        }
    }
    rc = rj_broker_config_finish(cfg, err, err_size);
    if (rc != 0) {
        return rc;
    }
    if (scfg->broker_role == RJ_BROKER_ROLE_SLAVE) {
        if (cfg->broker_id <= 0) {
            snprintf(err, err_size, "Slave's brokerId must be > 0");
            return RJ_EINVAL;
        }
    } else {
        cfg->broker_id = 0;
    }
    return 0;
}

/* ---- callbacks from the managers ------------------------------------------- */

/* Auto-created topics are registered by their creators (rj_broker_register_then_reply). */
static void
on_topics_changed(void *arg, const char *topic, bool auto_created)
{
    rj_broker_t *b = arg;
    (void)topic;
    (void)auto_created;
    rj_broker_scheduler_signal(b->housekeeping, RJ_BROKER_SIGNAL_PERSIST_TOPICS);
}

static void
on_groups_changed(void *arg, const char *group)
{
    rj_broker_t *b = arg;
    (void)group;
    rj_broker_scheduler_signal(b->housekeeping, RJ_BROKER_SIGNAL_PERSIST_GROUPS);
}

/* DefaultConsumerIdsChangeListener: NOTIFY_CONSUMER_IDS_CHANGED to every channel of the group. */
static void
on_consumer_ids_changed(void *arg, const char *group, rj_connection_t *const *conns, size_t n)
{
    rj_broker_t *b = arg;
    if (!RJ_BROKER_CONFIG_LIVE_GET(&b->config, notify_consumer_ids_changed_enable)) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        rj_command_t req;
        rj_command_init_request(&req, RJ_REQ_NOTIFY_CONSUMER_IDS_CHANGED);
        rj_command_add_ext_cstr(&req, "consumerGroup", group);
        int rc = rj_connection_invoke_oneway(conns[i], &req);
        if (rc != 0 && rc != RJ_ECLOSED) {
            rj_log(RJ_LOG_WARN, rc, "notifyConsumerIdsChanged group=%s channel=%s", group,
                   rj_connection_remote_addr(conns[i]));
        }
    }
}

/* DefaultConsumerIdsChangeListener UNREGISTER: the group's filter data dies. */
static void
on_consumer_group_removed(void *arg, const char *group)
{
    rj_broker_t *b = arg;
    rj_consumer_filter_manager_unregister(b->filters, rj_bytes_from_cstr(group),
                                          rj_clock_wall_ms());
}

static void
on_connection_closed(rj_connection_t *conn, void *arg)
{
    rj_broker_t *b = arg;
    rj_consumer_manager_connection_closed(b->consumers, conn, true);
    rj_producer_manager_connection_closed(b->producers, conn);
}

static void
on_message_arriving(void *arg, rj_bytes_t topic, int32_t queue_id, int64_t logic_offset,
                    int64_t tags_code, int64_t store_timestamp, rj_bytes_t properties)
{
    rj_broker_t *b = arg;
    (void)store_timestamp;
    if (b->long_poll != NULL) {
        rj_long_poll_notify(b->long_poll, topic, queue_id, logic_offset - 1, tags_code, properties);
    }
}

static int64_t
long_poll_max_offset(void *arg, rj_bytes_t topic, int32_t queue_id)
{
    rj_broker_t *b = arg;
    return rj_store_get_max_offset_in_queue(b->store, topic, queue_id);
}

/* ---- scheduled tasks -------------------------------------------------------- */

static void
task_persist_offsets(void *arg)
{
    rj_broker_t *b = arg;
    rj_offset_manager_persist(b->offsets);
    rj_consumer_filter_manager_persist(b->filters, rj_clock_wall_ms());
}

static void
task_persist_topics(void *arg)
{
    rj_broker_t *b = arg;
    rj_topic_manager_persist(b->topics);
}

static void
task_persist_groups(void *arg)
{
    rj_broker_t *b = arg;
    rj_group_manager_persist(b->groups);
}

static void
task_scan_clients(void *arg)
{
    rj_broker_t *b = arg;
    int64_t now = rj_clock_wall_ms();
    rj_consumer_manager_scan_idle(b->consumers, now, CHANNEL_EXPIRED_TIMEOUT_MS);
    rj_producer_manager_scan_idle(b->producers, now, CHANNEL_EXPIRED_TIMEOUT_MS);
}

static void
task_sample_stats(void *arg)
{
    rj_broker_t *b = arg;
    rj_store_stats_t st;
    rj_store_get_stats(b->store, &st);
    rj_broker_stats_store_totals(&b->stats, st.get_message_times_total_found,
                                 st.get_message_times_total_miss, st.dispatch_behind_bytes);
    rj_broker_stats_sample(&b->stats);
}

static void
task_sample_group_stats(void *arg)
{
    rj_broker_t *b = arg;
    rj_group_stats_sample(b->group_stats, rj_clock_wall_ms());
}

static void
task_register_periodic(void *arg)
{
    rj_broker_t *b = arg;
    if (atomic_load(&b->shutting_down)) {
        return;
    }
    rj_registrar_register(b->registrar, true, RJ_BROKER_CONFIG_LIVE_GET(&b->config, force_register),
                          NULL);
    /* An ORDER_TOPIC_CONFIG answer may have changed order flags. */
    rj_broker_scheduler_signal(b->housekeeping, RJ_BROKER_SIGNAL_PERSIST_TOPICS);
}

/* ---- registration of auto-created topics ------------------------------------- */

typedef struct {
    rj_broker_t *broker;
    rj_deferred_t *deferred; /* NULL: registration only */
    rj_command_t *resp;
} registered_reply_t;

/* RPC loop thread (or the caller's when nothing could be sent): answer now. */
static void
on_created_topic_registered(int acked, void *arg)
{
    registered_reply_t *rr = arg;
    (void)acked; /* as in 4.9.8, a name server that did not take it is only logged */
    if (rr->deferred != NULL) {
        rj_deferred_reply(rr->deferred, rr->resp);
    }
    rj_command_destroy(rr->resp);
    rj_free(rr);
}

/*
 * Registration thread: the whole topic table, as registerBrokerAll sends. Not
 * only the new topic: a name server that restarted meanwhile would take a
 * one-topic registration with the current DataVersion as complete and ignore
 * the next full one (RouteInfoManager skips topics of an unchanged version).
 */
static void
task_register_created(void *arg)
{
    registered_reply_t *rr = arg;
    rj_registrar_register_async(rr->broker->registrar, false, NULL, on_created_topic_registered,
                                rr);
}

void
rj_broker_register_then_reply(rj_broker_t *b, rj_deferred_t *d, const rj_command_t *resp)
{
    registered_reply_t *rr = rj_malloc(sizeof(*rr));
    rj_command_t *copy = rr != NULL && d != NULL ? rj_command_dup(resp) : NULL;
    if (rr == NULL || (d != NULL && copy == NULL)) {
        rj_free(rr);
        if (d != NULL) {
            rj_command_t now = *resp;
            rj_deferred_reply(d, &now);
        }
        return;
    }
    rr->broker = b;
    rr->deferred = d;
    rr->resp = copy;
    if (!atomic_load(&b->registrar_ready)) {
        on_created_topic_registered(0, rr);
        return;
    }
    /* The body holds every topic: encoded on the registration thread, not an I/O thread. */
    if (rj_broker_scheduler_post(b->registration, task_register_created, rr) != 0) {
        task_register_created(rr);
    }
}

/* ---- create / start / shutdown ---------------------------------------------- */

static char *
config_path(const rj_broker_t *b, const char *name)
{
    char *root = rj_fs_expand_home(b->store_config.store_path_root_dir);
    if (root == NULL) {
        return NULL;
    }
    size_t n = strlen(root) + strlen(name) + 16;
    char *path = rj_malloc(n);
    if (path != NULL) {
        snprintf(path, n, "%s/config/%s", root, name);
    }
    rj_free(root);
    return path;
}

int
rj_broker_create(rj_broker_config_t *cfg, rj_store_config_t *scfg, rj_broker_t **out)
{
    rj_broker_t *b = rj_calloc(1, sizeof(*b));
    if (b == NULL) {
        return RJ_ENOMEM;
    }
    b->config = *cfg;
    b->store_config = *scfg;
    memset(cfg, 0, sizeof(*cfg));
    memset(scfg, 0, sizeof(*scfg));
    b->ha_listen_fd = -1;
    b->boot_ms = rj_clock_wall_ms();
    pthread_mutex_init(&b->config_lock, NULL);
    rj_data_version_init(&b->config_version);
    rj_broker_stats_init(&b->stats);

    int rc = RJ_ENOMEM;
    char *topics_path = config_path(b, "topics.json");
    char *groups_path = config_path(b, "subscriptionGroup.json");
    char *offsets_path = config_path(b, "consumerOffset.json");
    char *filters_path = config_path(b, "consumerFilter.json");
    if (topics_path == NULL || groups_path == NULL || offsets_path == NULL ||
        filters_path == NULL) {
        goto done;
    }
    rj_topic_manager_options_t topts = {
        .config_path = topics_path,
        .cluster_name = b->config.broker_cluster_name,
        .broker_name = b->config.broker_name,
        .auto_create_topic_enable = b->config.auto_create_topic_enable,
        .default_topic_queue_nums = b->config.default_topic_queue_nums,
        .cluster_topic_enable = b->config.cluster_topic_enable,
        .broker_topic_enable = b->config.broker_topic_enable,
        .trace_topic_enable = b->config.trace_topic_enable,
        .trace_topic_name = b->config.msg_trace_topic_name,
    };
    if ((rc = rj_topic_manager_create(&topts, &b->topics)) != 0 ||
        (rc = rj_group_manager_create(groups_path, b->config.auto_create_subscription_group,
                                      &b->groups)) != 0 ||
        (rc = rj_offset_manager_create(offsets_path, &b->offsets)) != 0 ||
        (rc = rj_consumer_manager_create(&b->consumers)) != 0 ||
        (rc = rj_consumer_filter_manager_create(filters_path, b->config.filter_data_clean_time_span,
                                                &b->filters)) != 0 ||
        (rc = rj_producer_manager_create(&b->producers)) != 0 ||
        (rc = rj_group_stats_create(&b->group_stats)) != 0 ||
        (rc = rj_broker_scheduler_create("BrokerHousekeep", &b->housekeeping)) != 0 ||
        (rc = rj_broker_scheduler_create("BrokerRegister", &b->registration)) != 0) {
        goto done;
    }
    rj_topic_manager_set_change_cb(b->topics, on_topics_changed, b);
    rj_group_manager_set_change_cb(b->groups, on_groups_changed, b);
    rj_consumer_manager_set_change_cb(b->consumers, on_consumer_ids_changed, b);
    rj_consumer_manager_set_removed_cb(b->consumers, on_consumer_group_removed, b);

    rj_long_poll_options_t lpo = {
        .max_offset = long_poll_max_offset,
        .arg = b,
        .check_interval_ms =
            b->config.long_polling_enable ? 5000 : b->config.short_polling_time_mills,
    };
    rc = rj_long_poll_create(&lpo, &b->long_poll);
done:
    rj_free(topics_path);
    rj_free(groups_path);
    rj_free(offsets_path);
    rj_free(filters_path);
    if (rc != 0) {
        rj_broker_destroy(b);
        return rc;
    }
    *out = b;
    return 0;
}

/*
 * The VIP channel: clients with vipChannelEnabled send to listenPort - 2. A
 * port that cannot be bound (taken, or below 1) leaves the broker without it,
 * with a warning: such clients then fail to connect, the others are unaffected.
 */
static int
start_vip_server(rj_broker_t *b, const rj_server_options_t *main_opts)
{
    int port = b->listen_port - 2;
    if (port < 1) {
        rj_log(RJ_LOG_WARN, 0, "no VIP channel: listen port %d leaves no port below it",
               b->listen_port);
        return 0;
    }
    rj_server_options_t so = *main_opts;
    so.name = "broker-vip";
    so.port = port;
    so.io_threads = 1;
    int rc = rj_server_create(&so, &b->vip_server);
    if (rc == 0) {
        rc = rj_broker_processors_register(b, b->vip_server, true);
    }
    if (rc != 0) {
        return rc;
    }
    rc = rj_server_start(b->vip_server);
    if (rc != 0) {
        rj_log(RJ_LOG_WARN, rc, "no VIP channel: cannot listen on port %d", port);
        rj_server_destroy(b->vip_server);
        b->vip_server = NULL;
        return 0;
    }
    b->vip_port = port;
    rj_log(RJ_LOG_INFO, 0, "VIP channel listening on port %d", port);
    return 0;
}

/* Reserves the HA port: the replication service takes this socket over. */
static int
reserve_ha_port(rj_broker_t *b, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sin.sin_addr.s_addr = htonl(INADDR_ANY);
    socklen_t len = sizeof(sin);
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
        int rc = -errno;
        close(fd);
        return rc;
    }
    b->ha_listen_fd = fd;
    b->ha_port = ntohs(sin.sin_port);
    return 0;
}

static int
start_schedulers(rj_broker_t *b)
{
    int rc;
    int64_t period = b->config.register_name_server_period;
    period = period < 10000 ? 10000 : (period > 60000 ? 60000 : period);
    if ((rc = rj_broker_scheduler_every(b->housekeeping, b->config.flush_consumer_offset_interval,
                                        b->config.flush_consumer_offset_interval,
                                        task_persist_offsets, b)) != 0 ||
        (rc = rj_broker_scheduler_every(b->housekeeping, CLIENT_SCAN_INTERVAL_MS,
                                        CLIENT_SCAN_INTERVAL_MS, task_scan_clients, b)) != 0 ||
        (rc = rj_broker_scheduler_every(b->housekeeping, 1000, 1000, task_sample_stats, b)) != 0 ||
        (rc = rj_broker_scheduler_every(b->housekeeping, RJ_GROUP_STATS_SAMPLE_MS,
                                        RJ_GROUP_STATS_SAMPLE_MS, task_sample_group_stats, b)) !=
            0 ||
        (rc = rj_broker_scheduler_on_signal(b->housekeeping, RJ_BROKER_SIGNAL_PERSIST_TOPICS,
                                            task_persist_topics, b)) != 0 ||
        (rc = rj_broker_scheduler_on_signal(b->housekeeping, RJ_BROKER_SIGNAL_PERSIST_GROUPS,
                                            task_persist_groups, b)) != 0 ||
        (rc = rj_broker_scheduler_every(b->registration, 10000, period, task_register_periodic,
                                        b)) != 0 ||
        (rc = rj_broker_scheduler_start(b->housekeeping)) != 0 ||
        (rc = rj_broker_scheduler_start(b->registration)) != 0) {
        return rc;
    }
    return 0;
}

int
rj_broker_start(rj_broker_t *b)
{
    int rc;
    char *config_dir = config_path(b, "");
    rc = config_dir ? rj_fs_mkdirs(config_dir, 0755) : RJ_ENOMEM;
    rj_free(config_dir);
    if (rc != 0) {
        rj_log(RJ_LOG_ERROR, rc, "cannot create the config directory under %s",
               b->store_config.store_path_root_dir);
        return rc;
    }
    if ((rc = rj_topic_manager_load(b->topics)) != 0 ||
        (rc = rj_group_manager_load(b->groups)) != 0 ||
        (rc = rj_offset_manager_load(b->offsets)) != 0 ||
        (rc = rj_consumer_filter_manager_load(b->filters, rj_clock_wall_ms())) != 0) {
        rj_log(RJ_LOG_ERROR, rc, "cannot load the broker's config files");
        return rc;
    }

    rj_store_callbacks_t scb = {.arriving = on_message_arriving, .arriving_arg = b};
    rc = rj_store_open(&b->store_config, &scb, &b->store);
    if (rc != 0) {
        rj_log(RJ_LOG_ERROR, rc, "cannot open the store at %s",
               b->store_config.store_path_root_dir);
        return rc;
    }

    rj_server_options_t so;
    rj_server_options_init(&so);
    so.name = "broker";
    so.port = b->config.listen_port;
    so.io_threads = b->config.server_selector_threads;
    so.idle_timeout_s = b->config.server_channel_max_idle_time_seconds;
    so.on_close = on_connection_closed;
    so.cb_arg = b;
    if ((rc = rj_server_create(&so, &b->server)) != 0 ||
        (rc = rj_broker_processors_register(b, b->server, false)) != 0) {
        return rc;
    }
    rc = rj_server_start(b->server);
    if (rc != 0) {
        rj_log(RJ_LOG_ERROR, rc, "cannot listen on port %d", b->config.listen_port);
        return rc;
    }
    b->listen_port = rj_server_port(b->server);
    if ((rc = start_vip_server(b, &so)) != 0) {
        return rc;
    }
    rc = reserve_ha_port(b, b->config.listen_port == 0 ? 0 : b->listen_port + 1);
    if (rc == -EADDRINUSE) {
        /* listenPort + 1 is taken (by an unrelated socket): advertise a free one instead. */
        rj_log(RJ_LOG_WARN, rc, "HA port %d is in use, using a free port instead",
               b->listen_port + 1);
        rc = reserve_ha_port(b, 0);
    }
    if (rc != 0) {
        rj_log(RJ_LOG_ERROR, rc, "cannot listen on the HA port");
        return rc;
    }
    snprintf(b->broker_addr, sizeof(b->broker_addr), "%s:%d", b->config.broker_ip1, b->listen_port);
    snprintf(b->ha_addr, sizeof(b->ha_addr), "%s:%d", b->config.broker_ip2, b->ha_port);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)b->listen_port)};
    if (inet_pton(AF_INET, b->config.broker_ip1, &sin.sin_addr) != 1) {
        rj_log(RJ_LOG_ERROR, 0, "brokerIP1 '%s' is not an IPv4 address", b->config.broker_ip1);
        return RJ_ECONFIG;
    }
    rj_msg_host_from_sockaddr((const struct sockaddr *)&sin, &b->store_host);

    if ((rc = rj_store_start(b->store)) != 0) {
        rj_log(RJ_LOG_ERROR, rc, "cannot start the store");
        return rc;
    }
    if ((rc = rj_long_poll_start(b->long_poll)) != 0 || (rc = rj_broker_processors_start(b)) != 0) {
        return rc;
    }

    rj_rpc_client_options_t ro;
    rj_rpc_client_options_init(&ro);
    ro.name = "BrokerOuter";
    if ((rc = rj_rpc_client_create(&ro, &b->rpc)) != 0 || (rc = rj_rpc_client_start(b->rpc)) != 0 ||
        (rc = rj_registrar_create(b, &b->registrar)) != 0) {
        return rc;
    }
    if ((rc = start_schedulers(b)) != 0) {
        return rc;
    }
    /* Topics auto-created from now on are registered by their creators; earlier ones are in
       this first registration. */
    atomic_store(&b->registrar_ready, true);
    rj_registrar_register(b->registrar, true, true, NULL);
    rj_broker_scheduler_signal(b->housekeeping, RJ_BROKER_SIGNAL_PERSIST_TOPICS);
    rj_broker_scheduler_signal(b->housekeeping, RJ_BROKER_SIGNAL_PERSIST_GROUPS);
    return 0;
}

void
rj_broker_shutdown(rj_broker_t *b)
{
    if (atomic_exchange(&b->shutting_down, true)) {
        return;
    }
    rj_log(RJ_LOG_INFO, 0, "broker shutting down");
    if (b->registration != NULL) {
        rj_broker_scheduler_stop(b->registration);
    }
    /* Parked pulls are answered now; later pulls are answered at once. */
    rj_broker_processors_stop(b);
    if (b->long_poll != NULL) {
        rj_long_poll_stop(b->long_poll);
    }
    /* Completes pending SYNC_FLUSH waits (their replies queue on the connections), flushes, marker.
     */
    if (b->store != NULL) {
        rj_store_shutdown(b->store);
    }
    if (b->vip_server != NULL) {
        rj_server_stop(b->vip_server);
    }
    if (b->server != NULL) {
        rj_server_stop(b->server);
    }
    if (b->registrar != NULL) {
        rj_registrar_unregister(b->registrar);
    }
    if (b->housekeeping != NULL) {
        rj_broker_scheduler_stop(b->housekeeping);
    }
    if (b->offsets != NULL) {
        rj_offset_manager_persist(b->offsets);
    }
    if (b->filters != NULL) {
        rj_consumer_filter_manager_persist(b->filters, rj_clock_wall_ms());
    }
    if (b->topics != NULL) {
        rj_topic_manager_persist(b->topics);
    }
    if (b->groups != NULL) {
        rj_group_manager_persist(b->groups);
    }
    if (b->rpc != NULL) {
        rj_rpc_client_stop(b->rpc);
    }
    rj_log(RJ_LOG_INFO, 0, "broker shut down");
}

void
rj_broker_destroy(rj_broker_t *b)
{
    if (b == NULL) {
        return;
    }
    rj_broker_shutdown(b);
    rj_broker_scheduler_destroy(b->tx_check);
    rj_broker_scheduler_destroy(b->registration);
    rj_broker_scheduler_destroy(b->housekeeping);
    rj_server_destroy(b->vip_server);
    rj_server_destroy(b->server);
    rj_long_poll_destroy(b->long_poll);
    rj_send_throttle_destroy(b->throttle);
    rj_schedule_service_destroy(b->schedule);
    rj_rebalance_lock_destroy(b->locks);
    rj_registrar_destroy(b->registrar);
    rj_rpc_client_destroy(b->rpc);
    rj_store_close(b->store);
    rj_consumer_manager_destroy(b->consumers);
    rj_consumer_filter_manager_destroy(b->filters);
    rj_producer_manager_destroy(b->producers);
    rj_offset_manager_destroy(b->offsets);
    rj_group_manager_destroy(b->groups);
    rj_topic_manager_destroy(b->topics);
    if (b->ha_listen_fd >= 0) {
        close(b->ha_listen_fd);
    }
    rj_broker_stats_cleanup(&b->stats);
    rj_group_stats_destroy(b->group_stats);
    for (size_t i = 0; i < b->nretired; i++) {
        rj_free(b->retired_strings[i]);
    }
    rj_free(b->retired_strings);
    pthread_mutex_destroy(&b->config_lock);
    rj_store_config_cleanup(&b->store_config);
    rj_broker_config_cleanup(&b->config);
    rj_free(b);
}
