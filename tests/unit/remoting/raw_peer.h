/*
 * Test helper: a plain blocking TCP peer that writes arbitrary bytes and reads
 * whole frames, to drive the remoting server like a foreign client would.
 */
#ifndef RJ_TEST_RAW_PEER_H
#define RJ_TEST_RAW_PEER_H

#include "remoting/command.h"

#include <stdbool.h>
#include <stddef.h>

/* Connects to 127.0.0.1:port; fails the test on error. Reads time out after 5 s. */
int raw_connect(int port);
void raw_send(int fd, const void *data, size_t len);
/* Encodes and sends `cmd`. */
void raw_send_cmd(int fd, const rj_command_t *cmd);
/*
 * Reads one frame into `buf` (replacing its contents) and decodes it into `cmd`.
 * Returns false on EOF or after timeout_ms without a whole frame.
 */
bool raw_read_frame(int fd, rj_buf_t *buf, rj_command_t *cmd, int timeout_ms);
/* True when the peer closes the connection within timeout_ms (data before EOF is discarded). */
bool raw_wait_closed(int fd, int timeout_ms);
/* True when nothing arrives within timeout_ms (connection still open). */
bool raw_quiet(int fd, int timeout_ms);
/* Polls `cond(arg)` every millisecond up to timeout_ms. */
bool wait_until(bool (*cond)(void *arg), void *arg, int timeout_ms);

#endif
