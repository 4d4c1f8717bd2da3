#include "common/thread_sched.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

/* se.slice of the calling thread from /proc (ns), or -1 where the kernel does not show it. */
static long long
current_slice_ns(void)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%ld/sched", (long)syscall(SYS_gettid));
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    char line[256];
    long long v = -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "se.slice", 8) == 0) {
            const char *colon = strchr(line, ':');
            if (colon != NULL) {
                v = atoll(colon + 1);
            }
            break;
        }
    }
    fclose(f);
    return v;
}

static void
test_requested_slice_is_applied_and_nice_kept(void **state)
{
    (void)state;
    errno = 0;
    int nice_before = getpriority(PRIO_PROCESS, 0);
    int rc = rj_thread_request_slice_us(300);
    if (rc == -EINVAL || rc == -ENOSYS || rc == -E2BIG) {
        /* A kernel without custom slices refuses the request; nothing changed. */
        assert_int_equal(getpriority(PRIO_PROCESS, 0), nice_before);
        return;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(getpriority(PRIO_PROCESS, 0), nice_before);
    long long slice = current_slice_ns();
    if (slice >= 0) {
        assert_int_equal(slice, 300000);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requested_slice_is_applied_and_nice_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
