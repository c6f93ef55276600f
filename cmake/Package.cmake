# `cpack -G DEB` in a build directory: a Debian package of what `cmake --install` installs.
# Build it from the `release` preset: the package must not carry the test-only fault injection
# (SANDBOX_FAIL_AT / SANDBOX_DELAY_AT), which CMakeLists.txt compiles only with
# SANDBOX_FAULT_INJECTION=ON.
set(CPACK_PACKAGE_NAME sandbox)
set(CPACK_PACKAGE_VENDOR "sandbox developers")
set(CPACK_PACKAGE_CONTACT "sandbox developers <sandbox@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "declarative, config-file driven Linux sandbox launcher")
set(CPACK_PACKAGE_DESCRIPTION
    "sandbox sets up a Linux sandbox (namespaces, mounts, cgroup limits, capabilities, seccomp,
Landlock) from a declarative TOML or YAML profile and runs a program in it.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Dependencies of the linked libraries come from dpkg-shlibdeps. libarchive, libcrypto and
# libnftables are dlopen()ed on first use (src/sys/lazy_library.hpp), which dpkg-shlibdeps
# cannot see: rootfs archives and NAT need them, so they are Recommends.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
if(SANDBOX_STATIC_PIE)
    # A static PIE has no DT_NEEDED for dpkg-shlibdeps to read. It still needs libc6: glibc
    # loads the dlopen()ed libraries above into it, with their libc.so, through interfaces
    # private to one glibc release, so the release it was linked against (2.36 -> 2.36.x).
    execute_process(COMMAND getconf GNU_LIBC_VERSION OUTPUT_VARIABLE _glibc
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    string(REGEX MATCH "([0-9]+)\\.([0-9]+)" _glibc_version "${_glibc}")
    if(_glibc_version)
        math(EXPR _glibc_next "${CMAKE_MATCH_2} + 1")
        set(CPACK_DEBIAN_PACKAGE_DEPENDS
            "libc6 (>= ${_glibc_version}), libc6 (<< ${CMAKE_MATCH_1}.${_glibc_next})")
    else()
        set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc6")
    endif()
endif()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libarchive13, libssl3, libnftables1")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion")
set(CPACK_SOURCE_IGNORE_FILES "/build/;/\\\\.git/")
include(CPack)
