/* The store checkpoint file: three big-endian timestamps in a mapped 4 KiB page. */
#include "store/checkpoint.h"

#include "common/endian.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void
rj_checkpoint_decode(const uint8_t *image, rj_checkpoint_values_t *out)
{
    out->physic_msg_timestamp = (int64_t)rj_load_be64(image);
    out->logics_msg_timestamp = (int64_t)rj_load_be64(image + 8);
    out->index_msg_timestamp = (int64_t)rj_load_be64(image + 16);
}

void
rj_checkpoint_encode(const rj_checkpoint_values_t *v, uint8_t *image)
{
    rj_store_be64(image, (uint64_t)v->physic_msg_timestamp);
    rj_store_be64(image + 8, (uint64_t)v->logics_msg_timestamp);
    rj_store_be64(image + 16, (uint64_t)v->index_msg_timestamp);
}

int
rj_checkpoint_open(rj_checkpoint_t *cp, const char *path)
{
    struct stat st;
    int rc;
    memset(cp, 0, sizeof(*cp));
    cp->fd = -1;
    cp->existed = stat(path, &st) == 0;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = -errno;
        rj_log(RJ_LOG_ERROR, rc, "open %s", path);
        return rc;
    }
    if (fstat(fd, &st) != 0 ||
        (st.st_size < RJ_CHECKPOINT_SIZE && ftruncate(fd, RJ_CHECKPOINT_SIZE) != 0)) {
        rc = -errno;
        close(fd);
        return rc;
    }
    void *base = mmap(NULL, RJ_CHECKPOINT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        rc = -errno;
        close(fd);
        return rc;
    }
    cp->fd = fd;
    cp->base = base;
    return 0;
}

void
rj_checkpoint_read(const rj_checkpoint_t *cp, rj_checkpoint_values_t *out)
{
    rj_checkpoint_decode(cp->base, out);
}

int
rj_checkpoint_write(rj_checkpoint_t *cp, const rj_checkpoint_values_t *v)
{
    if (cp->base == NULL) {
        return RJ_ESTATE;
    }
    rj_checkpoint_encode(v, cp->base);
    if (msync(cp->base, RJ_CHECKPOINT_SIZE, MS_SYNC) != 0) {
        return -errno;
    }
    return 0;
}

int64_t
rj_checkpoint_min_timestamp(const rj_checkpoint_values_t *v)
{
    int64_t min = v->physic_msg_timestamp < v->logics_msg_timestamp ? v->physic_msg_timestamp
                                                                    : v->logics_msg_timestamp;
    min -= 3000;
    return min < 0 ? 0 : min;
}

int64_t
rj_checkpoint_min_timestamp_index(const rj_checkpoint_values_t *v)
{
    int64_t min = rj_checkpoint_min_timestamp(v);
    return min < v->index_msg_timestamp ? min : v->index_msg_timestamp;
}

void
rj_checkpoint_close(rj_checkpoint_t *cp)
{
    if (cp->base != NULL) {
        munmap(cp->base, RJ_CHECKPOINT_SIZE);
        cp->base = NULL;
    }
    if (cp->fd >= 0) {
        close(cp->fd);
        cp->fd = -1;
    }
}
