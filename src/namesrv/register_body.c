/*
 * Decoder of REGISTER_BROKER bodies (see register_body.h for the three forms).
 *
 * The JSON forms go through rj_json_parse(), which accepts the fastjson
 * dialect too. The compressed form is inflated whole into one buffer (capped
 * at RJ_REGISTER_BODY_MAX_INFLATED, so a zip bomb costs at most that) and then
 * walked with a bounds-checked cursor; every length prefix is validated before
 * use. On any error the partially filled body is freed and left empty.
 */
#include "namesrv/register_body.h"

#include "common/alloc.h"
#include "common/buf.h"
#include "common/bytes.h"
#include "common/endian.h"
#include "common/json.h"
#include "ramjet/status.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

/* Java's TopicConfig defaults, used when a JSON TopicConfig omits a field. */
#define TOPIC_DEFAULT_QUEUE_NUMS 16
#define TOPIC_DEFAULT_PERM 6

void
rj_register_body_init(rj_register_body_t *body)
{
    memset(body, 0, sizeof(*body));
}

void
rj_register_body_cleanup(rj_register_body_t *body)
{
    if (body == NULL) {
        return;
    }
    for (size_t i = 0; i < body->topic_count; i++) {
        rj_free(body->topics[i].topic_name);
    }
    rj_free(body->topics);
    for (size_t i = 0; i < body->filter_server_count; i++) {
        rj_free(body->filter_servers[i]);
    }
    rj_free(body->filter_servers);
    rj_register_body_init(body);
}

static void
set_err(char *err, size_t err_size, const char *msg)
{
    if (err != NULL && err_size > 0) {
        snprintf(err, err_size, "%s", msg);
    }
}

/* A JSON string without embedded NUL (names become C strings and map keys). */
static bool
is_clean_string(const json_t *v)
{
    return json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v);
}

/*
 * rj_json_as_int() with reals outside the int64 range refused first: the cast
 * of such a double is undefined behaviour, and bodies come from the network.
 */
static bool
as_i64(const json_t *v, int64_t *out)
{
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!(d > -9.2e18 && d < 9.2e18)) {
            return false;
        }
    }
    return rj_json_as_int(v, out);
}

static bool
get_i32(const json_t *obj, const char *key, int32_t def, int32_t *out)
{
    const json_t *v = json_object_get(obj, key);
    int64_t x;
    if (v == NULL || json_is_null(v)) {
        *out = def;
        return true;
    }
    if (!as_i64(v, &x) || x < INT32_MIN || x > INT32_MAX) {
        return false;
    }
    *out = (int32_t)x;
    return true;
}

static int
data_version_from_json(const json_t *v, rj_data_version_t *out)
{
    out->counter = 0;
    out->timestamp = 0;
    if (v == NULL || json_is_null(v)) {
        return 0;
    }
    if (!json_is_object(v)) {
        return RJ_EMALFORMED;
    }
    const json_t *c = json_object_get(v, "counter");
    const json_t *t = json_object_get(v, "timestamp");
    if ((c != NULL && !json_is_null(c) && !as_i64(c, &out->counter)) ||
        (t != NULL && !json_is_null(t) && !as_i64(t, &out->timestamp))) {
        return RJ_EMALFORMED;
    }
    return 0;
}

int
rj_data_version_decode(const void *data, size_t len, rj_data_version_t *out)
{
    json_t *root = rj_json_parse(data, len, NULL, 0);
    int rc = root != NULL ? data_version_from_json(root, out) : RJ_EMALFORMED;
    if (root != NULL && !json_is_object(root)) {
        rc = RJ_EMALFORMED;
    }
    json_decref(root);
    return rc;
}

static int
add_topic(rj_register_body_t *body, size_t *cap, const rj_topic_config_entry_t *t)
{
    if (body->topic_count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        rj_topic_config_entry_t *n = rj_realloc(body->topics, ncap * sizeof(*n));
        if (n == NULL) {
            return RJ_ENOMEM;
        }
        body->topics = n;
        *cap = ncap;
    }
    body->topics[body->topic_count++] = *t;
    return 0;
}

