#include "sys/lazy_library.hpp"

#include <map>
#include <mutex>

namespace sandbox::sys {

Result<void*> open_library(const char* soname) {
    static std::mutex mutex;
    static std::map<std::string, void*> opened;
    std::lock_guard lock(mutex);
    auto it = opened.find(soname);
    if (it != opened.end()) {
        return it->second;
    }
    void* handle = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* why = ::dlerror();
        return fail_with(ELIBACC, "dlopen", soname, {}, why ? why : "not found");
    }
    opened.emplace(soname, handle);
    return handle;
}

}  // namespace sandbox::sys
