#include "broker/config_file.h"

#include "common/fs.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

typedef struct {
    char dir[256];
    char path[300];
    int writes;      /* calls of the write callback */
    int value;       /* what the table holds */
    bool count_more; /* the write callback counts a change (expiry) */
    rj_config_file_t *file;
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/rj_test_config_file_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/table.json", f->dir);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_fs_remove_tree(f->dir);
    free(f);
    return 0;
}

static void
write_table(void *arg, rj_json_writer_t *w)
{
    fixture_t *f = arg;
    f->writes++;
    if (f->count_more) {
        rj_config_file_changed(f->file);
        f->count_more = false;
    }
    rj_jw_object_begin(w);
    rj_jw_key(w, "value");
    rj_jw_int(w, f->value);
    rj_jw_object_end(w);
}

static int
file_value(const rj_config_file_t *cf)
{
    rj_config_file_t copy;
    assert_int_equal(rj_config_file_init(&copy, cf->path), 0);
    json_t *root;
    assert_int_equal(rj_config_file_load(&copy, &root), 0);
    assert_non_null(root);
    int v = (int)json_integer_value(json_object_get(root, "value"));
    json_decref(root);
    rj_config_file_cleanup(&copy);
    return v;
}

static void
test_writes_only_after_changes(void **state)
{
    fixture_t *f = *state;
    rj_config_file_t cf;
    assert_int_equal(rj_config_file_init(&cf, f->path), 0);
    f->file = &cf;
    json_t *root = (json_t *)1;
    assert_int_equal(rj_config_file_load(&cf, &root), 0);
    assert_null(root); /* no file yet */

    assert_int_equal(rj_config_file_persist(&cf, write_table, f, RJ_CONFIG_FILE_CHECK_FIRST), 0);
    assert_int_equal(f->writes, 0);
    assert_false(rj_fs_exists(f->path));

    f->value = 7;
    rj_config_file_changed(&cf);
    assert_int_equal(rj_config_file_persist(&cf, write_table, f, RJ_CONFIG_FILE_CHECK_FIRST), 0);
    assert_int_equal(f->writes, 1);
    assert_int_equal(file_value(&cf), 7);
    /* Nothing changed since: not written again. */
    assert_int_equal(rj_config_file_persist(&cf, write_table, f, RJ_CONFIG_FILE_CHECK_FIRST), 0);
    assert_int_equal(f->writes, 1);

    /* Write-first: the table is rendered every time, the file only changes when counted. */
    f->value = 8;
    assert_int_equal(rj_config_file_persist(&cf, write_table, f, RJ_CONFIG_FILE_WRITE_FIRST), 0);
    assert_int_equal(f->writes, 2);
    assert_int_equal(file_value(&cf), 7);
    f->count_more = true;
    assert_int_equal(rj_config_file_persist(&cf, write_table, f, RJ_CONFIG_FILE_WRITE_FIRST), 0);
    assert_int_equal(f->writes, 3);
    assert_int_equal(file_value(&cf), 8);

    /* Loaded content counts as written once marked. */
    rj_config_file_t again;
    assert_int_equal(rj_config_file_init(&again, f->path), 0);
    assert_int_equal(rj_config_file_load(&again, &root), 0);
    assert_int_equal(json_integer_value(json_object_get(root, "value")), 8);
    json_decref(root);
    rj_config_file_changed(&again);
    rj_config_file_mark_persisted(&again);
    f->file = &again;
    assert_int_equal(rj_config_file_persist(&again, write_table, f, RJ_CONFIG_FILE_CHECK_FIRST), 0);
    assert_int_equal(f->writes, 3);
    rj_config_file_cleanup(&again);
    rj_config_file_cleanup(&cf);
}

static void
test_bad_files_and_the_backup(void **state)
{
    fixture_t *f = *state;
    rj_config_file_t cf;
    assert_int_equal(rj_config_file_init(&cf, f->path), 0);
    f->file = &cf;
    /* Two writes: the first content is kept as the backup. */
    f->value = 1;
    rj_config_file_changed(&cf);
    assert_int_equal(rj_config_file_persist(&cf, write_table, f, RJ_CONFIG_FILE_CHECK_FIRST), 0);
    f->value = 2;
    rj_config_file_changed(&cf);
    assert_int_equal(rj_config_file_persist(&cf, write_table, f, RJ_CONFIG_FILE_CHECK_FIRST), 0);
    /* A torn main file: the backup is read. */
    FILE *fp = fopen(f->path, "w");
    fputs("{\"value\":", fp);
    fclose(fp);
    json_t *root;
    assert_int_equal(rj_config_file_load(&cf, &root), 0);
    assert_int_equal(json_integer_value(json_object_get(root, "value")), 1);
    json_decref(root);
    /* Neither usable: an error, no object. */
    char bak[320];
    snprintf(bak, sizeof(bak), "%s.bak", f->path);
    fp = fopen(bak, "w");
    fputs("[1,2]", fp);
    fclose(fp);
    root = (json_t *)1;
    assert_true(rj_config_file_load(&cf, &root) < 0);
    assert_null(root);
    rj_config_file_cleanup(&cf);

    /* No path: nothing read or written. */
    assert_int_equal(rj_config_file_init(&cf, NULL), 0);
    rj_config_file_changed(&cf);
    assert_int_equal(rj_config_file_load(&cf, &root), 0);
    assert_null(root);
    assert_int_equal(rj_config_file_persist(&cf, write_table, f, RJ_CONFIG_FILE_CHECK_FIRST), 0);
    rj_config_file_cleanup(&cf);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writes_only_after_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_files_and_the_backup, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
