/* MD5 against the RFC 1321 test suite. */
#include "client/md5.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void
hex(const uint8_t d[16], char out[33])
{
    for (int i = 0; i < 16; i++) {
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    }
}

static void
test_rfc1321_vectors_match(void **state)
{
    static const struct {
        const char *in;
        const char *out;
    } v[] = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"a", "0cc175b9c0f1b6a831c399e269772661"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
        {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
         "d174ab98d277d9f5a5611c2c9f419d9f"},
        {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
         "57edf4a22be3c955ac49da2e2107b67a"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        uint8_t d[16];
        char h[33];
        rj_md5(v[i].in, strlen(v[i].in), d);
        hex(d, h);
        assert_string_equal(h, v[i].out);
    }
}

static void
test_length_55_and_56_cross_the_padding_boundary(void **state)
{
    char buf[64];
    uint8_t d[16];
    char h[33];

    memset(buf, 'a', sizeof(buf));
    rj_md5(buf, 55, d);
    hex(d, h);
    assert_string_equal(h, "ef1772b6dff9a122358552954ad0df65");
    rj_md5(buf, 56, d);
    hex(d, h);
    assert_string_equal(h, "3b0c8ac703f828b04c6c197006d17218");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc1321_vectors_match),
        cmocka_unit_test(test_length_55_and_56_cross_the_padding_boundary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
