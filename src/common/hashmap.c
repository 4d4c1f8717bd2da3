/*
 * Open-addressing hash map. Each slot holds the key's hash, so probes compare
 * hashes before keys and resizes never rehash strings. Deletion shifts later
 * entries of the probe run back instead of leaving tombstones, so lookups stay
 * short under churn (consumer groups and channels come and go all day).
 * Keys are NUL-terminated copies, so iteration can hand them out as C strings.
 */
#include "common/hashmap.h"

#include "common/alloc.h"
#include "ramjet/status.h"

#include <string.h>

typedef struct {
    char *key; /* NULL: empty slot */
    size_t key_len;
    uint64_t hash;
    void *value;
} slot_t;

struct rj_hashmap {
    slot_t *slots;
    size_t capacity; /* power of two */
    size_t count;
};

uint64_t
rj_hash_bytes(const void *data, size_t len)
{
    /* FNV-1a with a final avalanche (murmur3's fmix64) so low bits are well mixed. */
    const uint8_t *p = data;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

rj_hashmap_t *
rj_hashmap_create(size_t initial_capacity)
{
    rj_hashmap_t *m = rj_calloc(1, sizeof(*m));
    if (m == NULL) {
        return NULL;
    }
    size_t cap = 16;
    while (cap < initial_capacity * 2) {
        cap *= 2;
    }
    m->slots = rj_calloc(cap, sizeof(slot_t));
    if (m->slots == NULL) {
        rj_free(m);
        return NULL;
    }
    m->capacity = cap;
    return m;
}

void
rj_hashmap_clear(rj_hashmap_t *m, void (*free_value)(void *))
{
    for (size_t i = 0; i < m->capacity; i++) {
        if (m->slots[i].key != NULL) {
            if (free_value != NULL) {
                free_value(m->slots[i].value);
            }
            rj_free(m->slots[i].key);
            m->slots[i].key = NULL;
        }
    }
    m->count = 0;
}

void
rj_hashmap_destroy(rj_hashmap_t *m, void (*free_value)(void *))
{
    if (m == NULL) {
        return;
    }
    rj_hashmap_clear(m, free_value);
    rj_free(m->slots);
    rj_free(m);
}

size_t
rj_hashmap_count(const rj_hashmap_t *m)
{
    return m->count;
}

static size_t
find_slot(const rj_hashmap_t *m, const void *key, size_t len, uint64_t hash)
{
    size_t mask = m->capacity - 1;
    size_t i = (size_t)hash & mask;
    for (;;) {
        const slot_t *s = &m->slots[i];
        if (s->key == NULL ||
            (s->hash == hash && s->key_len == len && memcmp(s->key, key, len) == 0)) {
            return i;
        }
        i = (i + 1) & mask;
    }
}

void *
rj_hashmap_get(const rj_hashmap_t *m, const void *key, size_t len)
{
    size_t i = find_slot(m, key, len, rj_hash_bytes(key, len));
    return m->slots[i].key ? m->slots[i].value : NULL;
}

void *
rj_hashmap_get_cstr(const rj_hashmap_t *m, const char *key)
{
    return rj_hashmap_get(m, key, strlen(key));
}

static int
grow(rj_hashmap_t *m)
{
    size_t cap = m->capacity * 2;
    slot_t *slots = rj_calloc(cap, sizeof(slot_t));
    if (slots == NULL) {
        return RJ_ENOMEM;
    }
    for (size_t i = 0; i < m->capacity; i++) {
        slot_t *s = &m->slots[i];
        if (s->key != NULL) {
            size_t j = (size_t)s->hash & (cap - 1);
            while (slots[j].key != NULL) {
                j = (j + 1) & (cap - 1);
            }
            slots[j] = *s;
        }
    }
    rj_free(m->slots);
    m->slots = slots;
    m->capacity = cap;
    return 0;
}

int
rj_hashmap_put(rj_hashmap_t *m, const void *key, size_t len, void *value, void **old)
{
    uint64_t hash = rj_hash_bytes(key, len);
    size_t i = find_slot(m, key, len, hash);
    slot_t *s = &m->slots[i];
    if (s->key != NULL) {
        if (old != NULL) {
            *old = s->value;
        }
        s->value = value;
        return 0;
    }
    /* Keep the load factor under 3/4. */
    if ((m->count + 1) * 4 > m->capacity * 3) {
        if (grow(m) != 0) {
            return RJ_ENOMEM;
        }
        i = find_slot(m, key, len, hash);
        s = &m->slots[i];
    }
    char *copy = rj_strndup(key, len);
    if (copy == NULL) {
        return RJ_ENOMEM;
    }
    s->key = copy;
    s->key_len = len;
    s->hash = hash;
    s->value = value;
    m->count++;
    if (old != NULL) {
        *old = NULL;
    }
    return 0;
}

int
rj_hashmap_put_cstr(rj_hashmap_t *m, const char *key, void *value, void **old)
{
    return rj_hashmap_put(m, key, strlen(key), value, old);
}

/* Empties slot i and moves later members of its probe run back into the gap. */
static void
delete_at(rj_hashmap_t *m, size_t i)
{
    size_t mask = m->capacity - 1;
    rj_free(m->slots[i].key);
    m->slots[i].key = NULL;
    m->count--;
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        slot_t *s = &m->slots[j];
        if (s->key == NULL) {
            return;
        }
        size_t home = (size_t)s->hash & mask;
        /* Move s into the gap at i unless its home lies cyclically in (i, j]. */
        bool stays = (i < j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            m->slots[i] = *s;
            s->key = NULL;
            i = j;
        }
    }
}

void *
rj_hashmap_remove(rj_hashmap_t *m, const void *key, size_t len)
{
    size_t i = find_slot(m, key, len, rj_hash_bytes(key, len));
    if (m->slots[i].key == NULL) {
        return NULL;
    }
    void *value = m->slots[i].value;
    delete_at(m, i);
    return value;
}

void *
rj_hashmap_remove_cstr(rj_hashmap_t *m, const char *key)
{
    return rj_hashmap_remove(m, key, strlen(key));
}

void
rj_hashmap_iter_init(const rj_hashmap_t *m, rj_hashmap_iter_t *it)
{
    it->map = m;
    it->index = 0;
}

bool
rj_hashmap_iter_next(rj_hashmap_iter_t *it, const char **key, size_t *key_len, void **value)
{
    const rj_hashmap_t *m = it->map;
    while (it->index < m->capacity) {
        const slot_t *s = &m->slots[it->index++];
        if (s->key != NULL) {
            if (key != NULL) {
                *key = s->key;
            }
            if (key_len != NULL) {
                *key_len = s->key_len;
            }
            if (value != NULL) {
                *value = s->value;
            }
            return true;
        }
    }
    return false;
}

void *
rj_hashmap_iter_remove(rj_hashmap_iter_t *it)
{
    rj_hashmap_t *m = (rj_hashmap_t *)it->map;
    size_t i = it->index - 1;
    void *value = m->slots[i].value;
    delete_at(m, i);
    /* Backward shift may have moved an unvisited entry into slot i. */
    it->index = i;
    return value;
}
