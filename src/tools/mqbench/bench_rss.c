/*
 * RssAnon sampling from /proc/PID/status. The file is small (about 1.5 KiB)
 * and read whole with one read() into a stack buffer, once per second.
 */
#include "tools/mqbench/bench_rss.h"

#include "ramjet/status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define KEY "RssAnon:"
#define KEY_LEN (sizeof(KEY) - 1)

int
rj_bench_rss_parse(const char *text, size_t len, int64_t *kib)
{
    size_t i = 0;

    while (i < len) {
        size_t end = i;
        while (end < len && text[end] != '\n') {
            end++;
        }
        if (end - i >= KEY_LEN && memcmp(text + i, KEY, KEY_LEN) == 0) {
            size_t p = i + KEY_LEN;
            int64_t v = 0;
            size_t digits = 0;
            while (p < end && (text[p] == ' ' || text[p] == '\t')) {
                p++;
            }
            while (p < end && text[p] >= '0' && text[p] <= '9') {
                if (v > (INT64_MAX - 9) / 10) {
                    return RJ_EMALFORMED;
                }
                v = v * 10 + (text[p] - '0');
                p++;
                digits++;
            }
            while (p < end && text[p] == ' ') {
                p++;
            }
            if (digits == 0 || end - p != 2 || memcmp(text + p, "kB", 2) != 0) {
                return RJ_EMALFORMED;
            }
            *kib = v;
            return RJ_OK;
        }
        i = end + 1;
    }
    return RJ_ENOTFOUND;
}

int
rj_bench_rss_read(pid_t pid, int64_t *kib)
{
    char path[64], buf[8192];
    ssize_t n;
    int fd, rc;

    snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    n = read(fd, buf, sizeof(buf));
    rc = n < 0 ? -errno : rj_bench_rss_parse(buf, (size_t)n, kib);
    close(fd);
    return rc;
}
