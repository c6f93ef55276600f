#pragma once
// One error type for system failures: the operation, the object(s) and errno (crun's
// `libcrun_error_t`, youki's WrappedIoError). sys/ returns Result<T>; exec/ step code turns a
// failure into an exception with or_throw(), and run_step adds the pipeline step.
#include <cerrno>
#include <string>
#include <system_error>
#include <tl/expected.hpp>
#include <utility>

namespace sandbox::sys {

class SysError : public std::system_error {
public:
    SysError(int err, std::string op, std::string path = {}, std::string path2 = {},
             std::string detail = {});

    int err() const { return code().value(); }
    const std::string& op() const { return m_op; }
    const std::string& path() const { return m_path; }
    const std::string& path2() const { return m_path2; }
    const std::string& detail() const { return m_detail; }

    // "bind /data → /work: No such file or directory (ENOENT)"
    std::string describe() const;

private:
    std::string m_op;
    std::string m_path;
    std::string m_path2;
    std::string m_detail;
};

template <typename T>
using Result = tl::expected<T, SysError>;
using Status = Result<void>;

// tl::unexpected for the current errno: `return fail("mkdir", path);`
inline tl::unexpected<SysError> fail(std::string op, std::string path = {},
                                     std::string path2 = {}) {
    return tl::unexpected<SysError>(
        SysError(errno, std::move(op), std::move(path), std::move(path2)));
}
inline tl::unexpected<SysError> fail_with(int err, std::string op, std::string path = {},
                                          std::string path2 = {}, std::string detail = {}) {
    return tl::unexpected<SysError>(
        SysError(err, std::move(op), std::move(path), std::move(path2), std::move(detail)));
}

// "ENOENT" (glibc strerrorname_np), or "E<number>".
std::string errno_name(int err);

// Step code that cannot go on: value or throw the SysError.
template <typename T>
T or_throw(Result<T>&& r) {
    if (!r) {
        throw std::move(r.error());
    }
    if constexpr (!std::is_void_v<T>) {
        return std::move(*r);
    }
}

}  // namespace sandbox::sys
