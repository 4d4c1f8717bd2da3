/* The checks and string options shared by the producer and consumer setters. */
#include "client/client_option.h"

#include "client/last_error.h"
#include "common/alloc.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void
test_begin_names_the_handle_and_refuses_after_start(void **state)
{
    (void)state;
    int handle = 0;
    assert_int_equal(rj_client_option_begin(NULL, "producer", false), RJ_EINVAL);
    assert_string_equal(rj_last_error(), "producer is NULL");
    assert_int_equal(rj_client_option_begin(&handle, "producer", true), RJ_ESTATE);
    assert_non_null(strstr(rj_last_error(), "before start"));
    assert_int_equal(rj_client_option_begin(&handle, "producer", false), RJ_OK);
    assert_string_equal(rj_last_error(), "");
}

static void
test_string_is_copied_replaced_and_never_empty(void **state)
{
    (void)state;
    char *field = NULL;
    char value[] = "127.0.0.1:9876";
    assert_int_equal(rj_client_option_string(RJ_OK, &field, value), RJ_OK);
    value[0] = 'X';
    assert_string_equal(field, "127.0.0.1:9876");
    assert_int_equal(rj_client_option_string(RJ_OK, &field, "10.0.0.1:9876"), RJ_OK);
    assert_string_equal(field, "10.0.0.1:9876");
    /* Refusals leave the old value. */
    assert_int_equal(rj_client_option_string(RJ_OK, &field, ""), RJ_EINVAL);
    assert_int_equal(rj_client_option_string(RJ_OK, &field, NULL), RJ_EINVAL);
    assert_int_equal(rj_client_option_string(RJ_ESTATE, &field, "x"), RJ_ESTATE);
    assert_string_equal(field, "10.0.0.1:9876");
    rj_free(field);
}

static void
test_instance_name_refuses_the_client_id_separator(void **state)
{
    (void)state;
    char *field = NULL;
    assert_int_equal(rj_client_option_instance_name(RJ_OK, &field, "orders"), RJ_OK);
    assert_int_equal(rj_client_option_instance_name(RJ_OK, &field, "a@b"), RJ_EINVAL);
    assert_non_null(strstr(rj_last_error(), "'@'"));
    assert_string_equal(field, "orders");
    rj_free(field);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_begin_names_the_handle_and_refuses_after_start),
        cmocka_unit_test(test_string_is_copied_replaced_and_never_empty),
        cmocka_unit_test(test_instance_name_refuses_the_client_id_separator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
