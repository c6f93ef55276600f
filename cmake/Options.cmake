# Warnings, definitions, hardening and sanitizers on one INTERFACE target that only our own
# targets link (ccache's standard_settings / standard_warnings).
add_library(sandbox_options INTERFACE)
target_compile_options(sandbox_options INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
    -Wnull-dereference -Wformat=2 -Wimplicit-fallthrough -Wextra-semi)
if(SANDBOX_WERROR)
    target_compile_options(sandbox_options INTERFACE -Werror)
endif()
# gcc 12 at -O2/-O3 reports -Wrestrict inside libstdc++ for `"literal" + std::string`
# (char_traits.h memcpy "may overlap up to 9223372036854775813 bytes"): a false positive of the
# compiler, GCC bug 105651, fixed in gcc 13. Off for gcc < 13 only; other compilers keep it.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(sandbox_options INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Wno-restrict>)
    # Test binaries only (tests/CMakeLists.txt says why): gcc 12's -O3 false positives in
    # inlined libstdc++ code.
    set(_test_code "$<BOOL:$<TARGET_PROPERTY:SANDBOX_GCC12_TEST_CODE>>")
    target_compile_options(sandbox_options INTERFACE
        $<$<AND:$<COMPILE_LANGUAGE:CXX>,${_test_code}>:-Wno-null-dereference -Wno-maybe-uninitialized>)
endif()
target_compile_definitions(sandbox_options INTERFACE _FILE_OFFSET_BITS=64 $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>)
if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
    target_compile_options(sandbox_options INTERFACE -fstack-protector-strong -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2)
    # Optimised builds (the release preset is what the package ships): each function and object
    # in a section of its own so --gc-sections drops what nothing calls (a smaller file to map
    # and fault in at start-up); -O1 lets ld optimise the hash tables ld.so searches;
    # --as-needed drops a DT_NEEDED no symbol comes from (one less object to load).
    add_compile_options(-ffunction-sections -fdata-sections)
    add_link_options(-Wl,--gc-sections -Wl,-O1 -Wl,--as-needed)
endif()
# Release: -Os instead of CMake's -O3. A start-up is page faults, exits and system calls, not
# computation: every page of code a run touches is faulted in (and unmapped at exit) by the
# launcher and again by its clones, and -O3's inlining and unrolling spread the same work over
# 5.5 MB of .text where -Os needs 3.2 MB (bench/run.sh rows 0.12-0.15 ms faster,
# docs/performance.md).
string(REPLACE "-O3" "-Os" CMAKE_CXX_FLAGS_RELEASE "${CMAKE_CXX_FLAGS_RELEASE}")
string(REPLACE "-O3" "-Os" CMAKE_C_FLAGS_RELEASE "${CMAKE_C_FLAGS_RELEASE}")
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
add_link_options(-Wl,-z,relro,-z,now)
# Relative relocations packed as DT_RELR (binutils >= 2.38, glibc >= 2.36; Debian 12 has both):
# a PIE's ~5400 R_X86_64_RELATIVE entries (130 KB that ld.so reads on every start) become a
# 1 KB bitmap. -0.02 ms on every command (bench/ab.py, docs/performance.md); ASLR is kept,
# which linking without -pie (-0.05 ms) would give up.
include(CheckLinkerFlag)
check_linker_flag(CXX "-Wl,-z,pack-relative-relocs" SANDBOX_HAVE_RELR)
if(SANDBOX_HAVE_RELR)
    add_link_options(-Wl,-z,pack-relative-relocs)
endif()
# A GNU build id in every executable: the seccomp BPF cache is keyed by it (sys/seccomp.hpp
# seccomp_cache_tag), so a filter compiled by one build is never loaded by another. Debian's
# gcc passes --build-id already; saying it keeps other toolchains from silently turning the
# cache off.
add_link_options(-Wl,--build-id=sha1)
if(SANDBOX_SANITIZE)
    string(REPLACE ";" "," _san "${SANDBOX_SANITIZE}")
    add_compile_options(-fsanitize=${_san} -fno-omit-frame-pointer)
    add_link_options(-fsanitize=${_san})
endif()
