#include "sys/sysctl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "sys/fd.hpp"
#include "sys/fs.hpp"

namespace sandbox::sys {

Result<std::string> read_sysctl(const std::string& path) {
    Result<std::string> value = read_file(path, 4096);
    if (value) {
        while (!value->empty() && (value->back() == '\n' || value->back() == ' ')) {
            value->pop_back();
        }
    }
    return value;
}

Status write_sysctl(const std::string& path, const std::string& value) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) {
        return fail("open", path);
    }
    const std::string line = value + "\n";
    // procfs takes a sysctl value in one write; a short write means it was not applied.
    ssize_t n = ::write(fd.get(), line.data(), line.size());
    if (n < 0) {
        return fail("write", path, {});
    }
    if (static_cast<size_t>(n) != line.size()) {
        return fail_with(EIO, "write", path, {}, "short write");
    }
    if (!fd.close()) {
        return fail("close", path);
    }
    return {};
}

}  // namespace sandbox::sys
