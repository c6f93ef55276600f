// The sandbox side's step list (docs/architecture.md §2, steps 9-13), the child's counterpart of
// launcher.cpp. Order: join the cgroup and namespaces first (spawn's child half: nothing may
// run outside the limits), wait for `go` (the launcher has written the id maps and made the
// host half of the network), then identity → mounts → pivot_root → network_sandbox → init.
// Errors end here: serialised into the sync socket, then _exit(125), never exit().
#include "exec/child/child_main.hpp"

#include <sched.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "exec/child/host_access.hpp"
#include "exec/child/identity.hpp"
#include "exec/child/init.hpp"
#include "exec/child/mounts.hpp"
#include "exec/child/network.hpp"
#include "exec/child/pivot_root.hpp"
#include "exec/child/terminal.hpp"
#include "exec/child/workload.hpp"
#include "exec/op_record.hpp"
#include "sys/cgroup.hpp"
#include "sys/fs.hpp"
#include "sys/namespaces.hpp"

namespace sandbox::exec::child {

namespace {

void join_cgroup_and_namespaces(const ChildContext& ctx) {
    // v1: join by writing "0" ourselves, ~50 µs even cold, where the launcher writing our pid
    // costs 8-35 ms (docs/architecture.md §8). Before anything else runs, so all of it is
    // accounted.
    if (!ctx.cgroup_self_attach.empty()) {
        sys::or_throw(sys::join_cgroup(ctx.cgroup_self_attach));
    }
    // A cgroup namespace rooted at the sandbox's own cgroup: only after joining it.
    if (ctx.unshare_cgroup_namespace) {
        sys::or_throw(sys::unshare_namespaces(CLONE_NEWCGROUP));
        record_op("unshare", {{"flags", "CLONE_NEWCGROUP"}});
    }
    for (const JoinNamespace& j : ctx.joins) {
        sys::or_throw(sys::enter_namespace(j.fd, j.type, j.what));
        close(j.fd);
        // A user namespace's setns() changes our credentials, which clears PDEATHSIG.
        sys::or_throw(sys::rearm_parent_death_signal(ctx.parent));
    }
}

// Test-only (exec/op_record.hpp): the mounts as the kernel has them once ours are in place.
void record_mountinfo() {
    auto text = sys::read_file("/proc/self/mountinfo");
    nlohmann::ordered_json lines = nlohmann::ordered_json::array();
    if (text) {
        size_t start = 0;
        while (start < text->size()) {
            size_t end = text->find('\n', start);
            end = end == std::string::npos ? text->size() : end;
            lines.push_back(text->substr(start, end - start));
            start = end + 1;
        }
    }
    record_op("mountinfo", {{"lines", lines}});
}

}  // namespace

int report_child_failure(const SyncChannel& sync, const std::exception_ptr& error) noexcept {
    try {
        std::rethrow_exception(error);
    } catch (const SetupError& e) {
        sync.try_send(SyncMsg::step_failed(e.step(), e.error()));
    } catch (const sys::SysError& e) {
        sync.try_send(SyncMsg::step_failed(plan::StepId::init, e));
    } catch (const std::exception& e) {
        sync.try_send(
            SyncMsg::step_failed(plan::StepId::init, sys::SysError(0, "child", {}, {}, e.what())));
    } catch (...) {
        sync.try_send(SyncMsg::step_failed(plan::StepId::init,
                                           sys::SysError(0, "child", {}, {}, "unknown error")));
    }
    return 125;
}

int child_main(ChildContext ctx) noexcept {
    // Die with the launcher (also covers `sandbox:init`, so the whole pid namespace goes).
    // The launcher may have died before the signal was armed: then stop here.
    if (!sys::rearm_parent_death_signal(ctx.parent)) {
        return 125;
    }
    prctl(PR_SET_NAME, "sandbox:setup", 0, 0, 0);
    for (int fd : ctx.launcher_only_fds) {
        if (fd >= 0) {
            close(fd);
        }
    }
    const plan::Plan& plan = *ctx.plan;
    try {
        run_child_step(plan::StepId::spawn, [&] { join_cgroup_and_namespaces(ctx); });
        try {
            ctx.sync->expect_go();
        } catch (const sys::SysError&) {
            return 125;  // the launcher went away: nobody to report to
        }
        // Before the ids change: what the mounts need from the host (host_access.hpp).
        HostAccess host;
        run_child_step(plan::StepId::identity, [&] {
            host = HostAccess::open(plan.mounts, ctx.rootfs_dir, {plan.state.root, ctx.rootfs_dir});
            // In a new user namespace we start with unmapped ids; become the mapped root so
            // files we create (mount targets, /dev nodes) get valid owners (EOVERFLOW else).
            if (plan.id_maps.enabled) {
                if (setresgid(0, 0, 0) != 0) {
                    throw sys::SysError(errno, "setresgid", "0");
                }
                if (setresuid(0, 0, 0) != 0) {
                    throw sys::SysError(errno, "setresuid", "0");
                }
                sys::or_throw(sys::rearm_parent_death_signal(ctx.parent));
            }
            set_identity(plan.identity);
        });
        run_child_step(plan::StepId::network_sandbox,
                       [&] { set_netns_sysctls(plan.network_sandbox); });
        run_child_step(plan::StepId::mounts, [&] {
            apply_mounts(plan.mounts, plan.pivot.new_root, ctx.rootfs_dir, ctx.rootfs_tree_fd,
                         plan.pivot.readonly_root, host);
        });
        run_child_step(plan::StepId::pivot_root, [&] {
            switch_root(plan.pivot, host.path(plan.pivot.new_root));
            host = HostAccess();  // nothing of the host stays open past the switch
        });
        if (recording_ops()) {
            record_mountinfo();
        }
        run_child_step(plan::StepId::network_sandbox,
                       [&] { setup_sandbox_network(plan.network_sandbox); });
        if (plan.process.pty) {
            // After pivot_root: the pty must come from the sandbox's devpts (terminal.cpp).
            run_child_step(plan::StepId::process,
                           [&] { ctx.pty_slave = open_sandbox_pty(*ctx.sync); });
        }
        if (plan.process.pid1_init && ctx.new_pid_namespace) {
            return run_init(ctx);
        }
        // No init: this process becomes the workload.
        run_child_step(plan::StepId::init, [&] {});
        ctx.sync->try_send(SyncMsg::setup_done(getpid()));
    } catch (...) {
        return report_child_failure(*ctx.sync, std::current_exception());
    }
    run_workload(ctx);
}

}  // namespace sandbox::exec::child
