/* Response code names, generated from RJ_RESPONSE_CODE_MAP. */
#include "remoting/response_code.h"

#include <stddef.h>

const char *
rj_response_code_name(int32_t code)
{
    switch (code) {
#define XX(name, value) \
    case value:         \
        return #name;
        RJ_RESPONSE_CODE_MAP(XX)
#undef XX
    default:
        return NULL;
    }
}
