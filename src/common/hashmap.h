/*
 * String-keyed hash map (open addressing, linear probing, backward-shift
 * deletion). Keys are copied into the map; values are borrowed pointers.
 * Not thread-safe: the owner locks around it.
 */
#ifndef RJ_COMMON_HASHMAP_H
#define RJ_COMMON_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rj_hashmap rj_hashmap_t;

typedef struct {
    const rj_hashmap_t *map;
    size_t index;
} rj_hashmap_iter_t;

/* NULL when out of memory. */
rj_hashmap_t *rj_hashmap_create(size_t initial_capacity);

/* Frees the map and its keys; calls `free_value` (may be NULL) on each value. */
void rj_hashmap_destroy(rj_hashmap_t *map, void (*free_value)(void *value));

/* Removes every entry (calls `free_value` on each). */
void rj_hashmap_clear(rj_hashmap_t *map, void (*free_value)(void *value));

size_t rj_hashmap_count(const rj_hashmap_t *map);

/* The value for the key, or NULL. */
void *rj_hashmap_get(const rj_hashmap_t *map, const void *key, size_t key_len);
void *rj_hashmap_get_cstr(const rj_hashmap_t *map, const char *key);

/*
 * Inserts or replaces. The replaced value (or NULL) goes to *old when `old` is
 * not NULL. Returns 0 or RJ_ENOMEM (map unchanged).
 */
int rj_hashmap_put(rj_hashmap_t *map, const void *key, size_t key_len, void *value, void **old);
int rj_hashmap_put_cstr(rj_hashmap_t *map, const char *key, void *value, void **old);

/* Removes the key; returns its value or NULL. */
void *rj_hashmap_remove(rj_hashmap_t *map, const void *key, size_t key_len);
void *rj_hashmap_remove_cstr(rj_hashmap_t *map, const char *key);

/*
 * Iteration in table order. The map must not be modified while iterating,
 * except through rj_hashmap_iter_remove() on the current entry.
 */
void rj_hashmap_iter_init(const rj_hashmap_t *map, rj_hashmap_iter_t *it);
bool rj_hashmap_iter_next(rj_hashmap_iter_t *it, const char **key, size_t *key_len, void **value);

/*
 * Removes the entry last returned by rj_hashmap_iter_next() and returns its value.
 * The iteration continues correctly; an entry may be visited a second time.
 */
void *rj_hashmap_iter_remove(rj_hashmap_iter_t *it);

/* 64-bit hash of a byte string (also for callers that shard by key). */
uint64_t rj_hash_bytes(const void *data, size_t len);

#endif
