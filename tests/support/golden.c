/* Loader of the golden frames in tests/data/frames.jsonl (see golden.h). */
#include "support/golden.h"

#include "common/endian.h"
#include "common/fs.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
hex_decode(const char *hex, rj_buf_t *out)
{
    size_t n = strlen(hex);
    if (n % 2 != 0) {
        return RJ_EMALFORMED;
    }
    for (size_t i = 0; i < n; i += 2) {
        char pair[3] = {hex[i], hex[i + 1], 0};
        char *end;
        unsigned long v = strtoul(pair, &end, 16);
        if (*end != '\0') {
            return RJ_EMALFORMED;
        }
        int rc = rj_buf_append_u8(out, (uint8_t)v);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int
frames_path(char *out, size_t size)
{
    const char *explicit_path = getenv("RJ_GOLDEN_FRAMES");
    if (explicit_path != NULL && explicit_path[0] != '\0') {
        snprintf(out, size, "%s", explicit_path);
        return 0;
    }
    const char *src = getenv("RJ_SOURCE_DIR");
    if (src == NULL || src[0] == '\0') {
        fprintf(stderr, "[golden] RJ_SOURCE_DIR is not set (run the test through ctest)\n");
        return RJ_EINVAL;
    }
    snprintf(out, size, "%s/tests/data/frames.jsonl", src);
    return 0;
}

static int32_t
get_i32(const json_t *o, const char *key, int32_t def)
{
    const json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int32_t)json_integer_value(v) : def;
}

int
rj_golden_frame_load(int id, rj_golden_frame_t *out)
{
    memset(out, 0, sizeof(*out));
    char path[4096];
    int rc = frames_path(path, sizeof(path));
    if (rc != 0) {
        return rc;
    }
    rj_buf_t file = RJ_BUF_INIT;
    rc = rj_fs_read_file(path, &file);
    if (rc != 0) {
        fprintf(stderr, "[golden] cannot read %s\n", path);
        rj_buf_cleanup(&file);
        return rc;
    }
    rc = RJ_ENOTFOUND;
    size_t pos = 0;
    while (pos < file.len) {
        const uint8_t *nl = memchr(file.data + pos, '\n', file.len - pos);
        size_t end = nl != NULL ? (size_t)(nl - file.data) : file.len;
        json_error_t jerr;
        json_t *rec = json_loadb((const char *)file.data + pos, end - pos, 0, &jerr);
        pos = end + 1;
        if (rec == NULL || get_i32(rec, "id", -1) != id) {
            json_decref(rec);
            continue;
        }
        out->id = id;
        out->record = rec;
        out->peer = json_string_value(json_object_get(rec, "peer"));
        out->direction = json_string_value(json_object_get(rec, "direction"));
        out->client = json_string_value(json_object_get(rec, "client"));
        out->code = get_i32(rec, "code", -1);
        out->request_code = get_i32(rec, "request_code", -1);
        out->flag = get_i32(rec, "flag", 0);
        out->opaque = get_i32(rec, "opaque", 0);
        out->serialize_type = (uint8_t)get_i32(rec, "serialize_type", 0);
        out->header = json_object_get(rec, "header");
        const json_t *text = json_object_get(rec, "header_text");
        const json_t *hex = json_object_get(rec, "header_hex");
        const json_t *body_hex = json_object_get(rec, "body_hex");
        if (json_is_string(text)) {
            rc = rj_buf_append(&out->header_bytes, json_string_value(text),
                               json_string_length(text));
        } else if (json_is_string(hex)) {
            rc = hex_decode(json_string_value(hex), &out->header_bytes);
        } else {
            rc = RJ_EMALFORMED;
        }
        if (rc == 0 && json_is_string(body_hex)) {
            rc = hex_decode(json_string_value(body_hex), &out->body);
        }
        if (rc == 0) {
            uint32_t hlen = (uint32_t)out->header_bytes.len;
            rj_buf_append_be32(&out->wire, (uint32_t)(4 + hlen + out->body.len));
            rj_buf_append_be32(&out->wire, ((uint32_t)out->serialize_type << 24) | hlen);
            rj_buf_append(&out->wire, out->header_bytes.data, out->header_bytes.len);
            rc = rj_buf_append(&out->wire, out->body.data, out->body.len);
        }
        break;
    }
    rj_buf_cleanup(&file);
    if (rc != 0) {
        rj_golden_frame_cleanup(out);
    }
    return rc;
}

void
rj_golden_frame_cleanup(rj_golden_frame_t *frame)
{
    json_decref(frame->record);
    rj_buf_cleanup(&frame->header_bytes);
    rj_buf_cleanup(&frame->body);
    rj_buf_cleanup(&frame->wire);
    memset(frame, 0, sizeof(*frame));
}

const char *
rj_golden_frame_body_text(rj_golden_frame_t *frame)
{
    if (frame->body.len == 0 || rj_buf_terminate(&frame->body) != 0) {
        return "";
    }
    return (const char *)frame->body.data;
}
