/* Store file names (StorePathConfigHelper / BrokerPathConfigHelper). */
#include "store/store_path.h"

#include "common/alloc.h"

#include <stdio.h>
#include <string.h>

int
rj_store_path(char *out, size_t size, const char *root, const char *sub, const char *name)
{
    int n = sub != NULL ? snprintf(out, size, "%s/%s/%s", root, sub, name)
                        : snprintf(out, size, "%s/%s", root, name);
    return n < 0 || (size_t)n >= size ? -1 : n;
}

char *
rj_store_path_dup(const char *root, const char *name)
{
    size_t n = strlen(root) + strlen(name) + 2;
    char *p = rj_malloc(n);
    if (p != NULL) {
        rj_store_path(p, n, root, NULL, name);
    }
    return p;
}
