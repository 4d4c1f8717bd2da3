/* File-system helpers. Metadata files follow temp file → fsync → rename → fsync dir. */
#include "common/fs.h"

#include "common/alloc.h"
#include "ramjet/status.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

int
rj_fs_mkdirs(const char *path, mode_t mode)
{
    char tmp[PATH_MAX];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof(tmp)) {
        return RJ_EINVAL;
    }
    memcpy(tmp, path, len + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, mode) != 0 && errno != EEXIST) {
                return -errno;
            }
            *p = '/';
        }
    }
    if (mkdir(tmp, mode) != 0 && errno != EEXIST) {
        return -errno;
    }
    struct stat st;
    if (stat(tmp, &st) != 0) {
        return -errno;
    }
    return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int
rj_fs_read_file(const char *path, rj_buf_t *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    int rc = 0;
    for (;;) {
        if ((rc = rj_buf_reserve(out, 65536)) != 0) {
            break;
        }
        ssize_t n = read(fd, out->data + out->len, out->cap - out->len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            rc = -errno;
            break;
        }
        if (n == 0) {
            break;
        }
        out->len += (size_t)n;
    }
    close(fd);
    return rc;
}

int
rj_fs_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    int rc = fsync(fd) == 0 ? 0 : -errno;
    close(fd);
    return rc;
}

static void
dir_of(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        snprintf(dir, size, ".");
    } else if (slash == path) {
        snprintf(dir, size, "/");
    } else {
        snprintf(dir, size, "%.*s", (int)(slash - path), path);
    }
}

static int
write_file_synced(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return -errno;
    }
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            int rc = -errno;
            close(fd);
            unlink(path);
            return rc;
        }
        p += n;
        len -= (size_t)n;
    }
    if (fsync(fd) != 0) {
        int rc = -errno;
        close(fd);
        unlink(path);
        return rc;
    }
    return close(fd) == 0 ? 0 : -errno;
}

int
rj_fs_write_atomic(const char *path, const void *data, size_t len)
{
    char tmp[PATH_MAX], dir[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        return RJ_EINVAL;
    }
    int rc = write_file_synced(tmp, data, len);
    if (rc != 0) {
        return rc;
    }
    if (rename(tmp, path) != 0) {
        rc = -errno;
        unlink(tmp);
        return rc;
    }
    dir_of(path, dir, sizeof(dir));
    return rj_fs_fsync_dir(dir);
}

int
rj_fs_write_config(const char *path, const void *data, size_t len)
{
    char bak[PATH_MAX], bak_tmp[PATH_MAX];
    if (snprintf(bak, sizeof(bak), "%s.bak", path) >= (int)sizeof(bak) ||
        snprintf(bak_tmp, sizeof(bak_tmp), "%s.bak.tmp", path) >= (int)sizeof(bak_tmp)) {
        return RJ_EINVAL;
    }
    /* Keep the previous version as .bak: a hard link costs no copy, and the
     * rename makes the switch atomic. */
    unlink(bak_tmp);
    if (link(path, bak_tmp) == 0) {
        if (rename(bak_tmp, bak) != 0) {
            unlink(bak_tmp);
        }
    }
    return rj_fs_write_atomic(path, data, len);
}

int
rj_fs_read_config(const char *path, rj_buf_t *out, bool (*valid)(const rj_buf_t *data))
{
    size_t start = out->len;
    int rc = rj_fs_read_file(path, out);
    if (rc == 0 && (valid == NULL || valid(out))) {
        return 0;
    }
    out->len = start;
    char bak[PATH_MAX];
    if (snprintf(bak, sizeof(bak), "%s.bak", path) >= (int)sizeof(bak)) {
        return RJ_EINVAL;
    }
    int bak_rc = rj_fs_read_file(bak, out);
    if (bak_rc == 0 && (valid == NULL || valid(out))) {
        return 0;
    }
    out->len = start;
    if (rc == 0) {
        return RJ_ECORRUPT; /* present but invalid, and no usable backup */
    }
    return rc;
}

char *
rj_fs_expand_home(const char *path)
{
    if (path[0] != '~' || (path[1] != '\0' && path[1] != '/')) {
        return rj_strdup(path);
    }
    const char *home = getenv("HOME");
    if (home == NULL || home[0] == '\0') {
        struct passwd *pw = getpwuid(getuid());
        home = pw ? pw->pw_dir : "/";
    }
    size_t hn = strlen(home), pn = strlen(path + 1);
    char *out = rj_malloc(hn + pn + 1);
    if (out != NULL) {
        memcpy(out, home, hn);
        memcpy(out + hn, path + 1, pn + 1);
    }
    return out;
}

bool
rj_fs_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -errno;
}

int
rj_fs_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        return errno == ENOENT ? 0 : -errno;
    }
    return nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS);
}

int
rj_fs_space(const char *path, uint64_t *free_bytes, uint64_t *total_bytes)
{
    struct statvfs sv;
    if (statvfs(path, &sv) != 0) {
        return -errno;
    }
    *free_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
    *total_bytes = (uint64_t)sv.f_blocks * sv.f_frsize;
    return 0;
}
