#include "common/fs.h"

#include "common/alloc.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static int
make_dir(void **state)
{
    char *dir = rj_strdup("/tmp/rj_test_fs_XXXXXX");
    assert_non_null(mkdtemp(dir));
    *state = dir;
    return 0;
}

static int
remove_dir(void **state)
{
    rj_fs_remove_tree(*state);
    rj_free(*state);
    return 0;
}

static void
test_mkdirs_and_atomic_write(void **state)
{
    char path[512], file[600];
    snprintf(path, sizeof(path), "%s/a/b/c", (char *)*state);
    assert_int_equal(rj_fs_mkdirs(path, 0755), 0);
    assert_int_equal(rj_fs_mkdirs(path, 0755), 0);
    snprintf(file, sizeof(file), "%s/x.json", path);
    assert_int_equal(rj_fs_write_atomic(file, "{}", 2), 0);
    rj_buf_t b = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_file(file, &b), 0);
    assert_int_equal(b.len, 2);
    rj_buf_cleanup(&b);
    snprintf(file, sizeof(file), "%s/x.json.tmp", path);
    assert_false(rj_fs_exists(file));
    snprintf(file, sizeof(file), "%s/missing", path);
    assert_int_equal(rj_fs_read_file(file, &b), RJ_ENOENT);
}

static bool
is_json_object(const rj_buf_t *b)
{
    return b->len > 0 && b->data[0] == '{';
}

static void
test_config_write_keeps_backup_and_read_falls_back(void **state)
{
    char file[512], bak[520];
    snprintf(file, sizeof(file), "%s/topics.json", (char *)*state);
    snprintf(bak, sizeof(bak), "%s.bak", file);
    assert_int_equal(rj_fs_write_config(file, "{\"v\":1}", 7), 0);
    assert_int_equal(rj_fs_write_config(file, "{\"v\":2}", 7), 0);
    rj_buf_t b = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_file(bak, &b), 0);
    assert_memory_equal(b.data, "{\"v\":1}", 7);
    rj_buf_reset(&b);
    /* A damaged main file: the reader uses the backup. */
    FILE *f = fopen(file, "w");
    fputs("garbage", f);
    fclose(f);
    assert_int_equal(rj_fs_read_config(file, &b, is_json_object), 0);
    assert_memory_equal(b.data, "{\"v\":1}", 7);
    rj_buf_reset(&b);
    unlink(bak);
    assert_int_equal(rj_fs_read_config(file, &b, is_json_object), RJ_ECORRUPT);
    unlink(file);
    assert_int_equal(rj_fs_read_config(file, &b, is_json_object), RJ_ENOENT);
    rj_buf_cleanup(&b);
}

static void
test_expand_home(void **state)
{
    (void)state;
    setenv("HOME", "/home/u", 1);
    char *p = rj_fs_expand_home("~/store");
    assert_string_equal(p, "/home/u/store");
    rj_free(p);
    p = rj_fs_expand_home("~other");
    assert_string_equal(p, "~other");
    rj_free(p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mkdirs_and_atomic_write, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_config_write_keeps_backup_and_read_falls_back,
                                        make_dir, remove_dir),
        cmocka_unit_test(test_expand_home),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
