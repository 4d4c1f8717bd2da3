/* Local offset file: Java's fastjson format, atomic rewrite, reload, corrupt files refused. */
#include "client/offset_store.h"

#include "common/alloc.h"
#include "common/buf.h"
#include "common/fs.h"
#include "ramjet/status.h"
#include "support/tempdir.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void
test_local_store_round_trips_through_the_file(void **state)
{
    char *dir;
    rj_offset_store_t *s;
    rj_message_queue_t q0 = {"T", "broker-a", 0}, q1 = {"T", "broker-a", 1};

    assert_int_equal(rj_tempdir_create("offsets", &dir), 0);
    assert_int_equal(rj_offset_store_create_local(dir, "1.2.3.4@x", "g", &s), RJ_OK);
    assert_int_equal(rj_offset_store_read(s, &q0, RJ_READ_FROM_STORE), -1);
    rj_offset_store_update(s, &q0, 10, false);
    rj_offset_store_update(s, &q0, 5, true); /* increase only: ignored */
    rj_offset_store_update(s, &q1, 7, false);
    assert_int_equal(rj_offset_store_read(s, &q0, RJ_READ_FROM_MEMORY), 10);
    rj_offset_store_persist_all(s, NULL, 0, true);
    char path[512];
    snprintf(path, sizeof(path), "%s/1.2.3.4@x/g/offsets.json", dir);
    assert_string_equal(rj_offset_store_path(s), path);
    rj_buf_t text = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_file(path, &text), 0);
    rj_buf_terminate(&text);
    assert_non_null(strstr((char *)text.data,
                           "{\"brokerName\":\"broker-a\",\"queueId\":0,\"topic\":\"T\"}:10"));
    rj_offset_store_remove(s, &q0); /* Java keeps file offsets: no effect locally */
    assert_int_equal(rj_offset_store_read(s, &q0, RJ_READ_FROM_MEMORY), 10);
    rj_offset_store_destroy(s);

    assert_int_equal(rj_offset_store_create_local(dir, "1.2.3.4@x", "g", &s), RJ_OK);
    assert_int_equal(rj_offset_store_read(s, &q0, RJ_READ_FROM_STORE), 10);
    assert_int_equal(rj_offset_store_read(s, &q1, RJ_READ_MEMORY_THEN_STORE), 7);
    rj_offset_store_destroy(s);

    /* A damaged file with no good .bak is refused. */
    rj_buf_reset(&text);
    rj_buf_append_cstr(&text, "{\"offsetTable\":{{\"topic\":\"T\"}:1}}");
    char bak[520];
    snprintf(bak, sizeof(bak), "%s.bak", path);
    remove(bak);
    assert_int_equal(rj_fs_write_atomic(path, text.data, text.len), 0);
    assert_int_equal(rj_offset_store_create_local(dir, "1.2.3.4@x", "g", &s), RJ_ECORRUPT);
    rj_buf_cleanup(&text);
    rj_tempdir_remove(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_store_round_trips_through_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
