/* LanguageCode names and values, generated from RJ_LANGUAGE_CODE_MAP. */
#include "remoting/language_code.h"

#include <stddef.h>

const char *
rj_language_code_name(int32_t code)
{
    switch (code) {
#define XX(name, value) \
    case value:         \
        return #name;
        RJ_LANGUAGE_CODE_MAP(XX)
#undef XX
    default:
        return NULL;
    }
}

int32_t
rj_language_code_parse(rj_bytes_t name)
{
#define XX(n, value)                  \
    if (rj_bytes_eq_cstr(name, #n)) { \
        return value;                 \
    }
    RJ_LANGUAGE_CODE_MAP(XX)
#undef XX
    return -1;
}
