#include "sys/error.hpp"

#include <cstring>

namespace sandbox::sys {

namespace {
std::string build_what(const std::string& op, const std::string& path, const std::string& path2) {
    std::string s = op;
    if (!path.empty()) {
        s += " " + path;
    }
    if (!path2.empty()) {
        s += " → " + path2;
    }
    return s;
}
}  // namespace

SysError::SysError(int err, std::string op, std::string path, std::string path2, std::string detail)
    : std::system_error(err, std::generic_category(), build_what(op, path, path2)),
      m_op(std::move(op)),
      m_path(std::move(path)),
      m_path2(std::move(path2)),
      m_detail(std::move(detail)) {}

std::string errno_name(int err) {
    const char* name = strerrorname_np(err);
    return name ? std::string(name) : "E" + std::to_string(err);
}

std::string SysError::describe() const {
    std::string s = build_what(m_op, m_path, m_path2);
    s += ": ";
    if (err() == 0) {  // a library failure with no errno (libnl, libarchive): detail only
        return s + m_detail;
    }
    if (!m_detail.empty()) {
        s += m_detail + ": ";
    }
    s += std::strerror(err());
    s += " (" + errno_name(err()) + ")";
    return s;
}

}  // namespace sandbox::sys
