// `sandbox ps`: the sandboxes under the state root, one line each. A directory whose lock no
// launcher holds is shown as "stale" (the next `up` of any sandbox, or `down` of that name,
// cleans it: exec/state.hpp).
#include <cstdio>
#include <ctime>

#include "cli/commands.hpp"
#include "common/exit_codes.hpp"
#include "exec/host_probe.hpp"
#include "exec/state.hpp"

namespace sandbox::cli {

namespace {

int run_ps() {
    std::string root = exec::probe_state_root();
    if (root.empty()) {
        std::fprintf(stderr, "sandbox: ps: no state root\n  hint: %s\n",
                     exec::k_no_state_root_hint);
        return k_exit_setup_failed;
    }
    if (auto trusted = exec::open_trusted_dir(root); !trusted && trusted.error().err() != ENOENT) {
        std::fprintf(stderr, "sandbox: ps: %s\n", trusted.error().describe().c_str());
        return k_exit_setup_failed;
    }
    // PROFILE: the file each sandbox came from, so runs of one shared profile (named STEM-xxxx
    // by `up`) can be told apart from others.
    std::printf("%-20s %-8s %-8s %-20s %-24s %s\n", "NAME", "PID", "STATUS", "CREATED", "PROFILE",
                "COMMAND");
    for (const std::string& name : exec::list_sandboxes(root)) {
        const plan::StateLocation where{root, name};
        auto state = exec::read_state(where);
        if (!state) {
            continue;
        }
        bool running = exec::is_state_locked(where);
        char created[32] = "-";
        std::time_t t = static_cast<std::time_t>(state->created_unix);
        std::tm tm{};
        if (localtime_r(&t, &tm) != nullptr) {
            std::strftime(created, sizeof created, "%Y-%m-%d %H:%M:%S", &tm);
        }
        std::string command;
        for (const std::string& a : state->command) {
            command += (command.empty() ? "" : " ") + a;
        }
        std::string profile = state->profile.empty() ? "-" : state->profile;
        // A running launcher records its child's pid just after releasing it
        // (exec/launcher.cpp): until then the sandbox is starting and has no pid to show.
        bool has_pid = state->child_pid > 0;
        std::string pid = has_pid ? std::to_string(state->child_pid) : "-";
        const char* status = !running ? "stale" : has_pid ? "running" : "starting";
        std::printf("%-20s %-8s %-8s %-20s %-24s %s\n", name.c_str(), pid.c_str(), status, created,
                    profile.c_str(), command.c_str());
    }
    return k_exit_ok;
}

}  // namespace

void register_ps(CLI::App& app, Action& run) {
    CLI::App* cmd = app.add_subcommand("ps", "List running sandboxes");
    cmd->callback([&run] { run = [] { return run_ps(); }; });
}

}  // namespace sandbox::cli
