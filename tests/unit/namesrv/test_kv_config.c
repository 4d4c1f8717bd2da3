#include "namesrv/kv_config.h"

#include "common/buf.h"
#include "common/fs.h"
#include "ramjet/status.h"
#include "support/tempdir.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

typedef struct {
    char *dir;
    char path[4096];
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    assert_int_equal(rj_tempdir_create("kvconfig", &f->dir), 0);
    /* A sub-directory that does not exist yet, as ~/namesrv on a fresh machine. */
    snprintf(f->path, sizeof(f->path), "%s/namesrv/kvConfig.json", f->dir);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_tempdir_remove(f->dir);
    free(f);
    return 0;
}

static char *
read_text(const char *path)
{
    rj_buf_t b = RJ_BUF_INIT;
    if (rj_fs_read_file(path, &b) != 0) {
        rj_buf_cleanup(&b);
        return NULL;
    }
    return rj_buf_detach(&b, NULL);
}

static void
test_put_get_delete_and_persist(void **state)
{
    fixture_t *f = *state;
    rj_kv_config_t *kv = rj_kv_config_create(f->path);
    assert_int_equal(rj_kv_config_load(kv), 0);
    char *v = NULL;
    assert_int_equal(rj_kv_config_get(kv, "ns", "k", &v), RJ_ENOTFOUND);
    assert_null(v);

    assert_int_equal(rj_kv_config_put(kv, "ORDER_TOPIC_CONFIG", "TopicA", "broker-a:4"), 0);
    assert_int_equal(rj_kv_config_put(kv, "ns", "k2", "v2"), 0);
    assert_int_equal(rj_kv_config_put(kv, "ns", "k1", "v1"), 0);
    assert_int_equal(rj_kv_config_put(kv, "ns", "k1", "v1b"), 0);
    assert_int_equal(rj_kv_config_get(kv, "ns", "k1", &v), 0);
    assert_string_equal(v, "v1b");
    free(v);

    char *text = read_text(f->path);
    assert_non_null(text);
    assert_string_equal(text,
                        "{\"configTable\":{\"ORDER_TOPIC_CONFIG\":{\"TopicA\":\"broker-a:4\"},"
                        "\"ns\":{\"k1\":\"v1b\",\"k2\":\"v2\"}}}");
    free(text);

    assert_int_equal(rj_kv_config_delete(kv, "ns", "k2"), 0);
    assert_int_equal(rj_kv_config_delete(kv, "ns", "never-there"), 0);
    assert_int_equal(rj_kv_config_get(kv, "ns", "k2", &v), RJ_ENOTFOUND);

    rj_buf_t out = RJ_BUF_INIT;
    assert_int_equal(rj_kv_config_namespace_json(kv, "ns", &out), 0);
    rj_buf_terminate(&out);
    assert_string_equal((char *)out.data, "{\"table\":{\"k1\":\"v1b\"}}");
    rj_buf_reset(&out);
    assert_int_equal(rj_kv_config_namespace_json(kv, "nope", &out), RJ_ENOTFOUND);
    assert_int_equal(out.len, 0);
    /* A namespace emptied by deletes still exists, as in Java. */
    assert_int_equal(rj_kv_config_delete(kv, "ns", "k1"), 0);
    assert_int_equal(rj_kv_config_namespace_json(kv, "ns", &out), 0);
    rj_buf_terminate(&out);
    assert_string_equal((char *)out.data, "{\"table\":{}}");
    rj_buf_cleanup(&out);
    rj_kv_config_destroy(kv);

    /* Everything comes back after a restart. */
    kv = rj_kv_config_create(f->path);
    assert_int_equal(rj_kv_config_load(kv), 0);
    assert_int_equal(rj_kv_config_get(kv, "ORDER_TOPIC_CONFIG", "TopicA", &v), 0);
    assert_string_equal(v, "broker-a:4");
    free(v);
    rj_kv_config_destroy(kv);
}

static void
test_loads_java_written_file_and_falls_back_to_bak(void **state)
{
    fixture_t *f = *state;
    char dir[4200];
    snprintf(dir, sizeof(dir), "%s/namesrv", f->dir);
    assert_int_equal(rj_fs_mkdirs(dir, 0755), 0);
    /* Java's file (pretty or compact, maybe numbers as values). */
    assert_int_equal(rj_tempdir_write_file(dir, "kvConfig.json.bak",
                                           "{\n\t\"configTable\":{\n\t\t\"A\":{\"x\":\"1\",\"n\":5}"
                                           "\n\t}\n}"),
                     0);
    assert_int_equal(rj_tempdir_write_file(dir, "kvConfig.json", "{ torn"), 0);
    rj_kv_config_t *kv = rj_kv_config_create(f->path);
    assert_int_equal(rj_kv_config_load(kv), 0);
    char *v;
    assert_int_equal(rj_kv_config_get(kv, "A", "x", &v), 0);
    assert_string_equal(v, "1");
    free(v);
    assert_int_equal(rj_kv_config_get(kv, "A", "n", &v), 0);
    assert_string_equal(v, "5");
    free(v);
    rj_kv_config_destroy(kv);

    /* Neither copy usable: a clear error, not an empty table. */
    assert_int_equal(rj_tempdir_write_file(dir, "kvConfig.json.bak", "[]"), 0);
    kv = rj_kv_config_create(f->path);
    assert_int_equal(rj_kv_config_load(kv), RJ_ECORRUPT);
    rj_kv_config_destroy(kv);
}

static void
test_unwritable_path_reports_error_but_keeps_memory(void **state)
{
    fixture_t *f = *state;
    char blocker[4200], path[4300];
    snprintf(blocker, sizeof(blocker), "%s/file", f->dir);
    assert_int_equal(rj_tempdir_write_file(f->dir, "file", "x"), 0);
    snprintf(path, sizeof(path), "%s/sub/kv.json", blocker); /* parent is a regular file */
    rj_kv_config_t *kv = rj_kv_config_create(path);
    assert_true(rj_kv_config_load(kv) < 0);
    assert_true(rj_kv_config_put(kv, "n", "k", "v") < 0);
    char *v;
    assert_int_equal(rj_kv_config_get(kv, "n", "k", &v), 0);
    free(v);
    rj_kv_config_destroy(kv);
}

static void
test_null_arguments(void **state)
{
    fixture_t *f = *state;
    rj_kv_config_t *kv = rj_kv_config_create(f->path);
    char *v;
    assert_int_equal(rj_kv_config_put(kv, NULL, "k", "v"), RJ_EINVAL);
    assert_int_equal(rj_kv_config_put(kv, "n", "k", NULL), RJ_EINVAL);
    assert_int_equal(rj_kv_config_delete(kv, "n", NULL), RJ_EINVAL);
    assert_int_equal(rj_kv_config_get(kv, NULL, "k", &v), RJ_ENOTFOUND);
    rj_kv_config_destroy(kv);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_put_get_delete_and_persist),
        T(test_loads_java_written_file_and_falls_back_to_bak),
        T(test_unwritable_path_reports_error_but_keeps_memory),
        T(test_null_arguments),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
