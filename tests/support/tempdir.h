/*
 * Temporary directories for tests: one per daemon or test case, removed
 * afterwards unless RJ_TEST_KEEP_DIRS is set in the environment (to look at
 * logs and store files after a failure).
 */
#ifndef RJ_TEST_TEMPDIR_H
#define RJ_TEST_TEMPDIR_H

/*
 * Creates $TMPDIR/rj-<prefix>-XXXXXX (TMPDIR defaults to /tmp) and returns its
 * path in *path (rj_free it, or pass it to rj_tempdir_remove). Returns 0 or -errno.
 */
int rj_tempdir_create(const char *prefix, char **path);

/* Removes the tree (unless RJ_TEST_KEEP_DIRS is set) and frees `path`. NULL is a no-op. */
void rj_tempdir_remove(char *path);

/* Writes `text` to `dir`/`name` (creating it). Returns 0 or -errno. */
int rj_tempdir_write_file(const char *dir, const char *name, const char *text);

#endif
