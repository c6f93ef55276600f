// Host paths opened before the child's ids change: see host_access.hpp for why.
#include "exec/child/host_access.hpp"

#include <fcntl.h>

#include <algorithm>

#include "common/text.hpp"
#include "sys/fs.hpp"

namespace sandbox::exec::child {

using plan::MountOp;
using plan::MountOpKind;

namespace {

bool takes_host_source(const MountOp& op) {
    switch (op.kind) {
        case MountOpKind::bind:
        case MountOpKind::dev_node:
        case MountOpKind::write_file:
            return true;
        default:
            return false;
    }
}

bool is_below(const std::string& path, const std::string& dir) {
    return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                           (dir.back() == '/' || path[dir.size()] == '/'));
}

}  // namespace

OpenedSource open_bind_source(const MountOp& op, const std::string& path) {
    OpenedSource out;
    if (op.follow_symlinks || op.kind == MountOpKind::write_file) {
        // The state files are ours (the state root is trusted); a profile bind only with
        // follow_symlinks = true.
        out.fd = sys::UniqueFd(::open(path.c_str(), O_PATH | O_CLOEXEC));
        out.error = out.fd ? 0 : errno;
    } else if (auto fd = sys::open_no_symlinks(path, O_PATH)) {
        out.fd = std::move(*fd);
    } else {
        out.error = fd.error().err();
    }
    return out;
}

HostAccess HostAccess::open(const std::vector<MountOp>& ops, const std::string& rootfs_dir,
                            const std::vector<std::string>& dirs) {
    HostAccess out;
    for (const std::string& dir : dirs) {
        if (dir.empty() || dir.front() != '/') {
            continue;
        }
        if (auto fd = sys::open_dir(dir)) {
            out.m_dirs.push_back(Dir{dir, std::move(*fd)});
        }
    }
    // Longest first, so path() picks the innermost directory.
    std::sort(out.m_dirs.begin(), out.m_dirs.end(),
              [](const Dir& a, const Dir& b) { return a.path.size() > b.path.size(); });
    for (const MountOp& op : ops) {
        if (takes_host_source(op)) {
            out.m_sources.emplace(&op, open_bind_source(op, op.source));
        } else if (op.kind == MountOpKind::bind_root) {
            // A directory rootfs (a bind of the host's / or of rootfs.path): its links are the
            // rootfs's own business, as they always were.
            MountOp follow = op;
            follow.follow_symlinks = true;
            out.m_sources.emplace(
                &op, open_bind_source(follow, op.source.empty() ? rootfs_dir : op.source));
        }
    }
    return out;
}

std::string HostAccess::path(const std::string& host_path) const {
    for (const Dir& dir : m_dirs) {
        if (is_below(host_path, dir.path)) {
            std::string rest = host_path.substr(std::min(host_path.size(), dir.path.size()));
            return "/proc/self/fd/" + std::to_string(dir.fd.get()) + rest;
        }
    }
    return host_path;
}

std::string HostAccess::overlay_options(const std::string& data) const {
    std::vector<std::string> options = text::split(data, ',');
    for (std::string& option : options) {
        size_t eq = option.find('=');
        const std::string key = eq == std::string::npos ? option : option.substr(0, eq);
        if (eq != std::string::npos &&
            (key == "lowerdir" || key == "upperdir" || key == "workdir")) {
            // lowerdir is a ':'-separated stack; each layer is a path of its own.
            std::vector<std::string> layers = text::split(option.substr(eq + 1), ':');
            for (std::string& layer : layers) {
                layer = path(layer);
            }
            option = key + "=" + text::join(layers, ":");
        }
    }
    return text::join(options, ",");
}

OpenedSource* HostAccess::source(const MountOp& op) {
    auto it = m_sources.find(&op);
    return it == m_sources.end() ? nullptr : &it->second;
}

}  // namespace sandbox::exec::child
