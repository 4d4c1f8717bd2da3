/*
 * The delayed-message service's processor: starts the schedule thread on a
 * master (schedule_service.h) and serves GET_ALL_DELAY_OFFSET, the
 * delayOffset.json content slaves copy.
 */
#include "broker/broker.h"
#include "broker/broker_reply.h"
#include "broker/processor.h"
#include "broker/schedule_service.h"
#include "common/alloc.h"
#include "common/fs.h"
#include "ramjet/status.h"
#include "remoting/response_code.h"

#include <stdio.h>
#include <string.h>

static int
handle_get_all_delay_offset(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_broker_json_t j;
    rj_json_writer_t *w = rj_broker_json_begin(&j);
    if (b->schedule != NULL) {
        rj_schedule_service_write(b->schedule, w);
    } else {
        rj_jw_object_begin(w);
        rj_jw_key(w, "offsetTable");
        rj_jw_object_begin(w);
        rj_jw_object_end(w);
        rj_jw_object_end(w);
    }
    return rj_broker_json_reply(&j, req, cmd);
}

static int
start_schedule(rj_broker_t *b)
{
    if (!rj_broker_is_master(b)) {
        return 0; /* slaves copy delayOffset.json; they never deliver */
    }
    char *root = rj_fs_expand_home(b->store_config.store_path_root_dir);
    if (root == NULL) {
        return RJ_ENOMEM;
    }
    size_t n = strlen(root) + 32;
    char *path = rj_malloc(n);
    int rc = RJ_ENOMEM;
    if (path != NULL) {
        snprintf(path, n, "%s/config/delayOffset.json", root);
        rc = rj_schedule_service_create(b, path, &b->schedule);
        if (rc == 0) {
            rc = rj_schedule_service_start(b->schedule);
        }
    }
    rj_free(path);
    rj_free(root);
    return rc;
}

static void
stop_schedule(rj_broker_t *b)
{
    rj_schedule_service_stop(b->schedule);
}

static const rj_broker_handler_t handlers[] = {
    {RJ_REQ_GET_ALL_DELAY_OFFSET, RJ_DISPATCH_WORKER, handle_get_all_delay_offset},
};

const rj_broker_processor_t rj_processor_schedule = {
    .name = "schedule",
    .handlers = handlers,
    .nhandlers = sizeof(handlers) / sizeof(handlers[0]),
    .start = start_schedule,
    .stop = stop_schedule,
};
