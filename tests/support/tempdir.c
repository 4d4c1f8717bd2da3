/* Temporary directories for tests (see tempdir.h). */
#include "support/tempdir.h"

#include "common/alloc.h"
#include "common/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
rj_tempdir_create(const char *prefix, char **path)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    *path = NULL;
    if (base == NULL || base[0] == '\0') {
        base = "/tmp";
    }
    snprintf(tmpl, sizeof(tmpl), "%s/rj-%s-XXXXXX", base, prefix != NULL ? prefix : "test");
    if (mkdtemp(tmpl) == NULL) {
        return -errno;
    }
    *path = rj_strdup(tmpl);
    return *path != NULL ? 0 : -ENOMEM;
}

void
rj_tempdir_remove(char *path)
{
    if (path == NULL) {
        return;
    }
    const char *keep = getenv("RJ_TEST_KEEP_DIRS");
    if (keep != NULL && keep[0] != '\0' && strcmp(keep, "0") != 0) {
        fprintf(stderr, "[harness] keeping %s\n", path);
    } else {
        rj_fs_remove_tree(path);
    }
    rj_free(path);
}

int
rj_tempdir_write_file(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return -errno;
    }
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            int rc = -errno;
            close(fd);
            return rc;
        }
        off += (size_t)n;
    }
    return close(fd) == 0 ? 0 : -errno;
}
