/* Tests of src/remoting/response_code.c. */
#include "remoting/response_code.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void
test_names_follow_4_9_8(void **state)
{
    (void)state;
    assert_string_equal(rj_response_code_name(0), "SUCCESS");
    assert_string_equal(rj_response_code_name(3), "REQUEST_CODE_NOT_SUPPORTED");
    assert_string_equal(rj_response_code_name(202), "TRANSACTION_STATE_UNKNOW");
    assert_string_equal(rj_response_code_name(209), "UPDATE_AND_CREATE_ACL_CONFIG_FAILED");
    assert_string_equal(rj_response_code_name(211), "UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED");
    assert_string_equal(rj_response_code_name(215), "FLOW_CONTROL");
    assert_string_equal(rj_response_code_name(-1006), "RPC_TIME_OUT");
    assert_string_equal(rj_response_code_name(2016), "CONTROLLER_BROKER_LIVE_INFO_NOT_EXISTS");
    assert_null(rj_response_code_name(214));
    assert_null(rj_response_code_name(5));
    assert_int_equal(RJ_RESP_POLLING_FULL, 209);
    assert_int_equal(RJ_RESP_BROKER_NOT_EXIST, 211);
    assert_int_equal(RJ_RESP_PULL_OFFSET_MOVED, 21);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_follow_4_9_8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
