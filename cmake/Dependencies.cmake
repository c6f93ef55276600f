# Every dependency is a Debian package (scripts/install-deps.sh installs them).
find_package(tomlplusplus 3 CONFIG REQUIRED)   # tomlplusplus::tomlplusplus (shared lib on Debian)
find_package(yaml-cpp 0.7 REQUIRED)            # target `yaml-cpp` (no namespace in 0.7)
find_package(fmt 9 REQUIRED)
find_package(spdlog 1.10 REQUIRED)
find_package(Threads REQUIRED)
find_package(CLI11 2 CONFIG REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(tl-expected 1 REQUIRED)
find_package(LibArchive REQUIRED)
find_package(OpenSSL 3 REQUIRED)                # OpenSSL::Crypto (SHA-256 of rootfs archives)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SECCOMP REQUIRED IMPORTED_TARGET libseccomp)
pkg_check_modules(LIBCAP REQUIRED IMPORTED_TARGET libcap)
pkg_check_modules(LIBNL REQUIRED IMPORTED_TARGET libnl-3.0 libnl-route-3.0)
pkg_check_modules(NFTABLES REQUIRED IMPORTED_TARGET libnftables)

# Start-up (docs/performance.md): every shared object the launcher maps costs it loading and
# symbol relocation on each run, before main(). With SANDBOX_STATIC_DEPS the libraries Debian
# ships as .a are linked statically, and toml++, spdlog and fmt are compiled from their headers
# into our own objects; with all of them archives, `sandbox` is one static PIE (CMakeLists.txt),
# and only the dlopen()ed libarchive/libnftables/libcrypto (src/sys/lazy_library.hpp) stay
# shared. Off: the distribution's shared libraries, as before.
option(SANDBOX_STATIC_DEPS "Link yaml-cpp, libseccomp, libcap, libnl statically; toml++/spdlog/fmt header-only" ON)
# sandbox_dep(<name> <shared target> <archive names...>): an INTERFACE target `sandbox_dep_<name>`
# that links the first archive found, or the shared target when there is none (or the option is off).
function(sandbox_dep name shared)
    add_library(sandbox_dep_${name} INTERFACE)
    if(SANDBOX_STATIC_DEPS)
        set(archives)
        foreach(a ${ARGN})
            find_library(SANDBOX_${name}_${a}_ARCHIVE NAMES lib${a}.a)
            if(NOT SANDBOX_${name}_${a}_ARCHIVE)
                message(STATUS "sandbox: no lib${a}.a, ${name} stays a shared library")
                set_property(GLOBAL PROPERTY SANDBOX_SHARED_DEP_LEFT ON)  # no static-pie
                set(archives)
                break()
            endif()
            list(APPEND archives ${SANDBOX_${name}_${a}_ARCHIVE})
        endforeach()
        if(archives)
            get_target_property(inc ${shared} INTERFACE_INCLUDE_DIRECTORIES)
            if(inc)
                target_include_directories(sandbox_dep_${name} SYSTEM INTERFACE ${inc})
            endif()
            target_link_libraries(sandbox_dep_${name} INTERFACE ${archives} Threads::Threads m)
            return()
        endif()
    endif()
    set_property(GLOBAL PROPERTY SANDBOX_SHARED_DEP_LEFT ON)
    target_link_libraries(sandbox_dep_${name} INTERFACE ${shared})
endfunction()
sandbox_dep(yaml yaml-cpp yaml-cpp)
sandbox_dep(seccomp PkgConfig::SECCOMP seccomp)
sandbox_dep(cap PkgConfig::LIBCAP cap)
# libnl-route-3 before libnl-3: a static link resolves left to right.
sandbox_dep(nl PkgConfig::LIBNL nl-route-3 nl-3)
add_library(sandbox_dep_toml INTERFACE)
add_library(sandbox_dep_log INTERFACE)
if(SANDBOX_STATIC_DEPS)
    # toml++: only src/profile/read_toml.cpp includes it, so header-only costs one object.
    get_target_property(inc tomlplusplus::tomlplusplus INTERFACE_INCLUDE_DIRECTORIES)
    target_include_directories(sandbox_dep_toml SYSTEM INTERFACE ${inc})
    target_compile_definitions(sandbox_dep_toml INTERFACE TOML_HEADER_ONLY=1)
    # Debian ships spdlog and fmt as shared libraries only (linked against libstdc++.so, which
    # a static libstdc++ must not meet at run time): their header-only forms.
    target_link_libraries(sandbox_dep_log INTERFACE spdlog::spdlog_header_only fmt::fmt-header-only)
    get_target_property(deps spdlog::spdlog_header_only INTERFACE_LINK_LIBRARIES)
    list(REMOVE_ITEM deps fmt::fmt)
    set_target_properties(spdlog::spdlog_header_only PROPERTIES INTERFACE_LINK_LIBRARIES "${deps}")
else()
    target_link_libraries(sandbox_dep_toml INTERFACE tomlplusplus::tomlplusplus)
    target_link_libraries(sandbox_dep_log INTERFACE spdlog::spdlog fmt::fmt)
endif()

if(SANDBOX_BUILD_TESTS)
    find_package(Catch2 2 REQUIRED)
    include(Catch)
endif()
