# The guard that every Catch2 case is exactly one ctest entry, run as the ctest test
# "meta: every Catch2 case is one ctest entry" (label unit).
#
# Why: catch_discover_tests splits a test name at ';' (a CMake list separator). The halves match
# no case, Catch2 prints "No tests ran" and exits 0, and ctest reports Passed for a case that
# never ran. `--warn NoTests` (tests/CMakeLists.txt) makes such an entry fail when it runs; this
# script also catches it when nobody runs it, and catches a case that no ctest entry runs at all
# (a unit case tagged [root], an integration case without [root]).
#
# Inputs (-D): CTEST_COMMAND, BUILD_DIR, and for each binary BIN_<n> with PREFIX_<n>, n = 1..COUNT,
# and optionally SPEC_<n>: the Catch2 test spec its ctest entries were discovered with (a build
# without fault injection leaves out the [fault] cases).
cmake_minimum_required(VERSION 3.20)

execute_process(COMMAND ${CTEST_COMMAND} --test-dir ${BUILD_DIR} -N
    OUTPUT_VARIABLE listing RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ctest -N failed (${rc}):\n${listing}")
endif()
string(REPLACE ";" "\\;" listing "${listing}")
string(REPLACE "\n" ";" listing "${listing}")

set(failed FALSE)
foreach(n RANGE 1 ${COUNT})
    set(bin "${BIN_${n}}")
    set(prefix "${PREFIX_${n}}")
    execute_process(COMMAND ${bin} --list-test-names-only ${SPEC_${n}}
        OUTPUT_VARIABLE names RESULT_VARIABLE list_rc)
    # Catch2 2.13 exits with the number of cases listed; a negative or non-numeric code is a crash.
    if(NOT list_rc MATCHES "^[0-9]+$")
        message(FATAL_ERROR "${bin} --list-test-names-only failed: ${list_rc}")
    endif()
    string(REPLACE ";" "\\;" names "${names}")
    string(REPLACE "\n" ";" names "${names}")
    set(cases 0)
    foreach(name IN LISTS names)
        if(NOT name STREQUAL "")
            math(EXPR cases "${cases} + 1")
            if(name MATCHES ";")
                message(SEND_ERROR "case with ';' in its name (ctest splits it): ${name}")
                set(failed TRUE)
            endif()
        endif()
    endforeach()
    set(entries 0)
    foreach(line IN LISTS listing)
        if(line MATCHES "^ *Test +#[0-9]+: ${prefix}")
            math(EXPR entries "${entries} + 1")
        endif()
    endforeach()
    message(STATUS "${bin}: ${cases} Catch2 cases, ${entries} ctest entries '${prefix}*'")
    if(NOT cases EQUAL entries)
        message(SEND_ERROR
            "${bin}: ${cases} Catch2 cases but ${entries} ctest entries named '${prefix}*'")
        set(failed TRUE)
    endif()
endforeach()
if(failed)
    message(FATAL_ERROR "the ctest list does not match the Catch2 cases")
endif()
