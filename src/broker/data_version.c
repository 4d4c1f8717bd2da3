/* DataVersion bookkeeping and its JSON form. */
#include "broker/data_version.h"

#include "common/clock.h"
#include "common/json.h"

void
rj_data_version_init(rj_data_version_t *v)
{
    v->counter = 0;
    v->timestamp_ms = rj_clock_wall_ms();
}

void
rj_data_version_next(rj_data_version_t *v)
{
    v->timestamp_ms = rj_clock_wall_ms();
    v->counter++;
}

bool
rj_data_version_equal(const rj_data_version_t *a, const rj_data_version_t *b)
{
    return a->counter == b->counter && a->timestamp_ms == b->timestamp_ms;
}

void
rj_data_version_write(const rj_data_version_t *v, rj_json_writer_t *w)
{
    rj_jw_object_begin(w);
    rj_jw_key(w, "counter");
    rj_jw_int(w, v->counter);
    rj_jw_key(w, "timestamp");
    rj_jw_int(w, v->timestamp_ms);
    rj_jw_object_end(w);
}

void
rj_data_version_read(rj_data_version_t *v, const json_t *obj)
{
    if (!json_is_object(obj)) {
        return;
    }
    v->counter = rj_json_get_int(obj, "counter", v->counter);
    v->timestamp_ms = rj_json_get_int(obj, "timestamp", v->timestamp_ms);
}
