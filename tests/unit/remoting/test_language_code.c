/* Tests of src/remoting/language_code.c. */
#include "remoting/language_code.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void
test_names_and_values(void **state)
{
    (void)state;
    assert_string_equal(rj_language_code_name(0), "JAVA");
    assert_string_equal(rj_language_code_name(9), "GO");
    assert_string_equal(rj_language_code_name(13), "NODE_JS");
    assert_null(rj_language_code_name(14));
    assert_null(rj_language_code_name(-1));
    for (int32_t v = 0; v <= 13; v++) {
        assert_int_equal(rj_language_code_parse(rj_bytes_from_cstr(rj_language_code_name(v))), v);
    }
    assert_int_equal(rj_language_code_parse(RJ_BYTES_LIT("java")), -1);
    assert_int_equal(rj_language_code_parse(RJ_BYTES_LIT("JAVAX")), -1);
    assert_int_equal(rj_language_code_parse(RJ_BYTES_NULL), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
