/*
 * The processor table, generated from the processor_*.c file names
 * (processor_list.inc, one XX(name) per file).
 */
#include "broker/processor.h"

#include "common/assert.h"
#include "common/log.h"
#include "remoting/request_code.h"

#define XX(name) extern const rj_broker_processor_t rj_processor_##name;
#include "broker/processor_list.inc"
#undef XX

static const rj_broker_processor_t *const processors[] = {
#define XX(name) &rj_processor_##name,
#include "broker/processor_list.inc"
#undef XX
    NULL,
};

int
rj_broker_processors_register(rj_broker_t *b, rj_server_t *srv, bool vip)
{
    for (size_t p = 0; processors[p] != NULL; p++) {
        const rj_broker_processor_t *proc = processors[p];
        for (size_t i = 0; i < proc->nhandlers; i++) {
            const rj_broker_handler_t *h = &proc->handlers[i];
            if (vip && h->code == RJ_REQ_PULL_MESSAGE) {
                continue;
            }
            int rc = rj_server_register(srv, h->code, h->mode, h->handler, b);
            if (rc != 0) {
                rj_log(RJ_LOG_ERROR, rc, "register processor %s code %d", proc->name, h->code);
                return rc;
            }
        }
    }
    return 0;
}

int
rj_broker_processors_start(rj_broker_t *b)
{
    for (size_t p = 0; processors[p] != NULL; p++) {
        if (processors[p]->start == NULL) {
            continue;
        }
        int rc = processors[p]->start(b);
        if (rc != 0) {
            rj_log(RJ_LOG_ERROR, rc, "start processor %s", processors[p]->name);
            while (p-- > 0) {
                if (processors[p]->stop != NULL) {
                    processors[p]->stop(b);
                }
            }
            return rc;
        }
    }
    return 0;
}

void
rj_broker_processors_stop(rj_broker_t *b)
{
    size_t n = RJ_ARRAY_SIZE(processors) - 1;
    while (n-- > 0) {
        if (processors[n]->stop != NULL) {
            processors[n]->stop(b);
        }
    }
}

const rj_broker_processor_t *
rj_broker_processor_for_code(int32_t code)
{
    for (size_t p = 0; processors[p] != NULL; p++) {
        for (size_t i = 0; i < processors[p]->nhandlers; i++) {
            if (processors[p]->handlers[i].code == code) {
                return processors[p];
            }
        }
    }
    return NULL;
}
