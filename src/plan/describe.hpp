#pragma once
// What each pipeline step will do, described once, next to its plan struct: describe() returns
// the step's operations as lines (one operation a line, what `explain` prints) and as data
// (the same operations as fields, what `explain --format json` prints, with the lines too).
// The printers in plan/explain.cpp only lay these out; they decide and word nothing, so the
// text and the JSON cannot tell different stories.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/text.hpp"
#include "plan/plan.hpp"
#include "profile/origins.hpp"

namespace sandbox::plan {

using DescJson = nlohmann::ordered_json;

struct StepDescription {
    StepId step = StepId::validate;
    std::string suffix{};              // the header's "(...)": "v2, host hybrid", "veth"; or empty
    std::vector<std::string> lines{};  // one operation a line
    DescJson fields = DescJson::object();  // the same content as data
};

// Steps 2-12: host side and namespace setup, in pipeline order.
StepDescription describe(const StatePlan& state);
StepDescription describe(const RootfsPlan& rootfs);
StepDescription describe(const CgroupPlan& cgroup);
StepDescription describe(const SpawnPlan& spawn, const KernelPlan& kernel,
                         const CgroupPlan& cgroup);
StepDescription describe(const IdMapPlan& id_maps);
StepDescription describe(const NetHostPlan& network);
StepDescription describe(const IdentityPlan& identity);
// origins: set, each profile mount says where it was written ("@ file:line").
StepDescription describe(const std::vector<MountOp>& mounts, const profile::Origins* origins);
StepDescription describe(const PivotPlan& pivot);
StepDescription describe(const NetSandboxPlan& network);
// Steps 13-18: the workload. init has no lines (and is not printed as text) without pid1_init.
StepDescription describe_init(const ProcessPlan& process);
StepDescription describe(const ProcessPlan& process);
StepDescription describe_credentials(const ProcessPlan& process);
StepDescription describe(const CapsPlan& caps, const SecurityPlan& security);
StepDescription describe(const SeccompPlan& seccomp, const CapsPlan& caps);
StepDescription describe_exec(const ProcessPlan& process);

// "MS_BIND|MS_REC|MS_RDONLY": every flag the executor passes for `op` (binds include MS_BIND;
// propagation is the flag of its own mount call). Empty when none.
std::string mount_flags_str(const MountOp& op);
// "CLONE_NEWUSER|CLONE_NEWPID|..." for the namespaces the plan creates (clone3 flags).
std::string clone_flags_str(const SpawnPlan& spawn);
// The cgroup directories created, one per distinct hierarchy (cpu and cpuacct share one on
// most v1 hosts); empty when the cgroup is not enabled.
std::vector<std::string> cgroup_dirs(const CgroupPlan& cgroup);

std::string_view to_string(MountOpKind kind);
std::string_view to_string(MountOp::Create create);
std::string_view to_string(CgroupVersion version);
std::string_view to_string(RootfsKind kind);
std::string_view to_string(PlanNote::Level level);

// Small formatting shared by the describe() functions.
namespace desc {
std::string octal(uint32_t mode);  // "0755"
using text::join;                  // common/text.hpp
std::string cidr(const Cidr& c);   // "10.0.0.2/24"
DescJson cidrs(const std::vector<Cidr>& list);
DescJson optional(const std::optional<std::string>& v);
// "errno(1)", "kill_process": a rule's action as explain writes it.
std::string action(profile::SeccompAction a, uint32_t errno_value);
}  // namespace desc

}  // namespace sandbox::plan
