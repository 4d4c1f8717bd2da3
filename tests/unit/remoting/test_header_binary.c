/*
 * Tests of src/remoting/header_binary.c: the ROCKETMQ binary header, including
 * hostile lengths.
 */
#include "remoting/command.h"

#include "common/buf.h"
#include "ramjet/status.h"

#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* Fixed part of a header: code, language, version, opaque, flag. */
static void
put_fixed(rj_buf_t *b, uint16_t code, uint8_t lang, uint16_t version, uint32_t opaque,
          uint32_t flag)
{
    rj_buf_reset(b);
    rj_buf_append_be16(b, code);
    rj_buf_append_u8(b, lang);
    rj_buf_append_be16(b, version);
    rj_buf_append_be32(b, opaque);
    rj_buf_append_be32(b, flag);
}

static void
put_pair(rj_buf_t *b, const char *k, const char *v)
{
    rj_buf_append_be16(b, (uint16_t)strlen(k));
    rj_buf_append_cstr(b, k);
    rj_buf_append_be32(b, (uint32_t)strlen(v));
    rj_buf_append_cstr(b, v);
}

static int
decode(rj_buf_t *b, rj_command_t *c)
{
    return rj_command_decode_header(RJ_SERIALIZE_ROCKETMQ, b->data, b->len, c);
}

static void
test_decodes_java_frame_12(void **state)
{
    (void)state;
    /* Header of golden frame 12: GET_ROUTEINFO_BY_TOPIC topic=TBW102, opaque 900006. */
    static const uint8_t h[] = {0x00, 0x69, 0x00, 0x01, 0x99, 0x00, 0x0d, 0xbb, 0xa6, 0x00,
                                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                0x11, 0x00, 0x05, 't',  'o',  'p',  'i',  'c',  0x00, 0x00,
                                0x00, 0x06, 'T',  'B',  'W',  '1',  '0',  '2'};
    rj_buf_t b = RJ_BUF_INIT;
    rj_buf_append(&b, h, sizeof(h));
    rj_command_t c;
    assert_int_equal(decode(&b, &c), 0);
    assert_int_equal(c.code, 105);
    assert_int_equal(c.language, RJ_LANG_JAVA);
    assert_int_equal(c.version, 409);
    assert_int_equal(c.opaque, 900006);
    assert_int_equal(c.flag, 0);
    assert_false(c.has_remark);
    assert_true(c.has_ext_fields);
    assert_int_equal(c.ext_count, 1);
    rj_bytes_t v;
    assert_true(rj_command_ext_get(&c, "topic", &v));
    assert_true(rj_bytes_eq_cstr(v, "TBW102"));
    rj_buf_cleanup(&b);
}

static void
test_signed_fields_and_null_pairs(void **state)
{
    (void)state;
    rj_buf_t b = RJ_BUF_INIT, ext = RJ_BUF_INIT;
    put_pair(&ext, "a", "1");
    put_pair(&ext, "", "nokey");
    put_pair(&ext, "noval", "");
    put_pair(&ext, "b", "2");
    put_fixed(&b, 0xFFFE, 200, 0x8000, 0xFFFFFFFF, 3);
    rj_buf_append_be32(&b, 0); /* null remark */
    rj_buf_append_be32(&b, (uint32_t)ext.len);
    rj_buf_append(&b, ext.data, ext.len);
    rj_buf_append(&b, "trailing", 8); /* ignored, as Java does */
    rj_command_t c;
    assert_int_equal(decode(&b, &c), 0);
    assert_int_equal(c.code, -2);
    assert_int_equal(c.language, 200);
    assert_int_equal(c.version, -32768);
    assert_int_equal(c.opaque, -1);
    assert_int_equal(c.flag, 3);
    assert_false(c.has_remark);
    assert_int_equal(c.ext_count, 2);
    rj_buf_cleanup(&b);
    rj_buf_cleanup(&ext);
}

