/*
 * Delayed-message delivery (RocketMQ's ScheduleMessageService, features.md
 * §1): the store files a message with DELAY=n into SCHEDULE_TOPIC_XXXX queue
 * n-1 with its delivery time as consume-queue tags code; this service walks
 * each level's queue in order and, once a message is due, puts a copy to its
 * REAL_TOPIC / REAL_QID. Progress per level is `config/delayOffset.json`
 * (`{"offsetTable":{1:0,3:42}}`), written every flushDelayOffsetInterval
 * (10 s) and at stop. Runs on masters only, on its own thread.
 */
#ifndef RJ_BROKER_SCHEDULE_SERVICE_H
#define RJ_BROKER_SCHEDULE_SERVICE_H

#include "common/json_writer.h"

#include <stdint.h>

typedef struct rj_broker rj_broker_t;
typedef struct rj_schedule_service rj_schedule_service_t;

/* Loads delayOffset.json (or .bak). Returns 0, RJ_ECORRUPT or RJ_ENOMEM. */
int rj_schedule_service_create(rj_broker_t *b, const char *offsets_path,
                               rj_schedule_service_t **out);
int rj_schedule_service_start(rj_schedule_service_t *s);

/* Writes the offsets file if it changed. Blocking. */
int rj_schedule_service_persist(rj_schedule_service_t *s);

/* Writes the delayOffset.json content ({"offsetTable":{level:offset}}) to `w`. */
void rj_schedule_service_write(rj_schedule_service_t *s, rj_json_writer_t *w);

/* Next queue offset to deliver for `level` (1-based). */
int64_t rj_schedule_service_offset(rj_schedule_service_t *s, int32_t level);

/* Stops the thread and persists. Idempotent. */
void rj_schedule_service_stop(rj_schedule_service_t *s);
void rj_schedule_service_destroy(rj_schedule_service_t *s);

#endif
