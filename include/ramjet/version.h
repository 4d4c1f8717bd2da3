/* Version of the Ramjet library and daemons. */
#ifndef RAMJET_VERSION_H
#define RAMJET_VERSION_H

#define RJ_VERSION_MAJOR 0
#define RJ_VERSION_MINOR 1
#define RJ_VERSION_PATCH 0
#define RJ_VERSION_HEX ((RJ_VERSION_MAJOR << 16) | (RJ_VERSION_MINOR << 8) | RJ_VERSION_PATCH)

#endif
