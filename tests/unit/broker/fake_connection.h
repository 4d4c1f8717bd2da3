/*
 * A stand-in for remoting connections in unit tests of broker tables that only
 * retain, release, close and name connections. Each fake counts references
 * and remembers whether it was closed.
 */
#ifndef RJ_TEST_FAKE_CONNECTION_H
#define RJ_TEST_FAKE_CONNECTION_H

#include "remoting/connection.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct rj_connection {
    int refs;
    bool closed;
    char addr[32];
};

static inline void
fake_connection_init(rj_connection_t *c, int port)
{
    memset(c, 0, sizeof(*c));
    c->refs = 1;
    snprintf(c->addr, sizeof(c->addr), "127.0.0.1:%d", port);
}

void
rj_connection_retain(rj_connection_t *conn)
{
    conn->refs++;
}

void
rj_connection_release(rj_connection_t *conn)
{
    if (conn != NULL) {
        conn->refs--;
    }
}

const char *
rj_connection_remote_addr(const rj_connection_t *conn)
{
    return conn->addr;
}

void
rj_connection_close(rj_connection_t *conn)
{
    conn->closed = true;
}

bool
rj_connection_is_open(const rj_connection_t *conn)
{
    return !conn->closed;
}

#endif
