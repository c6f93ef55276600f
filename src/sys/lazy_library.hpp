#pragma once
// Shared libraries that only some runs need are loaded on first use instead of at exec time:
// libarchive and libcrypto (an archive rootfs) and libnftables (NAT, port forwards). As
// DT_NEEDED entries they, and ICU, libxml2, gmp, nettle... behind them, were mapped and
// relocated in every `sandbox` process, about 2 ms of each start-up (docs/performance.md).
// The same pattern as systemd's dlopen_many_sym_or_warn(): declare the functions a file uses
// in an X-macro list, resolve them all at once, fail with the library's name when missing.
#include <dlfcn.h>

#include <string>

#include "sys/error.hpp"

namespace sandbox::sys {

// dlopen(soname, RTLD_NOW | RTLD_LOCAL), once per soname for the process; the handle is never
// closed. ELIBACC with dlerror()'s text when the library is missing.
Result<void*> open_library(const char* soname);

// dlsym for one function of an opened library, typed as the declaration `Fn` (decltype(&f)).
template <typename Fn>
Result<Fn> library_function(void* handle, const char* soname, const char* name) {
    void* symbol = ::dlsym(handle, name);
    if (symbol == nullptr) {
        return fail_with(ELIBBAD, "dlsym", soname, {}, name);
    }
    return reinterpret_cast<Fn>(symbol);
}

// Points `out` at the process's one resolved table of `Api` (SANDBOX_LAZY_API), resolving it on
// the first call; every later call returns the first outcome.
template <class Api>
Status load_library_api(const Api*& out) {
    static const Result<Api> api = Api::resolve();
    if (!api) {
        return tl::unexpected(api.error());
    }
    out = &*api;
    return {};
}

}  // namespace sandbox::sys

// Declares a struct member per function (`decltype(&::fn) fn`), and resolves them all.
#define SANDBOX_LAZY_MEMBER(fn) decltype(&::fn) fn = nullptr;
#define SANDBOX_LAZY_RESOLVE(fn)                                                                \
    {                                                                                           \
        auto resolved = ::sandbox::sys::library_function<decltype(&::fn)>(handle, soname, #fn); \
        if (!resolved) {                                                                        \
            return tl::unexpected(resolved.error());                                            \
        }                                                                                       \
        table.fn = *resolved;                                                                   \
    }

// `struct Api` with a member per function of the X-macro `LIST`, and `Api::resolve()`, which
// opens `library` and resolves them all (load_library_api calls it once).
#define SANDBOX_LAZY_API(Api, library, LIST)                    \
    struct Api {                                                \
        LIST(SANDBOX_LAZY_MEMBER)                               \
        static ::sandbox::sys::Result<Api> resolve() {          \
            const char* soname = library;                       \
            auto opened = ::sandbox::sys::open_library(soname); \
            if (!opened) {                                      \
                return tl::unexpected(opened.error());          \
            }                                                   \
            void* handle = *opened;                             \
            Api table;                                          \
            LIST(SANDBOX_LAZY_RESOLVE)                          \
            return table;                                       \
        }                                                       \
    };
