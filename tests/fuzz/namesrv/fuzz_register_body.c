/*
 * Fuzz target of the REGISTER_BROKER body decoder (src/namesrv/register_body.c).
 *
 * Input: one mode byte, then the payload.
 *   mode & 3 == 0: payload is a JSON RegisterBrokerBody (compressed=false)
 *   mode & 3 == 1: payload is handed over as a compressed body as is (zlib stream)
 *   mode & 3 >= 2: payload is the inflated binary layout; it is deflated here first,
 *                  so the fuzzer explores the length-prefixed layout, not zlib
 * Checks the decoder's invariants on success and that failures leave the body empty.
 */
#include "namesrv/register_body.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const uint8_t *body, size_t len, bool compressed)
{
    rj_register_body_t b;
    char err[256];
    int rc = rj_register_body_decode(body, len, compressed, &b, err, sizeof(err));
    if (rc != 0) {
        if (b.topics != NULL || b.topic_count != 0 || b.filter_servers != NULL) {
            abort();
        }
        return;
    }
    for (size_t i = 0; i < b.topic_count; i++) {
        if (b.topics[i].topic_name == NULL || b.topics[i].topic_name[0] == '\0') {
            abort();
        }
    }
    for (size_t i = 0; i < b.filter_server_count; i++) {
        if (b.filter_servers[i] == NULL) {
            abort();
        }
    }
    rj_register_body_cleanup(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    uint8_t mode = data[0] & 3;
    const uint8_t *payload = data + 1;
    size_t len = size - 1;
    if (mode == 0) {
        check(payload, len, false);
    } else if (mode == 1) {
        check(payload, len, true);
    } else {
        uLongf zlen = compressBound(len);
        uint8_t *z = malloc(zlen);
        if (z != NULL && compress2(z, &zlen, payload, len, 1) == Z_OK) {
            check(z, zlen, true);
        }
        free(z);
    }
    return 0;
}
