/*
 * MD5 (RFC 1321), only for AllocateMessageQueueConsistentHash, whose ring
 * positions must match Java's (MessageDigest "MD5", first 4 digest bytes).
 * Not for anything security related.
 */
#ifndef RJ_CLIENT_MD5_H
#define RJ_CLIENT_MD5_H

#include <stddef.h>
#include <stdint.h>

/* Digest of `len` bytes into `out`. */
void rj_md5(const void *data, size_t len, uint8_t out[16]);

#endif
