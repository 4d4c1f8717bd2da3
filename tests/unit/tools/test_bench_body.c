/* mqbench body header: round trip, filler, short and foreign bodies. */
#include "tools/mqbench/bench_body.h"

#include <string.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void
test_header_round_trips(void **state)
{
    uint8_t body[1024];
    rj_bench_body_t in = {
        .run_id = 0xDEADBEEF, .born_ns = 1764254400123456789ull, .seq = 3ull << 40 | 77};
    rj_bench_body_t out;
    (void)state;
    rj_bench_body_init(body, sizeof(body), &in);
    assert_true(rj_bench_body_parse(body, sizeof(body), &out));
    assert_int_equal(out.run_id, in.run_id);
    assert_int_equal(out.born_ns, in.born_ns);
    assert_int_equal(out.seq, in.seq);
    /* Big-endian on the wire: the run id reads as its hex digits. */
    assert_memory_equal(body, "RJMB\xDE\xAD\xBE\xEF", 8);
    /* Filler after the header. */
    assert_int_equal(body[RJ_BENCH_BODY_HEADER], 'a' + RJ_BENCH_BODY_HEADER % 26);
    assert_int_equal(body[1023], 'a' + 1023 % 26);
}

static void
test_stamp_changes_only_the_header(void **state)
{
    uint8_t a[100], b[100];
    rj_bench_body_t h1 = {.run_id = 1, .born_ns = 2, .seq = 3},
                    h2 = {.run_id = 1, .born_ns = 9, .seq = 4};
    rj_bench_body_t out;
    (void)state;
    rj_bench_body_init(a, sizeof(a), &h1);
    memcpy(b, a, sizeof(a));
    rj_bench_body_stamp(b, sizeof(b), &h2);
    assert_memory_equal(a + RJ_BENCH_BODY_HEADER, b + RJ_BENCH_BODY_HEADER,
                        sizeof(a) - RJ_BENCH_BODY_HEADER);
    assert_true(rj_bench_body_parse(b, sizeof(b), &out));
    assert_int_equal(out.born_ns, 9);
    assert_int_equal(out.seq, 4);
}

static void
test_short_and_foreign_bodies_have_no_header(void **state)
{
    uint8_t small[RJ_BENCH_BODY_HEADER - 1];
    rj_bench_body_t h = {.run_id = 5, .born_ns = 6, .seq = 7}, out;
    (void)state;
    rj_bench_body_init(small, sizeof(small), &h);
    assert_false(rj_bench_body_parse(small, sizeof(small), &out));
    assert_int_equal(small[0], 'a');
    const char text[] = "Hello RocketMQ, this is a body from another producer";
    assert_false(rj_bench_body_parse(text, sizeof(text) - 1, &out));
    assert_false(rj_bench_body_parse(NULL, 100, &out));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_round_trips),
        cmocka_unit_test(test_stamp_changes_only_the_header),
        cmocka_unit_test(test_short_and_foreign_bodies_have_no_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
