/*
 * Anonymous resident memory (RssAnon of /proc/PID/status) of another
 * process, the broker's memory figure mqbench reports with --report-rss.
 */
#ifndef RJ_MQBENCH_RSS_H
#define RJ_MQBENCH_RSS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Finds the "RssAnon:" line in the text of a /proc/PID/status file and
 * returns its value in KiB in *kib. RJ_OK, RJ_ENOTFOUND when the line is
 * missing, RJ_EMALFORMED when its value is not "<digits> kB".
 */
int rj_bench_rss_parse(const char *text, size_t len, int64_t *kib);

/* Reads /proc/<pid>/status. RJ_OK, -errno (RJ_ENOENT: no such process) or a parse error. */
int rj_bench_rss_read(pid_t pid, int64_t *kib);

#endif
