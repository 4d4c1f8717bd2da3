/*
 * LanguageCode (wire.md §6): the `language` header field. JSON headers carry the
 * enum name ("JAVA"), ROCKETMQ binary headers the byte value. Values outside
 * the table are legal input and kept as numbers.
 */
#ifndef RJ_REMOTING_LANGUAGE_CODE_H
#define RJ_REMOTING_LANGUAGE_CODE_H

#include "common/bytes.h"

#include <stdint.h>

/* XX(NAME, value) */
#define RJ_LANGUAGE_CODE_MAP(XX) \
    XX(JAVA, 0)                  \
    XX(CPP, 1)                   \
    XX(DOTNET, 2)                \
    XX(PYTHON, 3)                \
    XX(DELPHI, 4)                \
    XX(ERLANG, 5)                \
    XX(RUBY, 6)                  \
    XX(OTHER, 7)                 \
    XX(HTTP, 8)                  \
    XX(GO, 9)                    \
    XX(PHP, 10)                  \
    XX(OMS, 11)                  \
    XX(RUST, 12)                 \
    XX(NODE_JS, 13) /* 5.x only */

typedef enum {
#define XX(name, value) RJ_LANG_##name = value,
    RJ_LANGUAGE_CODE_MAP(XX)
#undef XX
} rj_language_code_t;

/* "JAVA" for 0 ...; NULL for a value outside the table. Static string; any thread. */
const char *rj_language_code_name(int32_t code);

/* Value of a language name (exact, as Java's enum valueOf), or -1 if unknown. Any thread. */
int32_t rj_language_code_parse(rj_bytes_t name);

#endif
