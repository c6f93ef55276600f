#pragma once
// Plan -> a Kubernetes Pod (or batch/v1 Job) manifest and the seccomp profile it references as
// `Localhost`, for users who outgrow one machine (docs/kubernetes.md). Pure: builds JSON; the
// CLI writes the files. What a pod spec cannot say (veth addresses, NAT, a time namespace,
// Landlock, rlimits, ...) is returned in `not_expressed`, which the CLI prints on stderr: the
// export never drops a part of the sandbox silently.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "plan/plan.hpp"

namespace sandbox::exporter {

struct KubernetesOptions {
    std::string name;   // metadata.name (made a DNS-1123 name); the sandbox name by default
    std::string image;  // the container image; empty: "sandbox-<name>:latest" with a note
    bool job = false;   // a batch/v1 Job instead of a v1 Pod
};

struct KubernetesExport {
    nlohmann::json manifest;                 // the Pod or the Job
    std::optional<nlohmann::json> seccomp;   // the Localhost profile, when seccomp is on
    std::string seccomp_file;                // its file name: "<name>.seccomp.json"
    std::string seccomp_localhost;           // localhostProfile: "sandbox/<file>"
    std::vector<std::string> warnings;       // expressed, but the user must know (hostPath)
    std::vector<std::string> not_expressed;  // left out: no pod spec field says it
};

KubernetesExport make_kubernetes(const plan::Plan& plan, const KubernetesOptions& options);

// "My_Box.1" -> "my-box.1": a DNS-1123 subdomain name Kubernetes accepts.
std::string kubernetes_name(const std::string& text);

}  // namespace sandbox::exporter
