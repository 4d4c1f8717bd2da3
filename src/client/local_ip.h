/*
 * The address this host shows as client id prefix and in UNIQ_KEYs, picked as
 * Java's RemotingUtil.getLocalAddress does: the first non-loopback IPv4 that is
 * not 127.0.x.x / 192.168.x.x, else the last IPv4 seen, else the first IPv6,
 * else 127.0.0.1.
 */
#ifndef RJ_CLIENT_LOCAL_IP_H
#define RJ_CLIENT_LOCAL_IP_H

#include <stddef.h>
#include <stdint.h>

#define RJ_LOCAL_IP_TEXT_MAX 64

/*
 * Writes the textual address into `buf` and, when `ip4` is not NULL, the 4
 * bytes of the IPv4 address used for UNIQ_KEYs (127.0.0.1 if the choice was an
 * IPv6 address). Never fails.
 */
void rj_local_ip(char buf[RJ_LOCAL_IP_TEXT_MAX], uint8_t ip4[4]);

#endif
