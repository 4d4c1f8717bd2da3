/* File-system helpers: whole-file reads, crash-safe metadata writes, paths. */
#ifndef RJ_COMMON_FS_H
#define RJ_COMMON_FS_H

#include "common/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* mkdir -p. Returns 0 or -errno. */
int rj_fs_mkdirs(const char *path, mode_t mode);

/* Appends the whole file to `out`. Returns 0 or -errno (RJ_ENOENT if missing). */
int rj_fs_read_file(const char *path, rj_buf_t *out);

/* fsync() of a directory, so that a rename or create inside it is durable. */
int rj_fs_fsync_dir(const char *dir);

/*
 * Replaces `path` crash-safely: write `path`.tmp, fsync, rename over `path`,
 * fsync the directory. A reader sees the old or the new content, never a mix.
 */
int rj_fs_write_atomic(const char *path, const void *data, size_t len);

/*
 * RocketMQ config persistence (ConfigManager): as rj_fs_write_atomic, and the
 * previous content is kept as `path`.bak. rj_fs_read_config() falls back to the
 * .bak copy when `path` is missing or `valid` rejects it.
 */
int rj_fs_write_config(const char *path, const void *data, size_t len);
int rj_fs_read_config(const char *path, rj_buf_t *out, bool (*valid)(const rj_buf_t *data));

/* "~" or "~/x" → $HOME/x; other paths copied. Heap string (rj_free), NULL on ENOMEM. */
char *rj_fs_expand_home(const char *path);

bool rj_fs_exists(const char *path);

/* rm -rf; missing paths are fine. Returns 0 or -errno. */
int rj_fs_remove_tree(const char *path);

/* Bytes free for an unprivileged writer and total bytes of the file system holding `path`. */
int rj_fs_space(const char *path, uint64_t *free_bytes, uint64_t *total_bytes);

#endif
