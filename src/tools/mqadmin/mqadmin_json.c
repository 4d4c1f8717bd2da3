/*
 * Tolerant JSON member readers for mqadmin (see mqadmin_json.h).
 */
#include "tools/mqadmin/mqadmin_json.h"

#include "common/json.h"

const char *
rj_mqadmin_json_str(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int64_t
rj_mqadmin_json_int(const json_t *obj, const char *key, int64_t def)
{
    return json_is_object(obj) ? rj_json_get_int(obj, key, def) : def;
}
