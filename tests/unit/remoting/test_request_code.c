/* Tests of src/remoting/request_code.c. */
#include "remoting/request_code.h"

#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void
test_names_and_codes_match_rocketmq(void **state)
{
    (void)state;
    assert_string_equal(rj_request_code_name(10), "SEND_MESSAGE");
    assert_string_equal(rj_request_code_name(310), "SEND_MESSAGE_V2");
    assert_string_equal(rj_request_code_name(325), "SEND_REPLY_MESSAGE_V2");
    assert_string_equal(rj_request_code_name(53), "UPDATE_GLOBAL_WHITE_ADDRS_CONFIG");
    assert_string_equal(rj_request_code_name(200050), "POP_MESSAGE");
    assert_string_equal(rj_request_code_name(200151), "BATCH_ACK_MESSAGE");
    assert_string_equal(rj_request_code_name(1013), "CONTROLLER_APPLY_BROKER_ID");
    assert_string_equal(rj_request_code_name(3010), "AUTH_LIST_ACL");
    assert_null(rj_request_code_name(9999));
    assert_null(rj_request_code_name(-1));
    assert_int_equal(rj_request_code_parse("GET_ROUTEINFO_BY_TOPIC"), 105);
    assert_int_equal(rj_request_code_parse("get_routeinfo_by_topic"), -1);
    assert_int_equal(rj_request_code_parse(NULL), -1);
    assert_int_equal(RJ_REQ_HEART_BEAT, 34);
    assert_int_equal(RJ_REQ_QUERY_DATA_VERSION, 322);
}

static void
test_table_has_unique_codes_and_round_trips(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int32_t code;
    } all[] = {
#define XX(n, c) {#n, c},
        RJ_REQUEST_CODE_MAP(XX)
#undef XX
    };
    assert_int_equal(sizeof(all) / sizeof(all[0]), RJ_REQUEST_CODE_COUNT);
    /* Union of the 95 codes of 4.9.8 and the 153 of 5.3.3. */
    assert_int_equal(RJ_REQUEST_CODE_COUNT, 157);
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        assert_string_equal(rj_request_code_name(all[i].code), all[i].name);
        assert_int_equal(rj_request_code_parse(all[i].name), all[i].code);
        for (size_t j = i + 1; j < sizeof(all) / sizeof(all[0]); j++) {
            assert_int_not_equal(all[i].code, all[j].code);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_codes_match_rocketmq),
        cmocka_unit_test(test_table_has_unique_codes_and_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
