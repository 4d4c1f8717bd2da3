# The warning set every target of the tree is built with.
set(RJ_WARNING_FLAGS
    -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
    -Wvla -Wundef -Wpointer-arith -Wcast-align -Wno-unused-parameter)
if(RJ_WERROR)
    list(APPEND RJ_WARNING_FLAGS -Werror)
endif()
add_compile_options(${RJ_WARNING_FLAGS} -fno-strict-aliasing)
if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
    add_compile_options(-fno-omit-frame-pointer)
endif()
