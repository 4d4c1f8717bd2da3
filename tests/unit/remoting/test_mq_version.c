/* Tests of src/remoting/mq_version.c against ordinals of 4.9.8's MQVersion.Version. */
#include "remoting/mq_version.h"

#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void
check(int32_t v, const char *want)
{
    char buf[32];
    size_t n = rj_mq_version_desc(v, buf, sizeof(buf));
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void
test_descriptions_match_the_java_enum(void **state)
{
    (void)state;
    check(0, "V3_0_0_SNAPSHOT");
    check(1, "V3_0_0_ALPHA1");
    check(15, "V3_0_0_FINAL");
    check(16, "V3_0_1_SNAPSHOT");
    check(RJ_MQ_VERSION_V3_0_7_SNAPSHOT, "V3_0_7_SNAPSHOT");
    check(RJ_MQ_VERSION_V3_0_11, "V3_0_11");
    check(45, "V3_0_15");
    check(46, "V3_1_0_SNAPSHOT");
    check(RJ_MQ_VERSION_V3_1_8_SNAPSHOT, "V3_1_8_SNAPSHOT");
    check(85, "V3_2_9");
    check(86, "V3_3_1_SNAPSHOT");
    check(RJ_MQ_VERSION_V3_4_9, "V3_4_9");
    check(211, "V3_9_9");
    check(212, "V4_0_0_SNAPSHOT");
    check(RJ_MQ_VERSION_V4_1_0_SNAPSHOT, "V4_1_0_SNAPSHOT");
    check(RJ_MQ_VERSION_V4_9_4, "V4_9_4");
    check(RJ_MQ_VERSION_V4_9_8, "V4_9_8");
    check(RJ_MQ_VERSION_V5_0_0, "V5_0_0");
    check(RJ_MQ_VERSION_V5_3_1, "V5_3_1");
    check(RJ_MQ_VERSION_V5_3_3, "V5_3_3");
    check(611, "V5_9_9");
    check(612, "HIGHER_VERSION");
    check(100000, "HIGHER_VERSION");
    check(-1, "UNKNOWN");
    assert_int_equal(RJ_MQ_VERSION_V4(9, 8), 409);
    assert_int_equal(RJ_MQ_VERSION_V5(3, 3), 479);
    assert_int_equal(RJ_REMOTING_VERSION, 409);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptions_match_the_java_enum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
