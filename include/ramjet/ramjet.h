/*
 * libramjet: C client for Ramjet and Apache RocketMQ brokers.
 * Umbrella header; see each header for ownership, threads and errors.
 *
 *   ramjet/message.h   messages and message queues
 *   ramjet/producer.h  producer (sync, async, one-way, ordered, batch, transactional)
 *   ramjet/consumer.h  push consumer and lite pull consumer
 *   ramjet/admin.h     topic creation, routes, offsets
 *   ramjet/log.h       library log callback, last error text
 *   ramjet/status.h    status codes
 *   ramjet/version.h   version macros
 *
 * Environment: ROCKETMQ_SERIALIZE_TYPE, as for Java clients, chooses the
 * header format of every request the library sends ("JSON", the default, or
 * "ROCKETMQ", RocketMQ's binary header: cheaper to encode and decode on both
 * sides; brokers answer in the request's format). It is read once, when the
 * first producer, consumer or admin client starts.
 */
#ifndef RAMJET_RAMJET_H
#define RAMJET_RAMJET_H

#include "ramjet/status.h"
#include "ramjet/version.h"
#include "ramjet/log.h"
#include "ramjet/message.h"
#include "ramjet/producer.h"
#include "ramjet/consumer.h"
#include "ramjet/admin.h"

#endif
