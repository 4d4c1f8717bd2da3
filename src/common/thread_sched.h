/*
 * Scheduling hints for threads whose work is short and latency-bound (I/O
 * loops, the dispatcher). On Linux ≥ 6.12 (EEVDF with custom slices) a thread
 * that asks for a short slice gets an early virtual deadline, so when it wakes
 * it preempts a thread in the middle of a long burst (zeroing pages, an msync)
 * instead of waiting up to a whole default slice (≈ 3 ms) for a core.
 */
#ifndef RJ_COMMON_THREAD_SCHED_H
#define RJ_COMMON_THREAD_SCHED_H

/*
 * Asks for a scheduling slice of `slice_us` microseconds (the kernel accepts
 * 100 to 100,000) for the calling thread, keeping its policy (SCHED_OTHER)
 * and nice value. Older kernels ignore the request. Returns 0 or a negative
 * errno; failure is harmless (the thread keeps the default slice).
 */
int rj_thread_request_slice_us(int slice_us);

#endif
