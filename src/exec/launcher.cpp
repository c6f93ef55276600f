// The host driver. Order is docs/architecture.md §2; each step's file explains its own ordering
// constraint. Everything host-side is on the Rollback, which unwinds on every path out of launch():
// success, a failed step (here or in the child), SIGINT/TERM/HUP, timeout.
#include "exec/launcher.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <thread>

#include "common/exit_codes.hpp"
#include "common/log.hpp"
#include "common/units.hpp"
#include "exec/child/security.hpp"
#include "exec/exec_record.hpp"
#include "exec/host/cgroup.hpp"
#include "exec/host/id_maps.hpp"
#include "exec/host/network.hpp"
#include "exec/host/spawn.hpp"
#include "exec/op_record.hpp"
#include "exec/supervise.hpp"
#include "sys/fs.hpp"
#include "sys/nftables.hpp"
#include "sys/signals.hpp"

namespace sandbox::exec {

namespace {

// One of the sandbox's own state entries (<name>@overlay, ...), or their removal: the
// removal of all of them (remove_state, the first entry, always in state.json) removes it too,
// so it needs no state.json write of its own.
bool removed_with_state(const UndoEntry& e, const plan::StateLocation& where) {
    bool removal = e.kind == UndoKind::remove_tree || e.kind == UndoKind::remove_dir ||
                   e.kind == UndoKind::remove_file || e.kind == UndoKind::remove_state;
    return removal && !where.name.empty() && e.target.starts_with(where.prefix());
}

// Entries a SIGKILLed launcher cannot orphan, so they need no state.json write of their own:
// what goes with the state entries, and the child, which dies with the launcher (PDEATHSIG, and
// its pid namespace with it). The child's entry reaches state.json with the write after `go`
// (record_running_child), off the start-up's critical path.
bool needs_no_save_of_its_own(const UndoEntry& e, const plan::StateLocation& where) {
    return e.kind == UndoKind::kill_process || removed_with_state(e, where);
}

// state.json with `entries` as the rollback to replay should this launcher die.
sys::Status save_state(HostContext& ctx, const std::vector<UndoEntry>& entries) {
    ctx.record.rollback = entries;
    return ctx.state.save(ctx.record);
}

// Step 2: the sandbox's lock and state.json, and the files the plan wants (resolv.conf, hosts).
void create_state(HostContext& ctx, const LaunchOptions& options) {
    const plan::StatePlan& sp = ctx.plan.state;
    ctx.state = StateFiles::create(sp, ctx.rollback);
    for (const plan::StateFile& f : sp.files) {
        sys::or_throw(sys::write_file_atomic(f.path, f.content, static_cast<mode_t>(f.mode)));
    }
    ctx.record.name = sp.sandbox_name;
    ctx.record.launcher_pid = getpid();
    ctx.record.created_unix = static_cast<long long>(std::time(nullptr));
    ctx.record.detached = options.detach_notify_fd >= 0;
    ctx.record.profile = options.profile_path;
    ctx.record.command = ctx.plan.process.args;
    ctx.record.env = ctx.workload_env;
    // From now on state.json holds every undo entry a SIGKILLed launcher would otherwise leave
    // behind (the next `up` or `down` of this name, or the sweep of any `up`, cleans up from
    // it). It is rewritten only when an entry
    // outside the state entries arrives -- once per host-side object a SIGKILL could orphan (a
    // cgroup, a link, a lease), not once per entry -- and once after `go` (docs/performance.md).
    ctx.rollback.set_observer([&ctx, saved = ctx.rollback.entries().size()](
                                  const std::vector<UndoEntry>& entries) mutable {
        if (entries.empty()) {
            return;  // the state entries themselves are gone
        }
        bool needed = entries.size() < saved;  // an entry was undone
        for (size_t i = std::min(saved, entries.size()); i < entries.size() && !needed; ++i) {
            needed = !needs_no_save_of_its_own(entries[i], ctx.state.location());
        }
        if (!needed) {
            return;  // written with the next entry that needs it, or never needed
        }
        saved = entries.size();
        if (auto st = save_state(ctx, entries); !st) {
            spdlog::warn("write state.json: {}", st.error().describe());
        }
    });
    sys::or_throw(save_state(ctx, ctx.rollback.entries()));
}

// After `go`, while the child sets itself up (steps 9-13, about a millisecond on another CPU):
// state.json with the child's pid, for `ps`, `exec` and `down`. Written here rather than in the
// spawn step, its create and rename overlap the child's work instead of delaying it
// (docs/performance.md). The workload may already be starting (the child does not wait for
// it), so a failure is a warning, not a setup failure after the fact: without it `ps` and
// `exec` do not see the child, and `down` still stops the launcher, which cleans up as always
// (state.json written at the state and cgroup steps covers a dead launcher). In place before
// `up -d` reports the sandbox running; a `sandbox exec` in the first moments of a foreground
// run may not find it yet, and says the sandbox is starting.
void record_running_child(HostContext& ctx) {
    if (auto st = save_state(ctx, ctx.rollback.entries()); !st) {
        spdlog::warn("write state.json: {}", st.error().describe());
    }
}

// After setup_done, while the workload runs its last steps: the record `sandbox exec` confines
// its commands with. Not before: setup_done comes after pivot_root, and until then the
// sandbox's mount namespace still has the host's root, so a command joined into it would run
// on the host's files. Without the record `sandbox exec` refuses this sandbox (it never
// confines by guesswork), so a failure to write it is a warning. In place before `up -d`
// reports the sandbox running.
void record_exec_confinement(HostContext& ctx) {
    if (auto st = save_exec_record(ctx.state.location(),
                                   make_exec_record(ctx.plan, ctx.workload_env, ctx.cgroup.get()),
                                   ctx.seccomp.program);
        !st) {
        spdlog::warn("write the exec record: {} (`sandbox exec` will refuse this sandbox)",
                     st.error().describe());
    }
}

// Whether the child may be reaped after the undo instead of before it. Only when the undo is
// nothing but the state entries (and the child's own entry): the init SIGKILLed every other process
// of the sandbox before it reported, and the launcher SIGKILLed the init on the report, so no
// sandbox code runs any more -- but until the kernel has finished their exits, the processes
// still hold what they held. A cgroup cannot be removed before they leave it; a veth is handed
// to the kernel only once its namespace's owner is reaped (host/network.cpp delete_link); an
// id range or address lease must not be released, nor an overlay's upper dir removed, while
// dying processes may still own or write them. None of that is the state entries, which
// nothing inside the sandbox can reach after pivot_root.
bool reaped_last(const std::vector<UndoEntry>& entries, const HostContext& ctx) {
    const std::string child = std::to_string(ctx.child.pid());
    return std::all_of(entries.begin(), entries.end(), [&](const UndoEntry& e) {
        return (e.kind == UndoKind::kill_process && e.target == child) ||
               (e.kind == UndoKind::remove_state && e.target == ctx.state.location().prefix());
    });
}

// The state entries no undo reads, once the init has reported and been SIGKILLed: the exec
// record and its filter (read only by a `sandbox exec` into the running sandbox) and the files
// bound into it (hosts, resolv.conf: a bind mount holds its own reference). Removed while the
// kernel tears the init's namespaces down on another CPU, also when the init must be reaped
// before the undo (a cgroup cannot go while it is dying). What the undo needs stays for it:
// state.json (the record a SIGKILLed launcher is cleaned up from), the overlay's dirs (dying
// processes may still write them) and the lock. Best effort: what is left, the undo's
// remove_state removes.
void remove_spent_state_files(const plan::Plan& plan) {
    const plan::StateLocation where = plan.state.location();
    for (const std::string& path : {exec_record_file(where), exec_seccomp_file(where)}) {
        (void)::unlink(path.c_str());
    }
    for (const plan::StateFile& f : plan.state.files) {
        (void)::unlink(f.path.c_str());
    }
}

void print_setup_error(const SetupError& e, int fd) {
    std::string text = "sandbox: " + std::string(e.what()) + "\n";
    if (std::string hint = e.hint(); !hint.empty()) {
        text += "  hint: " + hint + "\n";
    }
    (void)!::write(fd, text.data(), text.size());
}

// The one line `sandbox up` adds when the run ended for a reason the workload cannot have
// printed itself (docs: README "Exit status"); empty when it ended on its own.
std::string ending_notice(const plan::Plan& plan, const Report& report, bool killed) {
    const plan::ProcessPlan& p = plan.process;
    auto signal_name = [](int sig) {
        const char* abbrev = sigabbrev_np(sig);
        return abbrev != nullptr ? "SIG" + std::string(abbrev) : "signal " + std::to_string(sig);
    };
    if (report.ended_how == "timeout" && p.timeout) {
        std::string how = killed ? signal_name(p.stop_signal) + ", then SIGKILL after " +
                                       units::format_duration(p.stop_grace)
                                 : "stopped with " + signal_name(p.stop_signal);
        return "timed out after " + units::format_duration(*p.timeout) + " (" + how + ")";
    }
    if (report.ended_how == "oom") {
        std::string limit = "no limit";
        for (const plan::CgroupWrite& w : plan.cgroup.writes) {
            if (w.file == "memory.max" || w.file == "memory.limit_in_bytes") {
                try {
                    limit = "limit " + units::format_size(std::stoull(w.value));
                } catch (const std::exception&) {
                    limit = "limit " + w.value;
                }
            }
        }
        std::string text = "killed: out of memory (" + limit;
        if (report.peak_memory) {
            text += ", peak " + units::format_size(*report.peak_memory);
        }
        return text + ")";
    }
    return {};
}

void notify_detached(int fd, const std::string& line) {
    if (fd >= 0) {
        (void)!::write(fd, line.data(), line.size());
    }
}

}  // namespace

std::vector<std::string> resolve_environment(const plan::ProcessPlan& process) {
    std::vector<std::string> env;
    auto set = [&env](const std::string& name, const std::string& value) {
        for (std::string& e : env) {
            if (e.compare(0, name.size() + 1, name + "=") == 0) {
                e = name + "=" + value;
                return;
            }
        }
        env.push_back(name + "=" + value);
    };
    for (const auto& [name, value] : process.env) {
        set(name, value);
    }
    for (const std::string& name : process.inherit_env) {
        if (const char* value = std::getenv(name.c_str())) {
            set(name, value);
        }
    }
    return env;
}

int launch(const plan::Plan& planned, const plan::HostFacts& facts, const LaunchOptions& options) {
    // A copy: the state step fills in the addresses the pool chose (host::lease_pool_addresses).
    plan::Plan plan = planned;
    open_op_record();  // test builds with SANDBOX_RECORD_OPS only (exec/op_record.hpp)
    Rollback rollback;
    Report report;
    report.name = plan.state.sandbox_name;
    report.step_ms.emplace_back("validate", options.validate_ms);
    int exit_status = k_exit_setup_failed;
    bool killed_after_grace = false;
    bool init_reported = false;  // the init said how the workload ended; it may still be exiting

    // Blocked before clone3 and inherited by the child: init picks them up with sigwaitinfo,
    // the launcher through this signalfd (docs/architecture.md §9.3).
    sigset_t handled =
        sys::make_sigset({SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH});
    sys::ScopedSignalMask mask(handled);
    sys::UniqueFd signal_fd = sys::or_throw(sys::open_signalfd(handled));
    // While it waits for the child, the launcher reads only the stop signals (from a signalfd
    // of its own): a SIGUSR1 or SIGWINCH that arrives before supervise stays pending and is
    // forwarded by supervise, instead of being read here and lost.
    sys::UniqueFd stop_fd =
        sys::or_throw(sys::open_signalfd(sys::make_sigset({SIGINT, SIGTERM, SIGHUP, SIGQUIT})));
    // A closed terminal or pipe must not kill the launcher before it cleans up (EPIPE instead).
    signal(SIGPIPE, SIG_IGN);

    std::optional<sys::ScopedRawMode> raw_mode;
    // The nft context that loaded the sandbox's table lives until launch() returns: closing an
    // nfnetlink socket waits for nf_tables' pending destroy work (an RCU grace period), which
    // every commit queues, the table's deletion included. At the very end that close, and the
    // deletion socket's, are left to a child process (exec/host/network.hpp, HostNetwork).
    host::HostNetwork host_net;
    {
        HostContext ctx{plan, facts, rollback, report};
        ctx.signal_fd = signal_fd.get();
        ctx.stop_signal_fd = stop_fd.get();
        ctx.notify_fd = options.detach_notify_fd;
        ctx.workload_env = resolve_environment(plan.process);
        try {
            // libnftables (and the five libraries behind it) is dlopen()ed on a thread while the
            // state, rootfs, cgroup and seccomp steps run: ~2 ms off a NAT start-up. Joined
            // before spawn: clone3 must not copy a process whose other thread may hold the
            // loader's or malloc's locks (and the jthread joins on every way out).
            std::jthread nft_preload;
            if (plan.network_host.nat || !plan.network_host.ports.empty()) {
                nft_preload = std::jthread([] { host::preload_nftables(); });
            }
            std::vector<host::AddressLease> address_leases;
            run_step(ctx, plan::StepId::state, [&] {
                create_state(ctx, options);
                address_leases = host::lease_pool_addresses(plan.network_host, plan.network_sandbox,
                                                            plan.state.sandbox_name, rollback);
            });
            if (options.detach_notify_fd >= 0) {
                // Detached: the workload's output goes to <state root>/<name>@output.log.
                std::string log = ctx.state.location().entry(plan::state_entry::output_log);
                sys::UniqueFd out(
                    open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
                if (out) {
                    dup2(out.get(), STDOUT_FILENO);
                    dup2(out.get(), STDERR_FILENO);
                }
            }
            ctx.rootfs = run_step(ctx, plan::StepId::rootfs, [&] {
                return host::prepare_rootfs(plan.rootfs, plan.state, rollback, plan.id_maps);
            });
            ctx.cgroup = run_step(ctx, plan::StepId::cgroup,
                                  [&] { return host::create_cgroup(plan.cgroup, rollback); });
            if (ctx.cgroup) {
                ctx.record.cgroup_dirs = ctx.cgroup->dirs();
            }
            // The seccomp filter from the host-side BPF cache (or compiled and cached) before
            // spawn: the workload inherits it in memory and cannot reach the cache after
            // pivot_root (exec/child/security.hpp). What `sandbox exec` needs to confine a
            // command like this workload (exec/exec_record.hpp) is written after setup_done.
            run_step(ctx, plan::StepId::seccomp, [&] {
                ctx.seccomp = child::prepare_seccomp(plan.seccomp, options.seccomp_program);
            });
            if (nft_preload.joinable()) {
                nft_preload.join();
            }
            ctx.child = run_step(ctx, plan::StepId::spawn, [&] {
                auto [launcher_end, child_end] = sys::or_throw(SyncChannel::make_pair());
                ctx.sync = std::move(launcher_end);
                return host::spawn_child(ctx, child_end);
            });
            run_step(ctx, plan::StepId::id_maps, [&] {
                ctx.id_lease = host::write_id_maps(plan.id_maps, ctx.child.pid(),
                                                   plan.state.sandbox_name, rollback);
                if (ctx.id_lease.count > 0) {
                    report.id_range = Report::IdRange{ctx.id_lease.start, ctx.id_lease.gid_start,
                                                      ctx.id_lease.count};
                }
            });
            run_step(ctx, plan::StepId::network_host, [&] {
                host_net = host::setup_host_network(plan.network_host, ctx.child.pid(), rollback);
            });
            run_step(ctx, plan::StepId::release, [&] {
                ctx.sync.send(SyncMsg::go());
                record_running_child(ctx);
            });

            // Steps 9-13 run in the child; their failure arrives here as a SetupError.
            auto t0 = std::chrono::steady_clock::now();
            // plan.process.pty: the child opens the pty in the sandbox's devpts after
            // pivot_root and sends the master before setup_done (exec/child/terminal.cpp).
            sys::UniqueFd pty_master;
            auto workload =
                ctx.sync.expect_setup_done(stop_fd.get(), plan.process.pty ? &pty_master : nullptr);
            if (pty_master) {
                // The size before the workload runs, so its first TIOCGWINSZ is right.
                (void)sys::copy_window_size(STDIN_FILENO, pty_master.get());
                ctx.pty = sys::PtyPair{std::move(pty_master), {}, {}};
            } else if (workload && plan.process.pty) {
                throw ProtocolError("sync: setup_done without the pty master");
            }
            if (!workload) {
                auto st = sys::or_throw(ctx.child.wait());
                throw SetupError(
                    plan::StepId::init,
                    sys::SysError(ECHILD, "sandbox setup", {}, {},
                                  "the child ended with status " + std::to_string(st.shell_code()) +
                                      " before it was set up"));
            }
            ctx.workload_pid = *workload;
            auto t1 = std::chrono::steady_clock::now();
            report.step_ms.emplace_back("sandbox_setup",
                                        std::chrono::duration<double, std::milli>(t1 - t0).count());
            record_exec_confinement(ctx);
            // Steps 14-18 in the workload: EOF means execve succeeded (CLOEXEC).
            std::optional<int> exec_errno = ctx.sync.expect_exec(stop_fd.get());
            report.step_ms.emplace_back("exec", std::chrono::duration<double, std::milli>(
                                                    std::chrono::steady_clock::now() - t1)
                                                    .count());
            ctx.sync.close();
            if (exec_errno) {
                int err = *exec_errno;
                std::string program = plan.process.args.empty() ? "" : plan.process.args.front();
                std::string text = "sandbox: cannot execute '" + program +
                                   "': " + std::strerror(err) + " (" + sys::errno_name(err) + ")\n";
                if (ctx.notify_fd >= 0) {
                    notify_detached(ctx.notify_fd, text);
                } else {
                    (void)!::write(STDERR_FILENO, text.data(), text.size());
                }
                auto st = ctx.child.wait();
                exit_status = err == ENOENT ? k_exit_not_found : k_exit_not_executable;
                report.ended_how = "exited";
                (void)st;
            } else {
                notify_detached(ctx.notify_fd, "ok\n");
                if (ctx.notify_fd >= 0) {
                    close(ctx.notify_fd);
                    ctx.notify_fd = -1;
                }
                if (ctx.pty && isatty(STDIN_FILENO) == 1) {
                    raw_mode = sys::or_throw(sys::ScopedRawMode::enable(STDIN_FILENO));
                }
                try {
                    maybe_inject_fault(plan::StepId::supervise);
                } catch (const sys::SysError& e) {
                    throw SetupError(plan::StepId::supervise, e);
                }
                auto t2 = std::chrono::steady_clock::now();
                SuperviseResult res =
                    supervise(ctx.child, plan.process, signal_fd.get(), ctx.init_status.get(),
                              ctx.cgroup.get(), ctx.pty ? &*ctx.pty : nullptr);
                init_reported = res.reported_by_init;
                if (raw_mode) {
                    raw_mode->restore();
                }
                report.step_ms.emplace_back("supervise", std::chrono::duration<double, std::milli>(
                                                             std::chrono::steady_clock::now() - t2)
                                                             .count());
                exit_status = res.status.shell_code();
                report.ended_how = res.status.signaled ? "signaled" : "exited";
                report.signal = res.status.signaled ? res.status.code : 0;
                killed_after_grace = res.killed;
                if (res.timed_out) {
                    exit_status = k_exit_timeout;
                    report.ended_how = "timeout";
                    report.signal = plan.process.stop_signal;
                }
            }
        } catch (const SetupError& e) {
            if (ctx.notify_fd >= 0) {
                std::string text = "sandbox: " + std::string(e.what()) + "\n";
                if (auto hint = e.hint(); !hint.empty()) {
                    text += "  hint: " + hint + "\n";
                }
                notify_detached(ctx.notify_fd, text);
            } else {
                print_setup_error(e, STDERR_FILENO);
            }
            report.ended_how = "setup_failed";
            report.failed_step = std::string(plan::to_string(e.step()));
            report.error = e.what();
            exit_status = k_exit_setup_failed;
        } catch (const Interrupted& e) {
            spdlog::info("setup interrupted by signal {}", e.signal());
            report.ended_how = "signaled";
            report.signal = e.signal();
            exit_status = k_exit_signal_base + e.signal();
            notify_detached(ctx.notify_fd, "sandbox: interrupted during setup\n");
        } catch (const std::exception& e) {
            std::string text = std::string("sandbox: error: ") + e.what() + "\n";
            if (ctx.notify_fd >= 0) {
                notify_detached(ctx.notify_fd, text);
            } else {
                (void)!::write(STDERR_FILENO, text.data(), text.size());
            }
            report.ended_how = "setup_failed";
            report.error = e.what();
            exit_status = k_exit_setup_failed;
        }
        if (raw_mode) {
            raw_mode->restore();
        }

        // Whatever happened: the child dies first (its destructor SIGKILLs + reaps), then
        // usage is read from the cgroup, then everything host-side is undone. One exception
        // (reaped_last): an init that reported the workload's end, in a sandbox whose undo is
        // only its state entries, is reaped after that undo, which then overlaps the kernel's
        // teardown of its namespaces and address space (~0.15 ms, docs/performance.md).
        auto t_cleanup = std::chrono::steady_clock::now();
        // A report leaves the init SIGKILLed and not yet reaped (supervise).
        if (init_reported) {
            remove_spent_state_files(plan);  // while the kernel tears it down
        }
        const bool reap_last = init_reported && reaped_last(rollback.entries(), ctx);
        if (!reap_last) {
            ctx.child = sys::ChildProcess();
        }
        if (ctx.cgroup) {
            report.cgroup = ctx.cgroup->dirs().front();
            // The usage figures are the report's (and the OOM notice's "peak"): without a
            // report, one file says whether the kernel's OOM killer ended the run; the other
            // three reads are spared unless it did (~0.03 ms, docs/performance.md).
            if (options.report_path || ctx.cgroup->oom_kills() > 0) {
                if (auto stats = ctx.cgroup->stats()) {
                    report.peak_memory = stats->memory_peak;
                    report.cpu_usec = stats->cpu_usage_usec;
                    report.oom_kills = stats->oom_kills;
                    if (stats->oom_kills > 0 && exit_status == k_exit_signal_base + SIGKILL) {
                        report.ended_how = "oom";
                        report.signal = SIGKILL;
                    }
                }
            }
            ctx.cgroup.reset();
        }
        // No state.json rewrite per undone entry (~3 ms each, a rename and fsync): should
        // this launcher die mid-unwind, the next `up` or `down` replays the full list from the
        // last save, and every undo treats "already gone" as success.
        rollback.set_observer({});
        if (reap_last) {
            rollback.forget(UndoKind::kill_process, std::to_string(ctx.child.pid()));
        }
        report.undo_failures = to_report(rollback.unwind());
        ctx.child = sys::ChildProcess();  // reaps the init, if still ours (reap_last)
        ctx.state = StateFiles();         // drops the lock after the entries are gone
        report.step_ms.emplace_back("cleanup", std::chrono::duration<double, std::milli>(
                                                   std::chrono::steady_clock::now() - t_cleanup)
                                                   .count());
    }
    if (std::string text = ending_notice(plan, report, killed_after_grace); !text.empty()) {
        log::notice(text);
    }
    report.exit_status = exit_status;
    report.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                               options.started)
                         .count();
    if (options.report_path) {
        try {
            write_report(report, *options.report_path);
        } catch (const std::exception& e) {
            spdlog::warn("write report '{}': {}", *options.report_path, e.what());
        }
    }
    // Last: the nft sockets' closes wait for a grace period (see host_net above); a process
    // of our own does that wait, not the invoker.
    sys::close_nfnetlink_sockets_in_background(host_net.nft.has_value());
    host_net = {};
    return exit_status;
}

}  // namespace sandbox::exec
