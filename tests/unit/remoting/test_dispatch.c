/* Tests of src/remoting/dispatch.c: the request handler table. */
#include "remoting/connection_internal.h"

#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static int
h1(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    (void)req, (void)cmd, (void)arg;
    return 1;
}

static int
h2(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    (void)req, (void)cmd, (void)arg;
    return 2;
}

static void
test_register_and_lookup_near_and_far_codes(void **state)
{
    (void)state;
    rj_dispatch_t d;
    int a = 0, b = 0;
    assert_int_equal(rj_dispatch_init(&d), 0);
    assert_null(rj_dispatch_lookup(&d, RJ_REQ_SEND_MESSAGE_V2));
    assert_int_equal(rj_dispatch_register(&d, RJ_REQ_SEND_MESSAGE_V2, RJ_DISPATCH_INLINE, h1, &a),
                     0);
    assert_int_equal(rj_dispatch_register(&d, RJ_REQ_QUERY_MESSAGE, RJ_DISPATCH_WORKER, h2, &b), 0);
    static const int32_t far[] = {
        RJ_REQ_POP_MESSAGE, RJ_REQ_BATCH_ACK_MESSAGE, -7, RJ_REQ_ACK_MESSAGE, 4096, INT32_MAX,
        INT32_MIN};
    for (size_t i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
        assert_int_equal(rj_dispatch_register(&d, far[i], RJ_DISPATCH_INLINE, h1, &a), 0);
    }
    const rj_handler_t *h = rj_dispatch_lookup(&d, RJ_REQ_SEND_MESSAGE_V2);
    assert_non_null(h);
    assert_ptr_equal(h->cb, h1);
    assert_ptr_equal(h->arg, &a);
    assert_int_equal(h->mode, RJ_DISPATCH_INLINE);
    h = rj_dispatch_lookup(&d, RJ_REQ_QUERY_MESSAGE);
    assert_int_equal(h->mode, RJ_DISPATCH_WORKER);
    for (size_t i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
        assert_non_null(rj_dispatch_lookup(&d, far[i]));
    }
    assert_null(rj_dispatch_lookup(&d, RJ_REQ_PEEK_MESSAGE));
    assert_null(rj_dispatch_lookup(&d, 4095));
    assert_null(rj_dispatch_lookup(&d, -1));
    /* Registering again replaces. */
    assert_int_equal(rj_dispatch_register(&d, RJ_REQ_POP_MESSAGE, RJ_DISPATCH_WORKER, h2, &b), 0);
    h = rj_dispatch_lookup(&d, RJ_REQ_POP_MESSAGE);
    assert_ptr_equal(h->cb, h2);
    assert_int_equal(d.far_count, sizeof(far) / sizeof(far[0]));
    /* Bad registrations. */
    assert_int_equal(rj_dispatch_register(&d, 1, RJ_DISPATCH_INLINE, NULL, NULL), RJ_EINVAL);
    assert_int_equal(rj_dispatch_register(&d, 1, (rj_dispatch_mode_t)9, h1, NULL), RJ_EINVAL);
    rj_dispatch_cleanup(&d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_and_lookup_near_and_far_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
