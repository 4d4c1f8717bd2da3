# rj_add_unit_test(<name> SOURCES <files...> LIBS <libs...> [TIMEOUT s])
# One cmocka executable per tested source file, labelled "unit".
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)

function(rj_add_unit_test name)
    cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 60)
    endif()
    add_executable(${name} ${T_SOURCES})
    target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
    set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES LABELS "unit;${T_LABELS}" TIMEOUT ${T_TIMEOUT}
        ENVIRONMENT "RJ_SOURCE_DIR=${PROJECT_SOURCE_DIR};RJ_BIN_DIR=${CMAKE_BINARY_DIR}/bin;CMOCKA_MESSAGE_OUTPUT=stdout")
endfunction()

# rj_add_integration_test(<name> SOURCES <files...> LIBS <libs...> [TIMEOUT s])
# Scenario tests that start the real daemons; labelled "integration".
function(rj_add_integration_test name)
    cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 180)
    endif()
    add_executable(${name} ${T_SOURCES})
    target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
    set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES LABELS "integration;${T_LABELS}" TIMEOUT ${T_TIMEOUT}
        ENVIRONMENT "RJ_SOURCE_DIR=${PROJECT_SOURCE_DIR};RJ_BIN_DIR=${CMAKE_BINARY_DIR}/bin;CMOCKA_MESSAGE_OUTPUT=stdout")
endfunction()
