/* Local address selection through getifaddrs(), mirroring Java's preference order. */
#include "client/local_ip.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

void
rj_local_ip(char buf[RJ_LOCAL_IP_TEXT_MAX], uint8_t ip4[4])
{
    struct ifaddrs *ifs = NULL;
    struct in_addr best4 = {0}, last4 = {0};
    struct in6_addr first6;
    bool have_best4 = false, have_last4 = false, have6 = false;

    if (getifaddrs(&ifs) == 0) {
        for (struct ifaddrs *it = ifs; it != NULL; it = it->ifa_next) {
            if (it->ifa_addr == NULL || (it->ifa_flags & IFF_LOOPBACK) != 0) {
                continue;
            }
            if (it->ifa_addr->sa_family == AF_INET) {
                struct in_addr a =
                    ((const struct sockaddr_in *)(const void *)it->ifa_addr)->sin_addr;
                const uint8_t *b = (const uint8_t *)&a.s_addr;
                if (b[0] == 127) {
                    continue;
                }
                last4 = a;
                have_last4 = true;
                if (!have_best4 && !(b[0] == 192 && b[1] == 168)) {
                    best4 = a;
                    have_best4 = true;
                }
            } else if (it->ifa_addr->sa_family == AF_INET6 && !have6) {
                first6 = ((const struct sockaddr_in6 *)(const void *)it->ifa_addr)->sin6_addr;
                if (!IN6_IS_ADDR_LOOPBACK(&first6) && !IN6_IS_ADDR_LINKLOCAL(&first6)) {
                    have6 = true;
                }
            }
        }
        freeifaddrs(ifs);
    }

    struct in_addr chosen;
    if (have_best4 || have_last4) {
        chosen = have_best4 ? best4 : last4;
        inet_ntop(AF_INET, &chosen, buf, RJ_LOCAL_IP_TEXT_MAX);
    } else {
        inet_pton(AF_INET, "127.0.0.1", &chosen);
        if (have6) {
            inet_ntop(AF_INET6, &first6, buf, RJ_LOCAL_IP_TEXT_MAX);
        } else {
            snprintf(buf, RJ_LOCAL_IP_TEXT_MAX, "127.0.0.1");
        }
    }
    if (ip4 != NULL) {
        memcpy(ip4, &chosen.s_addr, 4);
    }
}
