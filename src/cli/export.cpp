// `sandbox export --oci PROFILE -o DIR [overrides]`: write an OCI runtime bundle (config.json)
// for the profile, so the same reviewed profile runs under crun/runc. Changes nothing but DIR.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "cli/commands.hpp"
#include "cli/overrides.hpp"
#include "common/exit_codes.hpp"
#include "exec/host_probe.hpp"
#include "export/oci.hpp"
#include "plan/plan.hpp"
#include "profile/loader.hpp"

namespace sandbox::cli {

namespace {

struct ExportCliOptions {
    std::string profile;
    bool oci = false;
    std::string output;
    profile::Overrides overrides;
};

int run_export(const ExportCliOptions& options) {
    profile::LoadResult loaded = profile::load_profile(options.profile, options.overrides);
    if (!loaded.diagnostics.empty() || !loaded.profile) {
        std::fputs(loaded.diagnostics.str().c_str(), stderr);
        return k_exit_setup_failed;
    }
    plan::Plan plan = plan::make_plan(*loaded.profile, exec::probe_host());
    if (plan.rootfs.kind != plan::RootfsKind::directory) {
        std::fprintf(stderr,
                     "sandbox: error: export --oci needs a directory rootfs (rootfs.path); "
                     "'%s' uses %s\n",
                     loaded.path.c_str(),
                     plan.rootfs.kind == plan::RootfsKind::host ? "rootfs.host" : "rootfs.archive");
        return k_exit_setup_failed;
    }
    exporter::OciBundle bundle = exporter::make_oci_bundle(plan, plan.rootfs.source);
    if (mkdir(options.output.c_str(), 0755) != 0 && errno != EEXIST) {
        std::fprintf(stderr, "sandbox: error: mkdir %s: %s\n", options.output.c_str(),
                     std::strerror(errno));
        return k_exit_setup_failed;
    }
    const std::string config = options.output + "/config.json";
    std::ofstream out(config, std::ios::trunc);
    out << bundle.config.dump(2) << '\n';
    out.close();
    if (!out) {
        std::fprintf(stderr, "sandbox: error: write %s: %s\n", config.c_str(),
                     std::strerror(errno));
        return k_exit_setup_failed;
    }
    for (const std::string& note : bundle.notes) {
        spdlog::warn("export: {}", note);
    }
    return k_exit_ok;
}

}  // namespace

void register_export(CLI::App& app, Action& run, CommandTail& tail) {
    auto options = std::make_shared<ExportCliOptions>();
    CLI::App* cmd = app.add_subcommand("export", "Write the profile in another format");
    cmd->add_flag("--oci", options->oci, "An OCI runtime bundle (config.json)")->required();
    cmd->add_option("profile", options->profile, "Profile file or name on the search path")
        ->required();
    cmd->add_option("-o,--output", options->output, "Bundle directory")->required();
    add_override_options(*cmd, options->overrides);
    cmd->callback([&run, &tail, options] {
        take_command_tail(tail, options->overrides.command);
        run = [options] { return run_export(*options); };
    });
}

}  // namespace sandbox::cli
