# The warning set every target of the tree is built with.
set(RJ_WARNING_FLAGS
    -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
    -Wvla -Wundef -Wpointer-arith -Wno-unused-parameter)
# gcc's plain -Wcast-align is silent on x86; the strict form flags what clang flags.
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
    list(APPEND RJ_WARNING_FLAGS -Wcast-align=strict)
else()
    list(APPEND RJ_WARNING_FLAGS -Wcast-align)
endif()
if(RJ_WERROR)
    list(APPEND RJ_WARNING_FLAGS -Werror)
endif()
add_compile_options(${RJ_WARNING_FLAGS} -fno-strict-aliasing)
if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
    add_compile_options(-fno-omit-frame-pointer)
endif()
