/*
 * MQVersion ordinals (wire.md §6): the `version` header field is the ordinal of
 * Java's MQVersion.Version enum. Releases: V4_x_y = 213 + 20x + 2y, V5_x_y =
 * 413 + 20x + 2y, each preceded by its _SNAPSHOT ordinal. Only the versions
 * that change behaviour somewhere are named here.
 */
#ifndef RJ_REMOTING_MQ_VERSION_H
#define RJ_REMOTING_MQ_VERSION_H

#include <stddef.h>
#include <stdint.h>

#define RJ_MQ_VERSION_V4(x, y) (213 + 20 * (x) + 2 * (y))
#define RJ_MQ_VERSION_V5(x, y) (413 + 20 * (x) + 2 * (y))

/* Broker sends RESET_CONSUMER_CLIENT_OFFSET / GET_CONSUMER_STATUS only to clients >= this. */
#define RJ_MQ_VERSION_V3_0_7_SNAPSHOT 28
/* Name server: REGISTER_BROKER body is RegisterBrokerBody from brokers >= this. */
#define RJ_MQ_VERSION_V3_0_11 37
/* GET_CONSUMER_RUNNING_INFO / CONSUME_MESSAGE_DIRECTLY refused for older clients. */
#define RJ_MQ_VERSION_V3_1_8_SNAPSHOT 62
/* What ali-ons sends; maxReconsumeTimes of CONSUMER_SEND_MSG_BACK honoured from here. */
#define RJ_MQ_VERSION_V3_4_9 121
/* Clients refuse SQL92 pulls from brokers older than this. */
#define RJ_MQ_VERSION_V4_1_0_SNAPSHOT 232
/* Name server answers standard JSON route data to requesters >= this. */
#define RJ_MQ_VERSION_V4_9_4 401
/* CURRENT_VERSION of Apache RocketMQ 4.9.8. */
#define RJ_MQ_VERSION_V4_9_8 409
/* Compressed RegisterBrokerBody carries the topic-queue-mapping section from here. */
#define RJ_MQ_VERSION_V5_0_0 413
/* 5.3.3 answers GO_AWAY while shutting down only to requesters above this. */
#define RJ_MQ_VERSION_V5_3_1 475
/* CURRENT_VERSION of Apache RocketMQ 5.3.3. */
#define RJ_MQ_VERSION_V5_3_3 479
/* Last ordinal of 4.9.8's enum (HIGHER_VERSION); Java maps anything larger to it. */
#define RJ_MQ_VERSION_HIGHER_VERSION 612

/* The version Ramjet stamps on every command it sends (Java 4.9.8's CURRENT_VERSION). */
#define RJ_REMOTING_VERSION RJ_MQ_VERSION_V4_9_8

/*
 * Java MQVersion.getVersionDesc(): the enum name of an ordinal ("V4_9_8",
 * "V4_9_8_SNAPSHOT", "V3_0_0_BETA1"); ordinals past the table give
 * "HIGHER_VERSION", negative ones "UNKNOWN". Writes a NUL-terminated name into
 * buf (32 bytes are always enough) and returns its length. Any thread.
 */
size_t rj_mq_version_desc(int32_t version, char *buf, size_t size);

#endif
