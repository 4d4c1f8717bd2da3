/*
 * Header codecs behind command.c: one file per serialize type. Folder-only.
 */
#ifndef RJ_REMOTING_COMMAND_INTERNAL_H
#define RJ_REMOTING_COMMAND_INTERNAL_H

#include "remoting/command.h"

/*
 * JSON header (header_json.c). Decode: in place, fills every field but body;
 * returns 0 or RJ_EMALFORMED. Encode: appends the header text; returns 0 or
 * RJ_ENOMEM (out unchanged).
 */
int rj_header_json_decode(uint8_t *header, size_t len, rj_command_t *cmd);
int rj_header_json_encode(const rj_command_t *cmd, rj_buf_t *out);

/*
 * ROCKETMQ binary header (header_binary.c). Decode: fills every field but body;
 * returns 0 or RJ_EMALFORMED. Encode: appends the header; returns 0, RJ_ENOMEM or
 * RJ_EINVAL for values the format cannot carry (out unchanged).
 */
int rj_header_binary_decode(const uint8_t *header, size_t len, rj_command_t *cmd);
int rj_header_binary_encode(const rj_command_t *cmd, rj_buf_t *out);

/* Decimal text of v into buf[24] (no NUL); returns the length written at the start of buf. */
size_t rj_command_format_i64(char buf[24], int64_t v);

#endif
