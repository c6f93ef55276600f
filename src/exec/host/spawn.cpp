// Pipeline step 5, spawn. After cgroup (v2: the leaf fd for CLONE_INTO_CGROUP; v1: the files
// the child writes "0" into) and before id_maps (which need the child's pid and its user
// namespace). The launcher is still single-threaded here, so the child may use ordinary C++
// until execve (docs/architecture.md §9.4).
//
// Joining a pid namespace: setns(CLONE_NEWPID) only changes where our *children* go
// (pid_for_children), which is why youki needs an intermediate process. We get the same
// effect without one: the launcher enters the target's pid namespace for children, clone3s,
// and goes back to its own, all before anything else forks. Other joins are setns() calls the
// child makes (user first, as the kernel requires).
#include "exec/host/spawn.hpp"

#include <fcntl.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <ctime>

#include "exec/op_record.hpp"
#include "sys/namespaces.hpp"

namespace sandbox::exec::host {

namespace {

int clone_flag(plan::NsType type) {
    return sys::ns_flag(plan::to_string(type));
}

}  // namespace

std::string namespace_path_of_sandbox(const std::string& state_root, const std::string& name,
                                      std::string_view ns_type) {
    auto state = read_state(plan::StateLocation{state_root, name});
    if (!state) {
        throw sys::SysError(state.error().err() == ENOENT ? ESRCH : state.error().err(),
                            "join sandbox", name, {}, "no running sandbox of that name");
    }
    if (state->child_pid <= 0 || process_start_time(state->child_pid) != state->child_start_time) {
        throw sys::SysError(ESRCH, "join sandbox", name, {}, "it is not running");
    }
    return "/proc/" + std::to_string(state->child_pid) + "/ns/" + std::string(ns_type);
}

sys::ChildProcess spawn_child(HostContext& ctx, SyncChannel& child_end) {
    const plan::Plan& plan = ctx.plan;
    uint64_t flags = 0;
    child::ChildContext cctx;
    cctx.plan = &plan;
    cctx.sync = &child_end;
    cctx.launcher_pid = getpid();
    cctx.rootfs_dir = ctx.rootfs.root;
    cctx.rootfs_tree_fd = ctx.rootfs.tree.get();
    cctx.env = ctx.workload_env;
    cctx.seccomp_program = &ctx.seccomp.program;
    cctx.launcher_only_fds = {ctx.sync.fd(), ctx.signal_fd, ctx.stop_signal_fd, ctx.state.lock_fd(),
                              ctx.notify_fd};

    // How the child enters the cgroup is the plan's choice (CgroupPlan::attach): born in it
    // (CLONE_INTO_CGROUP), or it writes its pid into the leaf's files itself.
    sys::UniqueFd cgroup_fd;
    if (ctx.cgroup && plan.cgroup.attach == plan::CgroupPlan::Attach::clone_into_cgroup) {
        auto leaf = ctx.cgroup->open_leaf();
        if (!leaf) {
            throw sys::SysError(ENOTSUP, "open cgroup leaf", plan.cgroup.path, {},
                                "the plan asks for CLONE_INTO_CGROUP on a v1 group");
        }
        cgroup_fd = sys::or_throw(std::move(*leaf));
    } else if (ctx.cgroup && plan.cgroup.attach == plan::CgroupPlan::Attach::child_writes) {
        cctx.cgroup_self_attach = ctx.cgroup->self_attach_files();
    }
    cctx.unshare_cgroup_namespace = plan.spawn.unshare_cgroup_after_attach;

    std::vector<sys::UniqueFd> join_fds;
    sys::UniqueFd pid_join;
    for (const plan::NamespaceOp& op : plan.spawn.namespaces) {
        int flag = clone_flag(op.type);
        if (op.action == plan::NamespaceOp::Action::create) {
            if (flag == CLONE_NEWPID) {
                cctx.new_pid_namespace = true;
            }
            // A cgroup namespace made at clone time would be rooted at the launcher's cgroup
            // when the child joins its own later: the child unshares it after joining.
            if (flag == CLONE_NEWCGROUP && plan.spawn.unshare_cgroup_after_attach) {
                continue;
            }
            flags |= static_cast<uint64_t>(flag);
            continue;
        }
        std::string path = op.path;
        if (!op.sandbox.empty()) {
            path = namespace_path_of_sandbox(ctx.facts.state_root, op.sandbox,
                                             plan::to_string(op.type));
        }
        sys::UniqueFd fd = sys::or_throw(sys::open_namespace(path));
        if (flag == CLONE_NEWPID && plan.spawn.join_pid_namespace) {
            cctx.joins_pid_namespace = true;
            pid_join = std::move(fd);
            continue;
        }
        cctx.joins.push_back(child::JoinNamespace{fd.get(), flag, path});
        join_fds.push_back(std::move(fd));
    }

    // The init (child_main runs one exactly then) reports the workload's end through a pipe
    // of its own (child/init.cpp).
    sys::UniqueFd init_status_write;
    if (plan.process.pid1_init && cctx.new_pid_namespace) {
        int ends[2];
        if (pipe2(ends, O_CLOEXEC) != 0) {
            throw sys::SysError(errno, "pipe2", "init status");
        }
        ctx.init_status = sys::UniqueFd(ends[0]);
        // Above 2 (a launcher started with stdio closed gets 0-2 back from pipe2): the init
        // puts /dev/null on 0-2 before it moves the pipe to 3.
        init_status_write = sys::UniqueFd(fcntl(ends[1], F_DUPFD_CLOEXEC, 3));
        close(ends[1]);
        if (!init_status_write) {
            throw sys::SysError(errno, "fcntl", "init status", {}, "F_DUPFD_CLOEXEC");
        }
        cctx.init_status_fd = init_status_write.get();
        cctx.launcher_only_fds.push_back(ends[0]);
    }

    // The child re-arms PR_SET_PDEATHSIG after each credential change and then checks that we
    // still live: by getppid() where it sees our pid, by this pidfd (inherited) everywhere.
    sys::UniqueFd self_pidfd = sys::or_throw(sys::open_pidfd(getpid()));
    bool sees_our_pid = !cctx.new_pid_namespace && !cctx.joins_pid_namespace;
    cctx.parent = sys::ParentWatch{sees_our_pid ? getpid() : 0, self_pidfd.get()};

    sys::UniqueFd own_pid_ns;
    if (pid_join) {
        own_pid_ns = sys::or_throw(sys::open_namespace("/proc/self/ns/pid"));
        sys::or_throw(sys::enter_namespace(pid_join.get(), CLONE_NEWPID, "pid namespace to join"));
    }
    spdlog::debug("clone3({})", sys::clone_flags_to_string(flags));
    record_op("clone3", {{"flags", sys::clone_flags_to_string(flags)},
                         {"into_cgroup", cgroup_fd.get() >= 0},
                         {"pid_namespace_joined", static_cast<bool>(pid_join)}});
    auto child = sys::clone_process(sys::CloneOptions{flags, cgroup_fd.get(), SIGCHLD},
                                    [&cctx]() { return child::child_main(cctx); });
    if (own_pid_ns) {
        // Back to our own pid namespace for later children (newuidmap). Cannot fail for an
        // ancestor namespace; if it does, stop before forking anything else.
        sys::or_throw(sys::enter_namespace(own_pid_ns.get(), CLONE_NEWPID, "own pid namespace"));
    }
    sys::ChildProcess process = sys::or_throw(std::move(child));
    child_end.close();
    init_status_write.reset();  // the init's copy only: EOF when it is gone

    ctx.record.child_pid = process.pid();
    ctx.record.child_start_time = process_start_time(process.pid());
    for (const plan::NamespaceOp& op : plan.spawn.namespaces) {
        std::string type(plan::to_string(op.type));
        ctx.record.namespaces[type] = "/proc/" + std::to_string(process.pid()) + "/ns/" + type;
    }
    ctx.rollback.push(UndoKind::kill_process, std::to_string(process.pid()),
                      ctx.record.child_start_time);
    return process;
}

}  // namespace sandbox::exec::host