static int
topic_from_json(const char *key, const json_t *tc, rj_topic_config_entry_t *out)
{
    if (!json_is_object(tc)) {
        return RJ_EMALFORMED;
    }
    const json_t *name = json_object_get(tc, "topicName");
    const char *topic = key;
    if (name != NULL && !json_is_null(name)) {
        if (!is_clean_string(name)) {
            return RJ_EMALFORMED;
        }
        topic = json_string_value(name);
    }
    if (topic == NULL || topic[0] == '\0') {
        return RJ_EMALFORMED;
    }
    if (!get_i32(tc, "readQueueNums", TOPIC_DEFAULT_QUEUE_NUMS, &out->read_queue_nums) ||
        !get_i32(tc, "writeQueueNums", TOPIC_DEFAULT_QUEUE_NUMS, &out->write_queue_nums) ||
        !get_i32(tc, "perm", TOPIC_DEFAULT_PERM, &out->perm) ||
        !get_i32(tc, "topicSysFlag", 0, &out->topic_sys_flag)) {
        return RJ_EMALFORMED;
    }
    out->topic_name = rj_strdup(topic);
    return out->topic_name != NULL ? 0 : RJ_ENOMEM;
}

static int
filter_servers_from_json(const json_t *list, rj_register_body_t *body)
{
    body->has_filter_servers = true;
    if (list == NULL || json_is_null(list)) {
        return 0;
    }
    if (!json_is_array(list)) {
        return RJ_EMALFORMED;
    }
    size_t n = json_array_size(list);
    if (n == 0) {
        return 0;
    }
    body->filter_servers = rj_calloc(n, sizeof(char *));
    if (body->filter_servers == NULL) {
        return RJ_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(list, i);
        if (!is_clean_string(s)) {
            return RJ_EMALFORMED;
        }
        body->filter_servers[i] = rj_strdup(json_string_value(s));
        if (body->filter_servers[i] == NULL) {
            return RJ_ENOMEM;
        }
        body->filter_server_count = i + 1;
    }
    return 0;
}

