/*
 * Transactional producer (Java TransactionMQProducer): half-message send,
 * local transaction, END_TRANSACTION; and the answers to the broker's
 * CHECK_TRANSACTION_STATE, run on the producer's check thread so a slow check
 * callback never holds a remoting worker.
 */
#include "client/producer_internal.h"

#include "client/last_error.h"
#include "client/mq_client_api.h"
#include "client/pull_batch.h"
#include "common/alloc.h"
#include "common/log.h"
#include "common/message_id.h"
#include "common/message_properties.h"
#include "ramjet/status.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* END_TRANSACTION commitOrRollback values (MessageSysFlag). */
#define END_COMMIT 8
#define END_ROLLBACK 12
#define END_UNKNOWN 0

static int32_t
end_type(rj_transaction_state_t state)
{
    switch (state) {
    case RJ_TRANSACTION_COMMIT:
        return END_COMMIT;
    case RJ_TRANSACTION_ROLLBACK:
        return END_ROLLBACK;
    default:
        return END_UNKNOWN;
    }
}

int
rj_producer_transaction_start(rj_producer_t *p)
{
    if (p->tx_execute == NULL) {
        return RJ_OK;
    }
    return rj_executor_create("rjtxcheck", 1, &p->check_executor);
}

void
rj_producer_transaction_stop(rj_producer_t *p)
{
    rj_executor_destroy(p->check_executor);
    p->check_executor = NULL;
}

int
rj_producer_send_in_transaction(rj_producer_t *p, const rj_message_t *msg, void *exec_arg,
                                rj_send_result_t **result)
{
    rj_encode_opts_t opts = {0};
    rj_prop_buf_t props;
    rj_encode_info_t info;
    rj_prepared_msg_t pm;
    rj_send_result_t res;
    uint8_t *compressed = NULL;
    rj_transaction_state_t state = RJ_TRANSACTION_UNKNOWN;
    int rc;

    rj_client_clear_error();
    if (result != NULL) {
        *result = NULL;
    }
    if (p == NULL || p->tx_execute == NULL) {
        return rj_client_fail(RJ_ESTATE, "TransactionListener is null");
    }
    rc = rj_producer_check_message(p, msg);
    if (rc != RJ_OK) {
        return rc;
    }
    opts.transaction = true;
    opts.producer_group = p->group;
    rj_prop_buf_init(&props);
    rj_send_result_init(&res);
    rc = rj_producer_prepare(p, msg, &opts, &props, &info, &pm, &compressed);
    if (rc == RJ_OK) {
        rc = rj_producer_send_prepared(p, &pm, &res);
    }
    if (rc != RJ_OK) {
        goto out;
    }
    res.transaction_id = rj_send_result_store_cstr(&res, pm.msg_id);
    if (res.status == RJ_SEND_OK) {
        state = p->tx_execute(msg, res.transaction_id, exec_arg, p->tx_arg);
        if (state != RJ_TRANSACTION_COMMIT && state != RJ_TRANSACTION_ROLLBACK) {
            state = RJ_TRANSACTION_UNKNOWN;
        }
    } else {
        state = RJ_TRANSACTION_ROLLBACK;
    }
    res.transaction_state = state;

    /* END_TRANSACTION to the master that stored the half message. */
    rj_msg_host_t host;
    int64_t commitlog_offset = 0;
    char addr[128];
    if (rj_message_id_decode(res.offset_msg_id, strlen(res.offset_msg_id), &host,
                             &commitlog_offset) != 0) {
        rj_log(RJ_LOG_WARN, RJ_EMALFORMED, "half message id %s does not decode", res.offset_msg_id);
    } else if (rj_client_instance_master_addr(p->inst, res.broker_name, addr, sizeof(addr)) !=
               RJ_OK) {
        rj_log(RJ_LOG_WARN, RJ_ENOTFOUND, "no master for %s: END_TRANSACTION not sent",
               res.broker_name);
    } else {
        int erc = rj_api_end_transaction_oneway(rj_client_instance_rpc(p->inst), addr, p->group,
                                                res.queue_offset, commitlog_offset, end_type(state),
                                                false, res.msg_id, NULL, res.broker_name, NULL);
        if (erc != RJ_OK) {
            rj_log(RJ_LOG_WARN, erc, "END_TRANSACTION for %s: %s", res.msg_id, rj_last_error());
        }
    }
    if (result != NULL) {
        *result = rj_send_result_dup(&res);
        if (*result == NULL) {
            rc = RJ_ENOMEM;
        }
    }
out:
    rj_free(compressed);
    rj_prop_buf_cleanup(&props);
    rj_send_result_cleanup(&res);
    return rc;
}

/* ---------------------------------------------------------------- checks */

typedef struct {
    rj_producer_t *p;
    rj_command_t *cmd;
    char addr[128];
} check_task_t;

static void
check_run(void *arg, uint64_t extra, bool cancelled)
{
    check_task_t *t = arg;
    rj_producer_t *p = t->p;
    rj_pull_batch_t *b = NULL;
    rj_bytes_t tx_id = RJ_BYTES_NULL;
    char tx_text[128] = "";

    (void)extra;
    if (cancelled) {
        goto out;
    }
    int rc = rj_pull_batch_decode(t->cmd->body.data, t->cmd->body.len, NULL, -1, -1, &b);
    if (rc != RJ_OK || b->count != 1) {
        rj_log(RJ_LOG_WARN, rc, "CHECK_TRANSACTION_STATE from %s: body is not one message",
               t->addr);
        goto out;
    }
    rj_message_t *m = &b->msgs[0];
    const char *uniq = rj_message_prop_get(m, RJ_PROP_UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
    if (uniq != NULL) {
        m->transaction_id = uniq;
    }
    rj_transaction_state_t state = p->tx_check(m, p->tx_arg);
    if (rj_command_ext_get(t->cmd, "transactionId", &tx_id)) {
        rj_bytes_copy_cstr(tx_id, tx_text, sizeof(tx_text));
    }
    rj_log(RJ_LOG_DEBUG, 0, "transaction check of %s answered %d", m->msg_id, (int)state);
    rc = rj_api_end_transaction_oneway(rj_client_instance_rpc(p->inst), t->addr, p->group,
                                       m->queue_offset, m->commitlog_offset, end_type(state), true,
                                       uniq != NULL ? uniq : m->msg_id,
                                       tx_text[0] != '\0' ? tx_text : NULL, NULL, NULL);
    if (rc != RJ_OK) {
        rj_log(RJ_LOG_WARN, rc, "END_TRANSACTION after check: %s", rj_last_error());
    }
out:
    rj_pull_batch_release(b);
    rj_command_destroy(t->cmd);
    rj_free(t);
}

int
rj_producer_handle_check(rj_producer_t *p, rj_request_t *req, const rj_command_t *cmd)
{
    if (p->check_executor == NULL) {
        rj_log(RJ_LOG_WARN, 0, "CHECK_TRANSACTION_STATE for non-transactional producer %s",
               p->group);
        return RJ_OK;
    }
    check_task_t *t = rj_calloc(1, sizeof(*t));
    if (t == NULL) {
        return RJ_ENOMEM;
    }
    t->p = p;
    t->cmd = rj_command_dup(cmd);
    snprintf(t->addr, sizeof(t->addr), "%s", rj_connection_remote_addr(rj_request_connection(req)));
    if (t->cmd == NULL || rj_executor_submit(p->check_executor, check_run, t, 0) != RJ_OK) {
        rj_command_destroy(t->cmd);
        rj_free(t);
        return RJ_ENOMEM;
    }
    return RJ_OK;
}
