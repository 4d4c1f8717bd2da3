/*
 * Fuzz target for stored-record decoding and store recovery.
 *
 * First byte even: the rest is decoded as a sequence of commit-log records
 * (and as a batch body); every record that decodes re-encodes to the same
 * bytes, and its properties parse without reading outside them.
 * First byte odd: the rest becomes the start of a commit-log segment; the store
 * must open it (recovery), end consistent, accept an append and close.
 */
#include "common/log.h"
#include "common/message_properties.h"
#include "common/message_record.h"
#include "store/store_internal.h"
#include "common/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEG (64 * 1024)

static void
codec(const uint8_t *data, size_t size)
{
    static uint8_t out[SEG + 1024];
    size_t off = 0;
    while (off < size) {
        rj_message_record_t rec;
        if (rj_message_record_is_blank(data + off, size - off)) {
            break;
        }
        int n = rj_message_record_decode(data + off, size - off, &rec, RJ_MSG_DECODE_CHECK_CRC);
        if (n <= 0) {
            n = rj_message_record_decode(data + off, size - off, &rec, 0);
        }
        if (n <= 0) {
            break;
        }
        int m = rj_message_record_encode(&rec, out, sizeof(out));
        if (m != n || memcmp(out, data + off, (size_t)n) != 0) {
            abort();
        }
        rj_message_properties_iter_t it;
        rj_bytes_t k, v;
        rj_message_properties_iter_init(&it, rec.properties);
        while (rj_message_properties_next(&it, &k, &v)) {
            if (k.data < rec.properties.data ||
                v.data + v.len > rec.properties.data + rec.properties.len) {
                abort();
            }
        }
        off += (size_t)n;
    }
    off = 0;
    while (off < size) {
        rj_message_batch_item_t it;
        int n = rj_message_batch_item_decode(data + off, size - off, &it);
        if (n <= 0) {
            break;
        }
        int m = rj_message_batch_item_encode(it.flag, it.body, it.properties, out, sizeof(out));
        if (m != n) {
            abort();
        }
        off += (size_t)n;
    }
}

static void
recovery(const uint8_t *data, size_t size)
{
    static char dir[256];
    if (dir[0] == '\0') {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(dir, sizeof(dir), "%s/rj_fuzz_store_%d", base, (int)getpid());
    }
    rj_fs_remove_tree(dir);
    char cl[300], seg[400];
    snprintf(cl, sizeof(cl), "%s/commitlog", dir);
    rj_fs_mkdirs(cl, 0755);
    snprintf(seg, sizeof(seg), "%s/00000000000000000000", cl);
    uint8_t *buf = calloc(1, SEG);
    memcpy(buf, data, size < SEG ? size : SEG);
    rj_fs_write_atomic(seg, buf, SEG);
    free(buf);
    /* A crash: abnormal recovery with a missing checkpoint validates everything. */
    char abort_path[300];
    snprintf(abort_path, sizeof(abort_path), "%s/abort", dir);
    rj_fs_write_atomic(abort_path, "", 0);

    rj_store_config_t cfg;
    rj_store_config_init(&cfg);
    free(cfg.store_path_root_dir);
    cfg.store_path_root_dir = strdup(dir);
    cfg.mapped_file_size_commit_log = SEG;
    cfg.mapped_file_size_consume_queue = 200 * 20;
    cfg.max_hash_slot_num = 64;
    cfg.max_index_num = 256;
    rj_store_t *s;
    if (rj_store_open(&cfg, NULL, &s) == 0) {
        /* Recovery never leaves units past the end of the log. */
        int64_t end = rj_store_get_max_phy_offset(s);
        for (rj_consume_queue_t *cq = rj_queue_table_first(&s->queues); cq; cq = cq->all_next) {
            if (rj_consume_queue_last_record_end(cq) > end) {
                abort();
            }
        }
        if (rj_store_start(s) == 0) {
            rj_store_msg_t m;
            memset(&m, 0, sizeof(m));
            m.topic = RJ_BYTES_LIT("FuzzTopic");
            m.body = RJ_BYTES_LIT("after recovery");
            m.born_host.family = 4;
            m.store_host.family = 4;
            rj_store_put_result_t r;
            rj_put_status_t st = rj_store_put(s, &m, NULL, &r);
            if (st != RJ_PUT_OK) {
                fprintf(stderr, "put after recovery: %s\n", rj_put_status_name(st));
                abort();
            }
        }
        rj_store_close(s);
    }
    rj_store_config_cleanup(&cfg);
    rj_fs_remove_tree(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (getenv("RJ_FUZZ_LOG") != NULL) {
        rj_log_use_stderr();
    } else {
        rj_log_set_sink(NULL, NULL);
    }
    if (size < 1) {
        return 0;
    }
    if ((data[0] & 1) == 0) {
        codec(data + 1, size - 1);
    } else {
        recovery(data + 1, size - 1);
    }
    return 0;
}
