/*
 * Benchmark of the SQL92 filter (not a test): evaluations per second of an
 * expression against a message properties string as a Java producer writes
 * it, the way the pull path evaluates each record.
 *
 *   bench_sql92 [iterations] [expression]
 */
#include "broker/sql92.h"

#include "common/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char **argv)
{
    long iterations = argc > 1 ? atol(argv[1]) : 2000000;
    const char *expr = argc > 2 ? argv[2]
                                : "region = 'eu' AND (price BETWEEN 10 AND 100 OR TAGS IN "
                                  "('TagA', 'TagB')) AND vip IS NOT NULL";
    static const char props[] =
        "KEYS\001order-4711\002UNIQ_KEY\001FD00000000000000000000000000000208845FFD2B2789472F8900"
        "00\002CLUSTER\001DefaultCluster\002TAGS\001TagB\002region\001eu\002price\00142\002vip\001"
        "gold";
    rj_sql92_t *e;
    char err[256];
    if (rj_sql92_compile(rj_bytes_from_cstr(expr), &e, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    rj_bytes_t p = rj_bytes(props, sizeof(props) - 1);
    long matched = 0;
    uint64_t t0 = rj_clock_mono_ns();
    for (long i = 0; i < iterations; i++) {
        matched += rj_sql92_match_properties(e, p);
    }
    uint64_t ns = rj_clock_mono_ns() - t0;
    printf("%ld evaluations, %ld matched, %.1f ns each (%.2f M/s)\n", iterations, matched,
           (double)ns / (double)iterations, (double)iterations * 1e3 / (double)ns);
    rj_sql92_release(e);
    return 0;
}
