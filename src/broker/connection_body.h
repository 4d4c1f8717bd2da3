/*
 * RocketMQ's Connection object, the element of the connectionSet of the
 * ConsumerConnection and ProducerConnection bodies
 * (GET_CONSUMER_CONNECTION_LIST, GET_PRODUCER_CONNECTION_LIST).
 */
#ifndef RJ_BROKER_CONNECTION_BODY_H
#define RJ_BROKER_CONNECTION_BODY_H

#include "common/json_writer.h"
#include "remoting/connection.h"

#include <stdint.h>

/* {"clientAddr":…,"clientId":…,"language":…,"version":…} for one client channel. */
void rj_connection_body_write(rj_json_writer_t *w, const rj_connection_t *conn,
                              const char *client_id, int32_t language, int32_t version);

#endif
