// Step 10, one profile mount: [[mounts]] entry -> MountOp (flags, filesystem data, what to
// create). The order of all mount ops is decided in plan/planner.cpp (plan_mounts).
#include "plan/mount_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <string_view>
#include <utility>

#include "profile/enum_names.hpp"

namespace sandbox::plan {

namespace {

std::string octal(uint32_t mode) {
    return fmt::format("{:04o}", mode);
}

MountFlags flags_from_options(const std::vector<std::string>& options, std::string& extra_data,
                              std::vector<std::string>& unknown) {
    // The options that are mount(2) flags; "rw" is the default and sets nothing.
    static constexpr std::pair<std::string_view, bool MountFlags::*> k_flags[] = {
        {"nosuid", &MountFlags::nosuid},         {"nodev", &MountFlags::nodev},
        {"noexec", &MountFlags::noexec},         {"noatime", &MountFlags::noatime},
        {"relatime", &MountFlags::relatime},     {"strictatime", &MountFlags::strictatime},
        {"nodiratime", &MountFlags::nodiratime}, {"nosymfollow", &MountFlags::nosymfollow},
        {"ro", &MountFlags::readonly},
    };
    MountFlags f;
    for (const std::string& o : options) {
        auto it = std::find_if(std::begin(k_flags), std::end(k_flags),
                               [&](const auto& row) { return row.first == o; });
        if (it != std::end(k_flags)) {
            f.*(it->second) = true;
        } else if (o != "rw") {
            // Filesystem-specific ("uid=1000", "nr_inodes=1k"): passed as mount data.
            unknown.push_back(o);
            extra_data += (extra_data.empty() ? "" : ",") + o;
        }
    }
    return f;
}

// A profile mount type's op kind: the kinds of the same name.
MountOpKind kind_of(profile::MountType type) {
    using K = MountOpKind;
    constexpr std::pair<profile::MountType, K> k_kinds[] = {
        {profile::MountType::bind, K::bind},     {profile::MountType::tmpfs, K::tmpfs},
        {profile::MountType::proc, K::proc},     {profile::MountType::sysfs, K::sysfs},
        {profile::MountType::devpts, K::devpts}, {profile::MountType::mqueue, K::mqueue},
    };
    for (const auto& [t, k] : k_kinds) {
        if (t == type) {
            return k;
        }
    }
    return K::bind;
}

// The source a filesystem mount gets when the profile names none: its type ("tmpfs").
std::string fs_source(profile::MountType type) {
    return std::string(profile::other_name_of(profile::k_mount_type_names, type));
}

}  // namespace

MountOp profile_mount(const profile::Mount& m, size_t index, std::vector<PlanNote>& notes) {
    MountOp op;
    op.kind = kind_of(m.type);
    op.origin = "mounts[" + std::to_string(index) + "]";
    op.target = m.target;
    op.source =
        m.type == profile::MountType::bind || !m.source.empty() ? m.source : fs_source(m.type);
    std::string extra;
    std::vector<std::string> unknown;
    op.flags = flags_from_options(m.options, extra, unknown);
    op.flags.readonly = op.flags.readonly || m.readonly;
    op.propagation = m.propagation;
    op.optional = m.optional;
    op.follow_symlinks = m.follow_symlinks;
    if (m.type == profile::MountType::bind) {
        op.flags.recursive = m.recursive;
        op.create = m.create ? MountOp::Create::like_source : MountOp::Create::none;
        if (m.create) {
            op.create_mode = m.mode;
        }
        if (!unknown.empty()) {
            std::string list;
            for (const std::string& u : unknown) {
                list += (list.empty() ? "'" : ", '") + u + "'";
            }
            notes.push_back(PlanNote{StepId::mounts, PlanNote::Level::warning,
                                     op.origin + ": options " + list +
                                         " have no meaning for a bind mount and are ignored"});
        }
        return op;
    }
    op.create = m.create ? MountOp::Create::dir : MountOp::Create::none;
    if (m.type != profile::MountType::tmpfs && m.type != profile::MountType::devpts && m.create) {
        op.create_mode = m.mode;
    }
    std::vector<std::string> data;
    if (m.type == profile::MountType::tmpfs) {
        if (m.size) {
            data.push_back("size=" + std::to_string(m.size->count));
        }
        if (m.mode) {
            data.push_back("mode=" + octal(*m.mode));
        }
    } else if (m.type == profile::MountType::devpts) {
        data.push_back("newinstance");
        data.push_back("ptmxmode=0666");
        data.push_back("mode=" + (m.mode ? octal(*m.mode) : std::string("0620")));
    }
    if (!extra.empty()) {
        data.push_back(extra);
    }
    for (const std::string& d : data) {
        op.data += (op.data.empty() ? "" : ",") + d;
    }
    return op;
}

}  // namespace sandbox::plan
