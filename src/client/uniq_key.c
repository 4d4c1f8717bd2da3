/*
 * UNIQ_KEY generator. The fixed prefix is computed once (pthread_once); the
 * counter is an atomic; the month bounds are read under a mutex only when the
 * current time passes the next month start (once a month).
 */
#include "client/uniq_key.h"

#include "client/local_ip.h"
#include "common/clock.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char hex_digits[] = "0123456789ABCDEF";

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t month_lock = PTHREAD_MUTEX_INITIALIZER;
static char fixed_prefix[21];
static _Atomic int64_t month_start;
static _Atomic int64_t month_next;
static atomic_uint counter;

static void
put_hex(char *out, const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex_digits[bytes[i] >> 4];
        out[2 * i + 1] = hex_digits[bytes[i] & 0xF];
    }
}

void
rj_uniq_key_month_bounds(int64_t ms, int64_t *start_ms, int64_t *next_start_ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;

    localtime_r(&secs, &tm);
    tm.tm_mday = 1;
    tm.tm_hour = 0;
    tm.tm_min = 0;
    tm.tm_sec = 0;
    tm.tm_isdst = -1;
    *start_ms = (int64_t)mktime(&tm) * 1000;
    tm.tm_mon += 1;
    tm.tm_isdst = -1;
    *next_start_ms = (int64_t)mktime(&tm) * 1000;
}

static void
uniq_key_init(void)
{
    uint8_t fixed[10];
    uint8_t ip4[4];
    char ip_text[RJ_LOCAL_IP_TEXT_MAX];
    uint16_t pid = (uint16_t)getpid();
    /* Java uses the class loader's identity hash; any per-process value serves,
     * it only keeps two processes with the same pid apart. */
    uint32_t hash = (uint32_t)(rj_clock_mono_ns() ^ (uint64_t)(uintptr_t)&fixed_prefix);
    int64_t start, next;

    rj_local_ip(ip_text, ip4);
    memcpy(fixed, ip4, 4);
    fixed[4] = (uint8_t)(pid >> 8);
    fixed[5] = (uint8_t)pid;
    fixed[6] = (uint8_t)(hash >> 24);
    fixed[7] = (uint8_t)(hash >> 16);
    fixed[8] = (uint8_t)(hash >> 8);
    fixed[9] = (uint8_t)hash;
    put_hex(fixed_prefix, fixed, sizeof(fixed));
    fixed_prefix[20] = '\0';
    rj_uniq_key_month_bounds(rj_clock_wall_ms(), &start, &next);
    atomic_store(&month_start, start);
    atomic_store(&month_next, next);
}

static void
format_tail(char *out, int64_t now_ms, int64_t start_ms, uint16_t count)
{
    int32_t diff = (int32_t)(now_ms - start_ms);
    uint8_t tail[6];

    /* A clock stepped back a little across the month start (NTP): Java clamps to 0. */
    if (diff < 0 && diff > -1000000) {
        diff = 0;
    }
    tail[0] = (uint8_t)((uint32_t)diff >> 24);
    tail[1] = (uint8_t)((uint32_t)diff >> 16);
    tail[2] = (uint8_t)((uint32_t)diff >> 8);
    tail[3] = (uint8_t)(uint32_t)diff;
    tail[4] = (uint8_t)(count >> 8);
    tail[5] = (uint8_t)count;
    put_hex(out, tail, sizeof(tail));
}

void
rj_uniq_key_format(char out[RJ_UNIQ_KEY_LEN + 1], const uint8_t ip4[4], uint16_t pid, int32_t hash,
                   int64_t now_ms, int64_t month_start_ms, uint16_t count)
{
    uint8_t fixed[10];

    memcpy(fixed, ip4, 4);
    fixed[4] = (uint8_t)(pid >> 8);
    fixed[5] = (uint8_t)pid;
    fixed[6] = (uint8_t)((uint32_t)hash >> 24);
    fixed[7] = (uint8_t)((uint32_t)hash >> 16);
    fixed[8] = (uint8_t)((uint32_t)hash >> 8);
    fixed[9] = (uint8_t)(uint32_t)hash;
    put_hex(out, fixed, sizeof(fixed));
    format_tail(out + 20, now_ms, month_start_ms, count);
    out[RJ_UNIQ_KEY_LEN] = '\0';
}

void
rj_uniq_key_create(char out[RJ_UNIQ_KEY_LEN + 1])
{
    int64_t now, start;

    pthread_once(&init_once, uniq_key_init);
    now = rj_clock_wall_ms();
    if (now >= atomic_load_explicit(&month_next, memory_order_relaxed)) {
        pthread_mutex_lock(&month_lock);
        if (now >= atomic_load(&month_next)) {
            int64_t s, n;
            rj_uniq_key_month_bounds(now, &s, &n);
            atomic_store(&month_start, s);
            atomic_store(&month_next, n);
        }
        pthread_mutex_unlock(&month_lock);
    }
    start = atomic_load_explicit(&month_start, memory_order_relaxed);
    memcpy(out, fixed_prefix, 20);
    format_tail(out + 20, now, start,
                (uint16_t)atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed));
    out[RJ_UNIQ_KEY_LEN] = '\0';
}
