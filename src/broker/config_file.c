/* Loading and change-counted persistence of the broker's JSON config files. */
#include "broker/config_file.h"

#include "common/alloc.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "ramjet/status.h"

int
rj_config_file_init(rj_config_file_t *f, const char *path)
{
    f->path = NULL;
    atomic_init(&f->changes, 0);
    f->persisted_changes = 0;
    pthread_mutex_init(&f->persist_lock, NULL);
    if (path != NULL && (f->path = rj_strdup(path)) == NULL) {
        return RJ_ENOMEM;
    }
    return 0;
}

void
rj_config_file_cleanup(rj_config_file_t *f)
{
    rj_free(f->path);
    f->path = NULL;
    pthread_mutex_destroy(&f->persist_lock);
}

void
rj_config_file_changed(rj_config_file_t *f)
{
    atomic_fetch_add_explicit(&f->changes, 1, memory_order_relaxed);
}

/* The test rj_fs_read_config applies to the file and to its backup. */
static bool
is_json_object(const rj_buf_t *data)
{
    json_t *root = rj_json_parse(data->data, data->len, NULL, 0);
    bool ok = json_is_object(root);
    json_decref(root);
    return ok;
}

int
rj_config_file_load(rj_config_file_t *f, json_t **root)
{
    *root = NULL;
    if (f->path == NULL) {
        return 0;
    }
    rj_buf_t text = RJ_BUF_INIT;
    int rc = rj_fs_read_config(f->path, &text, is_json_object);
    if (rc == RJ_ENOENT) {
        rj_buf_cleanup(&text);
        return 0;
    }
    if (rc != 0) {
        rj_log(RJ_LOG_ERROR, rc, "load %s", f->path);
        rj_buf_cleanup(&text);
        return rc;
    }
    char err[200] = "";
    json_t *j = rj_json_parse(text.data, text.len, err, sizeof(err));
    rj_buf_cleanup(&text);
    if (!json_is_object(j)) {
        rj_log(RJ_LOG_ERROR, 0, "load %s: %s", f->path, err[0] ? err : "not a JSON object");
        json_decref(j);
        return RJ_ECORRUPT;
    }
    *root = j;
    return 0;
}

void
rj_config_file_mark_persisted(rj_config_file_t *f)
{
    pthread_mutex_lock(&f->persist_lock);
    f->persisted_changes = atomic_load(&f->changes);
    pthread_mutex_unlock(&f->persist_lock);
}

int
rj_config_file_persist(rj_config_file_t *f, rj_config_file_write_cb write, void *arg,
                       rj_config_file_order_t order)
{
    if (f->path == NULL) {
        return 0;
    }
    int rc = 0;
    rj_buf_t out = RJ_BUF_INIT;
    rj_json_writer_t w;
    pthread_mutex_lock(&f->persist_lock);
    if (order == RJ_CONFIG_FILE_WRITE_FIRST) {
        rj_jw_init(&w, &out, 0);
        write(arg, &w);
    }
    uint_fast64_t changes = atomic_load(&f->changes);
    if (changes != f->persisted_changes) {
        if (order == RJ_CONFIG_FILE_CHECK_FIRST) {
            rj_jw_init(&w, &out, 0);
            write(arg, &w);
        }
        rc = rj_jw_finish(&w);
        if (rc == 0) {
            rc = rj_fs_write_config(f->path, out.data, out.len);
        }
        if (rc == 0) {
            f->persisted_changes = changes;
        } else {
            rj_log(RJ_LOG_ERROR, rc, "persist %s", f->path);
        }
    }
    pthread_mutex_unlock(&f->persist_lock);
    rj_buf_cleanup(&out);
    return rc;
}
