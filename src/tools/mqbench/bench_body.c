/* mqbench message bodies: header with run id, born time and sequence (see bench_body.h). */
#include "tools/mqbench/bench_body.h"

#include "common/endian.h"

#include <string.h>

static const uint8_t magic[4] = {'R', 'J', 'M', 'B'};

void
rj_bench_body_stamp(uint8_t *body, size_t len, const rj_bench_body_t *h)
{
    if (len < RJ_BENCH_BODY_HEADER) {
        return;
    }
    memcpy(body, magic, sizeof(magic));
    rj_store_be32(body + 4, h->run_id);
    rj_store_be64(body + 8, h->born_ns);
    rj_store_be64(body + 16, h->seq);
}

void
rj_bench_body_init(uint8_t *body, size_t len, const rj_bench_body_t *h)
{
    /* Printable filler, so a body shown by a tool reads as text after the header. */
    for (size_t i = 0; i < len; i++) {
        body[i] = (uint8_t)('a' + i % 26);
    }
    rj_bench_body_stamp(body, len, h);
}

bool
rj_bench_body_parse(const void *body, size_t len, rj_bench_body_t *out)
{
    const uint8_t *b = body;
    if (body == NULL || len < RJ_BENCH_BODY_HEADER || memcmp(b, magic, sizeof(magic)) != 0) {
        return false;
    }
    out->run_id = rj_load_be32(b + 4);
    out->born_ns = rj_load_be64(b + 8);
    out->seq = rj_load_be64(b + 16);
    return true;
}
