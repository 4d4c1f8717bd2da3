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
