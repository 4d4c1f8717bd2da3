/* Assertion failure: log, then abort so a core dump shows the state. */
#include "common/assert.h"

#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void
rj_assert_fail(const char *expr, const char *file, int line)
{
    rj_log_write(RJ_LOG_ERROR, 0, "assertion failed: %s at %s:%d", expr, file, line);
    char msg[512];
    int n = snprintf(msg, sizeof(msg), "assertion failed: %s at %s:%d\n", expr, file, line);
    if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0) {
        /* nothing else to do */
    }
    abort();
}
