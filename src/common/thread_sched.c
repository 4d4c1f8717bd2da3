/* Per-thread scheduling hints (see thread_sched.h): sched_setattr with a custom slice. */
#include "common/thread_sched.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* struct sched_attr of the sched_setattr(2) system call (glibc 2.36 has no wrapper). */
typedef struct {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime; /* SCHED_OTHER: the requested slice, ns */
    uint64_t sched_deadline;
    uint64_t sched_period;
} sched_attr_t;

int
rj_thread_request_slice_us(int slice_us)
{
#ifdef SYS_sched_setattr
    sched_attr_t attr;
    memset(&attr, 0, sizeof(attr));
    attr.size = sizeof(attr);
    attr.sched_policy = 0; /* SCHED_OTHER */
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, 0);
    attr.sched_nice = errno == 0 ? nice : 0;
    attr.sched_runtime = (uint64_t)slice_us * 1000;
    if (syscall(SYS_sched_setattr, 0, &attr, 0) != 0) {
        return -errno;
    }
    return 0;
#else
    (void)slice_us;
    return -ENOSYS;
#endif
}
