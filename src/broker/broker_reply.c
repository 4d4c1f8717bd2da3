/* Header field reading and common replies for the processors. */
#include "broker/broker_reply.h"

#include "ramjet/status.h"
#include "remoting/response_code.h"

#include <stdio.h>

void
rj_header_reader_init(rj_header_reader_t *h, const rj_command_t *cmd)
{
    h->cmd = cmd;
    h->missing = NULL;
    h->invalid = NULL;
}

/* Field `key` is absent (RJ_ENOTFOUND) or unparsable: the first failed required one is kept. */
static void
note_failure(rj_header_reader_t *h, const char *key, bool required, int rc)
{
    if (required && h->missing == NULL && h->invalid == NULL) {
        if (rc == RJ_ENOTFOUND) {
            h->missing = key;
        } else {
            h->invalid = key;
        }
    }
}

rj_bytes_t
rj_header_str(rj_header_reader_t *h, const char *key, bool required)
{
    rj_bytes_t v;
    if (rj_command_ext_get(h->cmd, key, &v)) {
        return v;
    }
    note_failure(h, key, required, RJ_ENOTFOUND);
    return RJ_BYTES_NULL;
}

int64_t
rj_header_i64(rj_header_reader_t *h, const char *key, bool required, int64_t def)
{
    int64_t v;
    int rc = rj_command_ext_i64(h->cmd, key, &v);
    if (rc == 0) {
        return v;
    }
    note_failure(h, key, required, rc);
    return def;
}

int32_t
rj_header_i32(rj_header_reader_t *h, const char *key, bool required, int32_t def)
{
    int32_t v;
    int rc = rj_command_ext_i32(h->cmd, key, &v);
    if (rc == 0) {
        return v;
    }
    note_failure(h, key, required, rc);
    return def;
}

bool
rj_header_bool(rj_header_reader_t *h, const char *key, bool def)
{
    bool v;
    return rj_command_ext_bool(h->cmd, key, &v) == 0 ? v : def;
}

bool
rj_header_failed(const rj_header_reader_t *h)
{
    return h->missing != NULL || h->invalid != NULL;
}

int
rj_header_reply_error(rj_header_reader_t *h, rj_request_t *req)
{
    char remark[160];
    if (h->missing != NULL) {
        snprintf(remark, sizeof(remark), "the custom field <%s> is null", h->missing);
    } else {
        snprintf(remark, sizeof(remark), "the custom field <%s> is not a number",
                 h->invalid ? h->invalid : "?");
    }
    return rj_broker_reply(req, h->cmd, RJ_RESP_SYSTEM_ERROR, remark, false);
}

int
rj_broker_reply(rj_request_t *req, const rj_command_t *cmd, int32_t code, const char *remark,
                bool with_header)
{
    rj_command_t resp;
    rj_command_init_response(&resp, cmd, code);
    rj_command_set_remark_cstr(&resp, remark);
    if (with_header) {
        rj_command_mark_ext_fields(&resp);
    }
    return rj_request_reply(req, &resp);
}

int
rj_broker_reply_slave_refusal(rj_request_t *req, const rj_command_t *cmd)
{
    /* AdminBrokerProcessor.validateSlave */
    return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR,
                           "Can't modify topic or subscription group from slave broker, please "
                           "execute it from master broker.",
                           false);
}

int
rj_broker_reply_topic_not_exist(rj_request_t *req, const rj_command_t *cmd, rj_bytes_t topic)
{
    char remark[300];
    snprintf(remark, sizeof(remark), "topic[%.*s] not exist", (int)topic.len,
             (const char *)topic.data);
    return rj_broker_reply(req, cmd, RJ_RESP_TOPIC_NOT_EXIST, remark, false);
}

int
rj_broker_reply_body(rj_request_t *req, const rj_command_t *cmd, rj_buf_t *body)
{
    rj_command_t resp;
    rj_command_init_response(&resp, cmd, 0);
    resp.body = rj_buf_view(body);
    return rj_request_reply(req, &resp);
}

void
rj_broker_write_mq(rj_json_writer_t *w, const char *broker_name, rj_bytes_t topic, int32_t queue_id)
{
    rj_jw_object_begin(w);
    rj_jw_key(w, "brokerName");
    rj_jw_string(w, broker_name);
    rj_jw_key(w, "queueId");
    rj_jw_int(w, queue_id);
    rj_jw_key(w, "topic");
    rj_jw_string_n(w, (const char *)topic.data, topic.len);
    rj_jw_object_end(w);
}

void
rj_broker_write_mq_key(rj_json_writer_t *w, const char *broker_name, rj_bytes_t topic,
                       int32_t queue_id)
{
    rj_buf_t key = RJ_BUF_INIT;
    rj_json_writer_t kw;
    rj_jw_init(&kw, &key, w->flags);
    rj_broker_write_mq(&kw, broker_name, topic, queue_id);
    if (rj_jw_finish(&kw) != 0) {
        w->err = w->err ? w->err : RJ_ENOMEM;
    } else {
        rj_jw_key_raw(w, (const char *)key.data, key.len);
    }
    rj_buf_cleanup(&key);
}

int
rj_broker_reply_json(rj_request_t *req, const rj_command_t *cmd, rj_json_writer_t *w)
{
    int rc = rj_jw_finish(w);
    if (rc != 0) {
        return rc;
    }
    return rj_broker_reply_body(req, cmd, w->out);
}

rj_json_writer_t *
rj_broker_json_begin(rj_broker_json_t *j)
{
    j->body = RJ_BUF_INIT;
    rj_jw_init(&j->w, &j->body, 0);
    return &j->w;
}

int
rj_broker_json_reply(rj_broker_json_t *j, rj_request_t *req, const rj_command_t *cmd)
{
    int rc = rj_broker_reply_json(req, cmd, &j->w);
    rj_buf_cleanup(&j->body);
    return rc;
}

void
rj_broker_json_discard(rj_broker_json_t *j)
{
    rj_buf_cleanup(&j->body);
}
