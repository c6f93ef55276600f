#pragma once
// Read-only probes that fill plan::HostFacts: cgroup layout (v1 / v2 / hybrid), the caller's
// ids and subordinate id ranges, the state and cache roots. Changes nothing on the system.
#include "plan/host_facts.hpp"

namespace sandbox::exec {

plan::HostFacts probe_host();

}  // namespace sandbox::exec
