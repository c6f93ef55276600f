#pragma once
// What the OCI and Kubernetes exporters decide alike: what a mount op of the plan is to an
// exported format (so both switch over the same few roles, and a new MountOpKind is placed for
// both in one switch), and when a user or group is a number an exported format can carry.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>

#include "plan/plan.hpp"

namespace sandbox::exporter {

enum class MountRole {
    built_by_runtime,  // root preparation, /dev nodes and /dev symlinks: a runtime does these
    bind,
    tmpfs,
    special_fs,  // proc, sysfs, devpts, mqueue
    mask,
    readonly,
    write_file,  // a file `sandbox up` writes among its state entries and binds in at run time
};

inline MountRole role_of(plan::MountOpKind kind) {
    switch (kind) {
        case plan::MountOpKind::make_private:
        case plan::MountOpKind::bind_root:
        case plan::MountOpKind::overlay_root:
        case plan::MountOpKind::tmpfs_root:
        case plan::MountOpKind::dev_node:
        case plan::MountOpKind::symlink:
            return MountRole::built_by_runtime;
        case plan::MountOpKind::bind:
            return MountRole::bind;
        case plan::MountOpKind::tmpfs:
            return MountRole::tmpfs;
        case plan::MountOpKind::proc:
        case plan::MountOpKind::sysfs:
        case plan::MountOpKind::devpts:
        case plan::MountOpKind::mqueue:
            return MountRole::special_fs;
        case plan::MountOpKind::mask:
            return MountRole::mask;
        case plan::MountOpKind::readonly:
            return MountRole::readonly;
        case plan::MountOpKind::write_file:
            return MountRole::write_file;
    }
    return MountRole::built_by_runtime;
}

// "1000" -> 1000; a name ("nobody", "12abc") or nothing -> nullopt.
inline std::optional<uint32_t> numeric_id(const std::optional<std::string>& id) {
    if (!id || id->empty() || !std::all_of(id->begin(), id->end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c));
        })) {
        return std::nullopt;
    }
    try {
        return static_cast<uint32_t>(std::stoul(*id));
    } catch (...) {
        return std::nullopt;
    }
}

}  // namespace sandbox::exporter