static void
test_hostile_lengths_are_rejected(void **state)
{
    (void)state;
    rj_buf_t b = RJ_BUF_INIT;
    rj_command_t c;
    /* remarkLen larger than the header, and negative */
    static const uint32_t remark_lens[] = {5, 0x7FFFFFFF, 0x80000000u, 0xFFFFFFFFu};
    for (size_t i = 0; i < sizeof(remark_lens) / sizeof(remark_lens[0]); i++) {
        put_fixed(&b, 1, 0, 1, 1, 0);
        rj_buf_append_be32(&b, remark_lens[i]);
        rj_buf_append_cstr(&b, "ab");
        rj_buf_append_be32(&b, 0);
        assert_int_equal(decode(&b, &c), RJ_EMALFORMED);
    }
    /* extLen beyond the header */
    static const uint32_t ext_lens[] = {1, 100, 0x80000000u, 0xFFFFFFFFu};
    for (size_t i = 0; i < sizeof(ext_lens) / sizeof(ext_lens[0]); i++) {
        put_fixed(&b, 1, 0, 1, 1, 0);
        rj_buf_append_be32(&b, 0);
        rj_buf_append_be32(&b, ext_lens[i]);
        assert_int_equal(decode(&b, &c), RJ_EMALFORMED);
    }
    /* key length beyond the ext area (area shorter than the header) */
    put_fixed(&b, 1, 0, 1, 1, 0);
    rj_buf_append_be32(&b, 0);
    rj_buf_append_be32(&b, 4);
    rj_buf_append_be16(&b, 10);
    rj_buf_append_cstr(&b, "abcdefghijklmnop");
    assert_int_equal(decode(&b, &c), RJ_EMALFORMED);
    /* negative key length */
    put_fixed(&b, 1, 0, 1, 1, 0);
    rj_buf_append_be32(&b, 0);
    rj_buf_append_be32(&b, 2);
    rj_buf_append_be16(&b, 0xFFFF);
    assert_int_equal(decode(&b, &c), RJ_EMALFORMED);
    /* value length beyond the ext area, and missing */
    put_fixed(&b, 1, 0, 1, 1, 0);
    rj_buf_append_be32(&b, 0);
    rj_buf_append_be32(&b, 2 + 1 + 4);
    rj_buf_append_be16(&b, 1);
    rj_buf_append_cstr(&b, "k");
    rj_buf_append_be32(&b, 0xFFFFFFF0u);
    assert_int_equal(decode(&b, &c), RJ_EMALFORMED);
    put_fixed(&b, 1, 0, 1, 1, 0);
    rj_buf_append_be32(&b, 0);
    rj_buf_append_be32(&b, 3);
    rj_buf_append_be16(&b, 1);
    rj_buf_append_cstr(&b, "k");
    assert_int_equal(decode(&b, &c), RJ_EMALFORMED);
    /* every truncation of the fixed part */
    put_fixed(&b, 1, 0, 1, 1, 0);
    rj_buf_append_be32(&b, 0);
    rj_buf_append_be32(&b, 0);
    assert_int_equal(decode(&b, &c), 0);
    for (size_t cut = 0; cut < b.len; cut++) {
        assert_int_equal(rj_command_decode_header(RJ_SERIALIZE_ROCKETMQ, b.data, cut, &c),
                         RJ_EMALFORMED);
    }
    rj_buf_cleanup(&b);
}

static void
test_ext_field_limit(void **state)
{
    (void)state;
    rj_buf_t b = RJ_BUF_INIT, ext = RJ_BUF_INIT;
    rj_command_t c;
    for (int n = RJ_CMD_MAX_EXT_FIELDS; n <= RJ_CMD_MAX_EXT_FIELDS + 1; n++) {
        rj_buf_reset(&ext);
        for (int i = 0; i < n; i++) {
            put_pair(&ext, "k", "v");
        }
        put_fixed(&b, 1, 0, 1, 1, 0);
        rj_buf_append_be32(&b, 0);
        rj_buf_append_be32(&b, (uint32_t)ext.len);
        rj_buf_append(&b, ext.data, ext.len);
        assert_int_equal(decode(&b, &c), n <= RJ_CMD_MAX_EXT_FIELDS ? 0 : RJ_EMALFORMED);
    }
    rj_buf_cleanup(&b);
    rj_buf_cleanup(&ext);
}

static void
test_encode_limits(void **state)
{
    (void)state;
    rj_command_t c;
    rj_buf_t out = RJ_BUF_INIT;
    char key[40000];
    memset(key, 'k', sizeof(key));
    rj_command_init_request(&c, 1);
    c.serialize_type = RJ_SERIALIZE_ROCKETMQ;
    rj_command_add_ext(&c, rj_bytes(key, 32767), RJ_BYTES_LIT("v"));
    assert_int_equal(rj_command_encode(&c, &out), 0);
    rj_buf_reset(&out);
    c.ext[0].key.len = 32768;
    assert_int_equal(rj_command_encode(&c, &out), RJ_EINVAL);
    c.ext_count = 0;
    c.version = 40000;
    assert_int_equal(rj_command_encode(&c, &out), RJ_EINVAL);
    c.version = 409;
    c.language = 256;
    assert_int_equal(rj_command_encode(&c, &out), RJ_EINVAL);
    c.language = 0;
    c.code = -32769;
    assert_int_equal(rj_command_encode(&c, &out), RJ_EINVAL);
    c.code = -32768;
    assert_int_equal(rj_command_encode(&c, &out), 0);
    assert_int_equal(out.len, 8 + 21);
    rj_buf_cleanup(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decodes_java_frame_12),
        cmocka_unit_test(test_signed_fields_and_null_pairs),
        cmocka_unit_test(test_hostile_lengths_are_rejected),
        cmocka_unit_test(test_ext_field_limit),
        cmocka_unit_test(test_encode_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
