/*
 * Java's String.hashCode over UTF-8 input: h = 31*h + c for every UTF-16 code
 * unit c, in wrapping 32-bit arithmetic. RocketMQ uses it for tag codes in
 * consume queues, index keys and queue selection, so it must match bit for bit.
 */
#ifndef RJ_COMMON_JAVA_HASH_H
#define RJ_COMMON_JAVA_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Malformed UTF-8 counts as U+FFFD per bad byte, as Java's decoder replaces it. */
int32_t rj_java_hash(const void *utf8, size_t len);

#endif
