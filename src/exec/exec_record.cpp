// The exec record: JSON in, JSON out, and the trust checks on reading it back (exec_record.hpp).
#include "exec/exec_record.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "sys/cgroup.hpp"
#include "sys/fs.hpp"

namespace sandbox::exec {

namespace {

using nlohmann::json;

json optional_text(const std::optional<std::string>& v) {
    return v ? json(*v) : json(nullptr);
}

std::optional<std::string> read_optional_text(const json& j, const char* key) {
    if (!j.contains(key) || j.at(key).is_null()) {
        return std::nullopt;
    }
    return j.at(key).get<std::string>();
}

json optional_number(const std::optional<uint64_t>& v) {
    return v ? json(*v) : json(nullptr);
}

std::optional<uint64_t> read_optional_number(const json& j, const char* key) {
    if (!j.contains(key) || j.at(key).is_null()) {
        return std::nullopt;
    }
    return j.at(key).get<uint64_t>();
}

std::vector<uint32_t> current_groups() {
    int n = getgroups(0, nullptr);
    std::vector<gid_t> gids(n > 0 ? static_cast<size_t>(n) : 0);
    if (n > 0) {
        n = getgroups(n, gids.data());
    }
    return std::vector<uint32_t>(gids.begin(), gids.begin() + std::max(n, 0));
}

}  // namespace

ExecRecord make_exec_record(const plan::Plan& plan, const std::vector<std::string>& env,
                            const sys::Cgroup* cgroup) {
    ExecRecord r;
    for (const plan::NamespaceOp& op : plan.spawn.namespaces) {
        r.namespaces.emplace_back(plan::to_string(op.type));  // "mnt" for mount
    }
    if (cgroup != nullptr) {
        r.cgroup_version = plan.cgroup.version == plan::CgroupVersion::v1 ? "v1" : "v2";
        r.cgroup_path = plan.cgroup.path;
        r.cgroup_attach_files = cgroup->self_attach_files();
        std::vector<std::string> dirs = cgroup->dirs();
        if (r.cgroup_version == "v2" && !dirs.empty()) {
            r.cgroup_leaf = dirs.front();
        }
    }
    r.user_namespace = plan.id_maps.enabled;
    r.deny_setgroups = plan.id_maps.deny_setgroups;
    r.launcher_groups = current_groups();
    r.process = plan.process;
    r.process.args.clear();
    r.env = env;
    r.capabilities = plan.capabilities;
    r.security = plan.security;
    r.seccomp = plan.seccomp.enabled;
    r.seccomp_cache_key = plan.seccomp.cache_key;
    return r;
}

std::string to_json(const ExecRecord& r) {
    json j;
    j["version"] = ExecRecord::k_version;
    j["namespaces"] = r.namespaces;
    j["cgroup"] = {{"version", r.cgroup_version},
                   {"path", r.cgroup_path},
                   {"attach_files", r.cgroup_attach_files},
                   {"leaf", r.cgroup_leaf}};
    j["user_namespace"] = r.user_namespace;
    j["deny_setgroups"] = r.deny_setgroups;
    j["launcher_groups"] = r.launcher_groups;
    const plan::ProcessPlan& p = r.process;
    json rlimits = json::array();
    for (const plan::RlimitOp& l : p.rlimits) {
        rlimits.push_back({{"resource", l.resource},
                           {"soft", optional_number(l.soft)},
                           {"hard", optional_number(l.hard)}});
    }
    j["process"] = {{"env", r.env},
                    {"cwd", p.cwd},
                    {"user", optional_text(p.user)},
                    {"group", optional_text(p.group)},
                    {"supplementary_groups", p.supplementary_groups},
                    {"umask", p.umask},
                    {"rlimits", rlimits}};
    j["capabilities"] = {{"keep", r.capabilities.keep},
                         {"ambient", r.capabilities.ambient},
                         {"no_new_privileges", r.capabilities.no_new_privileges}};
    if (r.security.landlock) {
        j["landlock"] = {{"enabled", r.security.landlock->enabled},
                         {"read", r.security.landlock->read},
                         {"read_write", r.security.landlock->read_write}};
    } else {
        j["landlock"] = nullptr;
    }
    j["seccomp"] = {{"enabled", r.seccomp}, {"cache_key", r.seccomp_cache_key}};
    return j.dump(2) + "\n";
}

sys::Result<ExecRecord> parse_exec_record(const std::string& text) {
    try {
        json j = json::parse(text);
        if (j.at("version").get<int>() != ExecRecord::k_version) {
            return sys::fail_with(EINVAL, "parse exec.json", {}, {},
                                  "unknown version " + j.at("version").dump());
        }
        ExecRecord r;
        r.namespaces = j.at("namespaces").get<std::vector<std::string>>();
        const json& cg = j.at("cgroup");
        r.cgroup_version = cg.at("version").get<std::string>();
        r.cgroup_path = cg.at("path").get<std::string>();
        r.cgroup_attach_files = cg.at("attach_files").get<std::vector<std::string>>();
        r.cgroup_leaf = cg.at("leaf").get<std::string>();
        r.user_namespace = j.at("user_namespace").get<bool>();
        r.deny_setgroups = j.at("deny_setgroups").get<bool>();
        r.launcher_groups = j.at("launcher_groups").get<std::vector<uint32_t>>();
        const json& p = j.at("process");
        r.env = p.at("env").get<std::vector<std::string>>();
        r.process.cwd = p.at("cwd").get<std::string>();
        r.process.user = read_optional_text(p, "user");
        r.process.group = read_optional_text(p, "group");
        r.process.supplementary_groups =
            p.at("supplementary_groups").get<std::vector<std::string>>();
        r.process.umask = p.at("umask").get<uint32_t>();
        for (const json& l : p.at("rlimits")) {
            r.process.rlimits.push_back(plan::RlimitOp{l.at("resource").get<std::string>(),
                                                       read_optional_number(l, "soft"),
                                                       read_optional_number(l, "hard")});
        }
        const json& caps = j.at("capabilities");
        r.capabilities.keep = caps.at("keep").get<std::vector<std::string>>();
        r.capabilities.ambient = caps.at("ambient").get<std::vector<std::string>>();
        r.capabilities.no_new_privileges = caps.at("no_new_privileges").get<bool>();
        if (!j.at("landlock").is_null()) {
            const json& ll = j.at("landlock");
            profile::Landlock landlock;
            landlock.enabled = ll.at("enabled").get<bool>();
            landlock.read = ll.at("read").get<std::vector<std::string>>();
            landlock.read_write = ll.at("read_write").get<std::vector<std::string>>();
            r.security.landlock = landlock;
        }
        r.seccomp = j.at("seccomp").at("enabled").get<bool>();
        r.seccomp_cache_key = j.at("seccomp").at("cache_key").get<std::string>();
        return r;
    } catch (const json::exception& e) {
        return sys::fail_with(EINVAL, "parse exec.json", {}, {}, e.what());
    }
}

std::string exec_record_file(const plan::StateLocation& where) {
    return where.entry(plan::state_entry::exec_record);
}

std::string exec_seccomp_file(const plan::StateLocation& where) {
    return where.entry(plan::state_entry::exec_seccomp);
}

sys::Status save_exec_record(const plan::StateLocation& where, const ExecRecord& record,
                             const sys::SeccompProgram& program) {
    if (record.seccomp) {
        // The same bytes the workload installs (prepare_seccomp's program), never recompiled.
        if (program.empty()) {
            return sys::fail_with(EINVAL, "record seccomp filter", exec_seccomp_file(where), {},
                                  "no prepared program");
        }
        if (auto st = sys::write_seccomp_cache(exec_seccomp_file(where), program); !st) {
            return st;
        }
        // The cache writer makes it 0644 (a filter is no secret); a sandbox's state entries are
        // 0600 like state.json.
        if (chmod(exec_seccomp_file(where).c_str(), 0600) != 0) {
            return sys::fail("chmod", exec_seccomp_file(where));
        }
    }
    return sys::write_file_atomic(exec_record_file(where), to_json(record), 0600);
}

sys::Result<ExecRecord> load_exec_record(const plan::StateLocation& where) {
    std::string path = exec_record_file(where);
    sys::UniqueFd fd(open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        return sys::fail("open", path);
    }
    // It decides every confinement of the command: the invoker's own file, or nothing.
    if (auto st = sys::check_owned_by_caller(fd.get(), path, false); !st) {
        return tl::unexpected(st.error());
    }
    auto text = sys::read_fd(fd.get(), path);
    if (!text) {
        return tl::unexpected(text.error());
    }
    return parse_exec_record(*text);
}

plan::Plan plan_for_exec(const ExecRecord& record, const std::vector<std::string>& args) {
    plan::Plan plan;
    plan.process = record.process;
    plan.process.args = args;
    plan.process.keep_fds.clear();  // close_range on everything but 0-2
    plan.process.new_session = true;
    plan.process.timeout.reset();
    plan.id_maps.enabled = record.user_namespace;
    plan.id_maps.deny_setgroups = record.deny_setgroups;
    // The same decision `up` made for its workload (the record keeps its inputs).
    plan.process.groups = plan::plan_groups(plan.process, plan.id_maps);
    plan.capabilities = record.capabilities;
    plan.security = record.security;
    plan.seccomp.enabled = record.seccomp;
    plan.seccomp.cache_key = record.seccomp_cache_key;
    return plan;
}

}  // namespace sandbox::exec
