// describe() for the mounts step: the bubblewrap-style ops of Plan::mounts, one a line, with
// the kernel flags each mount(2) call gets spelled as the executor (exec/child/mounts.cpp)
// passes them.
#include <fmt/format.h>

#include "plan/describe.hpp"
#include "profile/enum_names.hpp"

namespace sandbox::plan {

namespace {

std::string_view propagation_flag(profile::Propagation p) {
    return profile::other_name_of(profile::k_propagation_names, p);
}

// Where a mount op's profile values were written (its target key, else any key under it).
std::string origin_of(const profile::Origins& origins, const std::string& key) {
    for (const std::string& k : {key + ".target", key}) {
        auto it = origins.find(k);
        if (it != origins.end()) {
            return it->second.str();
        }
    }
    auto it = origins.lower_bound(key + ".");
    if (it != origins.end() && it->first.rfind(key + ".", 0) == 0) {
        return it->second.str();
    }
    return {};
}

std::string mount_line(const MountOp& op, const profile::Origins* origins) {
    std::string flags = mount_flags_str(op);
    std::string line;
    std::string target = op.target;
    switch (op.kind) {
        case MountOpKind::make_private:
            line = fmt::format("make-private {}", target);
            break;
        case MountOpKind::bind_root:
            line = fmt::format("bind {} → {} (new root)",
                               op.source.empty() ? "<unpacked archive>" : op.source, target);
            break;
        case MountOpKind::overlay_root:
            line = fmt::format("overlay → {} (new root) \"{}\"", target, op.data);
            break;
        case MountOpKind::tmpfs_root:
            line = fmt::format("tmpfs → {} (new root) \"{}\"", target, op.data);
            break;
        case MountOpKind::bind:
        case MountOpKind::dev_node:
        case MountOpKind::write_file:
            line = fmt::format("{} {} → {}", to_string(op.kind), op.source, target);
            break;
        case MountOpKind::readonly:
            line = fmt::format("readonly {}", target);
            break;
        case MountOpKind::mask:
            line = fmt::format("mask {}", target);
            break;
        case MountOpKind::symlink:
            line = fmt::format("symlink {} → {}", target, op.source);
            break;
        case MountOpKind::tmpfs:
        case MountOpKind::proc:
        case MountOpKind::sysfs:
        case MountOpKind::devpts:
        case MountOpKind::mqueue:
            line = fmt::format("{} {} → {}", to_string(op.kind), op.source, target);
            break;
    }
    if (!flags.empty()) {
        line += " [" + flags + "]";
    }
    bool data_shown = op.kind == MountOpKind::overlay_root || op.kind == MountOpKind::tmpfs_root;
    if (!op.data.empty() && !data_shown) {
        line += " \"" + op.data + "\"";
    }
    if (op.create != MountOp::Create::none) {
        line += fmt::format(" create={}", to_string(op.create));
        if (op.create_mode) {
            line += fmt::format(" mode={}", desc::octal(*op.create_mode));
        }
    }
    if (op.optional) {
        line += " optional";
    }
    line += " (" + op.origin + ")";
    if (origins && op.origin.rfind("mounts[", 0) == 0) {
        std::string where = origin_of(*origins, op.origin);
        if (!where.empty()) {
            line += " @ " + where;
        }
    }
    return line;
}

DescJson json_flags(const MountFlags& f) {
    return DescJson{{"readonly", f.readonly},
                    {"nosuid", f.nosuid},
                    {"nodev", f.nodev},
                    {"noexec", f.noexec},
                    {"noatime", f.noatime},
                    {"relatime", f.relatime},
                    {"strictatime", f.strictatime},
                    {"nodiratime", f.nodiratime},
                    {"nosymfollow", f.nosymfollow},
                    {"recursive", f.recursive}};
}

}  // namespace

namespace {

constexpr profile::EnumName<MountOpKind> k_mount_op_kind_names[] = {
    {MountOpKind::make_private, "make_private"},
    {MountOpKind::bind_root, "bind_root"},
    {MountOpKind::overlay_root, "overlay_root"},
    {MountOpKind::tmpfs_root, "tmpfs_root"},
    {MountOpKind::bind, "bind"},
    {MountOpKind::tmpfs, "tmpfs"},
    {MountOpKind::proc, "proc"},
    {MountOpKind::sysfs, "sysfs"},
    {MountOpKind::devpts, "devpts"},
    {MountOpKind::mqueue, "mqueue"},
    {MountOpKind::dev_node, "dev_node"},
    {MountOpKind::symlink, "symlink"},
    {MountOpKind::mask, "mask"},
    {MountOpKind::readonly, "readonly"},
    {MountOpKind::write_file, "write_file"},
};
constexpr profile::EnumName<MountOp::Create> k_create_names[] = {
    {MountOp::Create::none, "none"},
    {MountOp::Create::dir, "dir"},
    {MountOp::Create::file, "file"},
    {MountOp::Create::like_source, "like-source"},
};

}  // namespace

std::string_view to_string(MountOpKind kind) {
    return profile::name_of(k_mount_op_kind_names, kind);
}

std::string_view to_string(MountOp::Create create) {
    return profile::name_of(k_create_names, create);
}

std::string mount_flags_str(const MountOp& op) {
    std::vector<std::string> f;
    bool is_bind = op.kind == MountOpKind::bind || op.kind == MountOpKind::bind_root ||
                   op.kind == MountOpKind::dev_node || op.kind == MountOpKind::write_file ||
                   op.kind == MountOpKind::readonly;
    if (op.kind == MountOpKind::symlink || op.kind == MountOpKind::mask) {
        if (op.kind == MountOpKind::mask) {
            return "MS_BIND|MS_RDONLY or tmpfs MS_RDONLY";
        }
        return {};
    }
    if (is_bind) {
        f.emplace_back("MS_BIND");
    }
    if (op.flags.recursive) {
        f.emplace_back("MS_REC");
    }
    const std::pair<bool, const char*> flags[] = {
        {op.flags.readonly, "MS_RDONLY"},
        {op.flags.nosuid, "MS_NOSUID"},
        {op.flags.nodev, "MS_NODEV"},
        {op.flags.noexec, "MS_NOEXEC"},
        {op.flags.noatime, "MS_NOATIME"},
        {op.flags.relatime, "MS_RELATIME"},
        {op.flags.strictatime, "MS_STRICTATIME"},
        {op.flags.nodiratime, "MS_NODIRATIME"},
        {op.flags.nosymfollow, "MS_NOSYMFOLLOW"},
    };
    for (const auto& [on, name] : flags) {
        if (on) {
            f.emplace_back(name);
        }
    }
    if (op.propagation) {
        f.emplace_back(propagation_flag(*op.propagation));
    }
    return desc::join(f, "|");
}

StepDescription describe(const std::vector<MountOp>& mounts, const profile::Origins* origins) {
    StepDescription d{StepId::mounts};
    if (mounts.empty()) {
        d.lines.push_back("- none");
    }
    DescJson ops = DescJson::array();
    for (const MountOp& op : mounts) {
        d.lines.push_back(mount_line(op, origins));
        DescJson o = {{"kind", to_string(op.kind)},
                      {"source", op.source},
                      {"target", op.target},
                      {"flags", mount_flags_str(op)},
                      {"flag_bits", json_flags(op.flags)},
                      {"data", op.data},
                      {"propagation", op.propagation ? DescJson(propagation_flag(*op.propagation))
                                                     : DescJson(nullptr)},
                      {"create", to_string(op.create)},
                      {"create_mode",
                       op.create_mode ? DescJson(desc::octal(*op.create_mode)) : DescJson(nullptr)},
                      {"optional", op.optional},
                      {"origin", op.origin}};
        if (origins && op.origin.rfind("mounts[", 0) == 0) {
            std::string where = origin_of(*origins, op.origin);
            if (!where.empty()) {
                o["written_at"] = where;
            }
        }
        ops.push_back(o);
    }
    d.fields = {{"ops", ops}};
    return d;
}

}  // namespace sandbox::plan
