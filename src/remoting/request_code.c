/* Request code names, generated from RJ_REQUEST_CODE_MAP. */
#include "remoting/request_code.h"

#include <stddef.h>
#include <string.h>

const char *
rj_request_code_name(int32_t code)
{
    switch (code) {
#define XX(name, value) \
    case value:         \
        return #name;
        RJ_REQUEST_CODE_MAP(XX)
#undef XX
    default:
        return NULL;
    }
}

int32_t
rj_request_code_parse(const char *name)
{
    static const struct {
        const char *name;
        int32_t code;
    } table[] = {
#define XX(n, value) {#n, value},
        RJ_REQUEST_CODE_MAP(XX)
#undef XX
    };
    if (name == NULL) {
        return -1;
    }
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (strcmp(table[i].name, name) == 0) {
            return table[i].code;
        }
    }
    return -1;
}
