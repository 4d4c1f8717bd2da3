/*
 * RJ_ASSERT: cheap invariants that guard data stay on in release builds (as
 * redis' serverAssert). Never use it on input from a socket or a file: decoders
 * return errors for bad input.
 */
#ifndef RJ_COMMON_ASSERT_H
#define RJ_COMMON_ASSERT_H

#define RJ_ASSERT(cond)                                \
    do {                                               \
        if (__builtin_expect(!(cond), 0)) {            \
            rj_assert_fail(#cond, __FILE__, __LINE__); \
        }                                              \
    } while (0)

_Noreturn void rj_assert_fail(const char *expr, const char *file, int line);

#define RJ_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Through void * so that -Wcast-align accepts it: the member really is inside a `type`. */
#define rj_container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#endif
