#pragma once
// Plan -> an OCI runtime bundle's config.json (runtime-spec 1.0.2), so a reviewed profile can
// also run under crun/runc (and so bench/ compares runtimes on exactly the same sandbox).
// Pure: builds JSON; the CLI writes the file.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "plan/plan.hpp"

namespace sandbox::exporter {

struct OciBundle {
    nlohmann::json config;
    std::vector<std::string> notes;  // what the OCI format cannot express and was left out
};

// `rootfs_dir` is the directory the bundle's root.path points at (a directory rootfs).
OciBundle make_oci_bundle(const plan::Plan& plan, const std::string& rootfs_dir);

// The seccomp filter as OCI's linux.seccomp object (SCMP_ACT_*, SCMP_ARCH_*, SCMP_CMP_*); the
// same JSON is a Kubernetes `Localhost` seccomp profile (export/kubernetes.hpp).
nlohmann::json oci_seccomp(const plan::SeccompPlan& seccomp);

}  // namespace sandbox::exporter