/* TopicConfigSerializeWrapper: {"dataVersion":{...},"topicConfigTable":{name:TopicConfig}}. */
static int
wrapper_from_json(const json_t *wrapper, rj_register_body_t *body)
{
    if (wrapper == NULL || json_is_null(wrapper)) {
        return 0;
    }
    if (!json_is_object(wrapper)) {
        return RJ_EMALFORMED;
    }
    int rc = data_version_from_json(json_object_get(wrapper, "dataVersion"), &body->data_version);
    if (rc != 0) {
        return rc;
    }
    const json_t *table = json_object_get(wrapper, "topicConfigTable");
    if (table == NULL || json_is_null(table)) {
        return 0;
    }
    if (!json_is_object(table)) {
        return RJ_EMALFORMED;
    }
    size_t cap = 0;
    const char *key;
    json_t *tc;
    json_object_foreach((json_t *)table, key, tc)
    {
        rj_topic_config_entry_t t;
        rc = topic_from_json(key, tc, &t);
        if (rc == 0) {
            rc = add_topic(body, &cap, &t);
            if (rc != 0) {
                rj_free(t.topic_name);
            }
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int
decode_json(const void *data, size_t len, rj_register_body_t *body, char *err, size_t err_size)
{
    json_t *root = rj_json_parse(data, len, err, err_size);
    if (root == NULL) {
        return RJ_EMALFORMED;
    }
    int rc;
    if (!json_is_object(root)) {
        set_err(err, err_size, "RegisterBrokerBody is not a JSON object");
        rc = RJ_EMALFORMED;
    } else if (json_object_get(root, "topicConfigSerializeWrapper") != NULL ||
               json_object_get(root, "filterServerList") != NULL) {
        rc = wrapper_from_json(json_object_get(root, "topicConfigSerializeWrapper"), body);
        if (rc == 0) {
            rc = filter_servers_from_json(json_object_get(root, "filterServerList"), body);
        }
    } else {
        /* A bare TopicConfigSerializeWrapper (brokers before V3_0_11). */
        rc = wrapper_from_json(root, body);
    }
    if (rc == RJ_EMALFORMED) {
        set_err(err, err_size, "malformed RegisterBrokerBody JSON");
    }
    json_decref(root);
    return rc;
}

static int
inflate_all(const void *data, size_t len, rj_buf_t *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit(&zs) != Z_OK) {
        return RJ_ENOMEM;
    }
    int rc = 0;
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)(len > UINT32_MAX ? UINT32_MAX : len);
    for (;;) {
        size_t chunk = len * 4 < 4096 ? 4096 : len * 4;
        if (chunk > RJ_REGISTER_BODY_MAX_INFLATED - out->len) {
            chunk = RJ_REGISTER_BODY_MAX_INFLATED - out->len;
        }
        if (chunk == 0) {
            rc = RJ_ETOOLARGE;
            break;
        }
        rc = rj_buf_reserve(out, chunk);
        if (rc != 0) {
            break;
        }
        zs.next_out = out->data + out->len;
        zs.avail_out = (uInt)chunk;
        int zrc = inflate(&zs, Z_NO_FLUSH);
        out->len += chunk - zs.avail_out;
        if (zrc == Z_STREAM_END) {
            rc = 0;
            break;
        }
        if (zrc != Z_OK && !(zrc == Z_BUF_ERROR && zs.avail_out == 0)) {
            rc = RJ_EMALFORMED;
            break;
        }
        if (zs.avail_in == 0 && zs.avail_out != 0) {
            /* Input ended before the stream did. */
            rc = RJ_EMALFORMED;
            break;
        }
    }
    inflateEnd(&zs);
    return rc;
}

typedef struct {
    const uint8_t *p;
    size_t left;
} cursor_t;

/* Reads an int32 length prefix and the bytes it announces. */
static bool
take_block(cursor_t *c, rj_bytes_t *out)
{
    if (c->left < 4) {
        return false;
    }
    int32_t n = (int32_t)rj_load_be32(c->p);
    c->p += 4;
    c->left -= 4;
    if (n < 0 || (size_t)n > c->left) {
        return false;
    }
    *out = rj_bytes(c->p, (size_t)n);
    c->p += n;
    c->left -= (size_t)n;
    return true;
}

static bool
parse_i32_field(rj_bytes_t b, int32_t *out)
{
    return rj_bytes_parse_i32(b, out) == 0;
}

/* Java TopicConfig.encode(): "name read write perm filterType[ attributesJson]". */
static int
topic_from_text(rj_bytes_t text, rj_topic_config_entry_t *out)
{
    rj_bytes_t fields[5];
    size_t nf = 0;
    const uint8_t *p = text.data, *end = text.data + text.len;
    while (nf < 5) {
        const uint8_t *sp = memchr(p, ' ', (size_t)(end - p));
        const uint8_t *stop = sp != NULL ? sp : end;
        fields[nf++] = rj_bytes(p, (size_t)(stop - p));
        if (sp == NULL) {
            break;
        }
        p = sp + 1;
    }
    if (nf < 5 || fields[0].len == 0 || memchr(fields[0].data, '\0', fields[0].len) != NULL) {
        return RJ_EMALFORMED;
    }
    if (!parse_i32_field(fields[1], &out->read_queue_nums) ||
        !parse_i32_field(fields[2], &out->write_queue_nums) ||
        !parse_i32_field(fields[3], &out->perm)) {
        return RJ_EMALFORMED;
    }
    if (!rj_bytes_eq_cstr(fields[4], "SINGLE_TAG") && !rj_bytes_eq_cstr(fields[4], "MULTI_TAG")) {
        return RJ_EMALFORMED;
    }
    /* The text form does not carry topicSysFlag; Java's decode leaves it 0 as well. */
    out->topic_sys_flag = 0;
    out->topic_name = rj_bytes_dup(fields[0]);
    return out->topic_name != NULL ? 0 : RJ_ENOMEM;
}

static int
topic_from_block(rj_bytes_t block, rj_topic_config_entry_t *out)
{
    rj_bytes_t t = rj_bytes_trim(block);
    if (t.len > 0 && t.data[0] == '{') {
        json_t *tc = rj_json_parse(t.data, t.len, NULL, 0);
        if (tc == NULL) {
            return RJ_EMALFORMED;
        }
        int rc = topic_from_json(NULL, tc, out);
        json_decref(tc);
        return rc;
    }
    return topic_from_text(block, out);
}

static int
decode_compressed(const void *data, size_t len, rj_register_body_t *body, char *err,
                  size_t err_size)
{
    rj_buf_t raw = RJ_BUF_INIT;
    int rc = inflate_all(data, len, &raw);
    if (rc != 0) {
        set_err(err, err_size,
                rc == RJ_ETOOLARGE ? "compressed RegisterBrokerBody inflates beyond the limit"
                                   : "compressed RegisterBrokerBody is not a valid zlib stream");
        goto done;
    }
    cursor_t c = {raw.data, raw.len};
    rj_bytes_t block;
    rc = RJ_EMALFORMED;
    if (!take_block(&c, &block) ||
        rj_data_version_decode(block.data, block.len, &body->data_version) != 0) {
        set_err(err, err_size, "compressed RegisterBrokerBody: bad DataVersion");
        goto done;
    }
    if (c.left < 4) {
        set_err(err, err_size, "compressed RegisterBrokerBody: truncated topic count");
        goto done;
    }
    int32_t count = (int32_t)rj_load_be32(c.p);
    c.p += 4;
    c.left -= 4;
    /* Each topic needs at least its 4-byte length: a larger count is a lie. */
    if (count < 0 || (size_t)count > c.left / 4) {
        set_err(err, err_size, "compressed RegisterBrokerBody: bad topic count");
        goto done;
    }
    size_t cap = 0;
    for (int32_t i = 0; i < count; i++) {
        rj_topic_config_entry_t t;
        if (!take_block(&c, &block)) {
            set_err(err, err_size, "compressed RegisterBrokerBody: truncated topic config");
            goto done;
        }
        rc = topic_from_block(block, &t);
        if (rc == 0) {
            rc = add_topic(body, &cap, &t);
            if (rc != 0) {
                rj_free(t.topic_name);
            }
        }
        if (rc != 0) {
            set_err(err, err_size, "compressed RegisterBrokerBody: bad topic config");
            goto done;
        }
    }
    rc = RJ_EMALFORMED;
    if (!take_block(&c, &block)) {
        set_err(err, err_size, "compressed RegisterBrokerBody: truncated filter server list");
        goto done;
    }
    json_t *list = rj_json_parse(block.data, block.len, NULL, 0);
    rc = list != NULL ? filter_servers_from_json(list, body) : RJ_EMALFORMED;
    json_decref(list);
    if (rc != 0) {
        set_err(err, err_size, "compressed RegisterBrokerBody: bad filter server list");
    }
    /* Anything after this (5.x topic-queue mappings) is not used by the name server. */
done:
    rj_buf_cleanup(&raw);
    return rc;
}

int
rj_register_body_decode(const void *data, size_t len, bool compressed, rj_register_body_t *body,
                        char *err, size_t err_size)
{
    rj_register_body_init(body);
    if (len == 0) {
        return 0;
    }
    int rc = compressed ? decode_compressed(data, len, body, err, err_size)
                        : decode_json(data, len, body, err, err_size);
    if (rc != 0) {
        rj_register_body_cleanup(body);
        if (rc == RJ_ENOMEM) {
            set_err(err, err_size, "out of memory");
        }
    }
    return rc;
}
