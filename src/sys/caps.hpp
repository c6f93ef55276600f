#pragma once
// Process capabilities through libcap: the bounding set, permitted/effective/inheritable,
// ambient, and keep-caps across a uid change. Capabilities are numbers (CAP_* values); names
// are converted with capability_from_name. Knows nothing about profiles or plans.
#include <cstdint>
#include <string>
#include <vector>

#include "sys/error.hpp"

namespace sandbox::sys {

// "CAP_NET_ADMIN" / "cap_net_admin" -> 12. EINVAL for an unknown name.
Result<int> capability_from_name(const std::string& name);
// 12 -> "cap_net_admin".
std::string capability_name(int cap);
// The highest capability the running kernel knows (/proc/sys/kernel/cap_last_cap).
int capability_last();

// prctl(PR_SET_KEEPCAPS): keep the permitted set across a setresuid() away from uid 0
// (the effective set is still cleared; see capabilities(7) "Effect of user ID changes").
Status set_keep_caps(bool on);

// Raises every permitted capability into the effective set (after a uid change cleared it),
// so the calls below may use CAP_SETPCAP.
Status raise_effective_to_permitted();

// PR_CAPBSET_DROP for every capability not in `keep` (needs CAP_SETPCAP in effective).
Status drop_bounding_set_except(const std::vector<int>& keep);

// cap_set_proc: permitted = effective = inheritable = `keep`, nothing else.
Status set_capability_sets(const std::vector<int>& keep);

// Clears the ambient set, then raises each of `ambient` (each must be permitted and
// inheritable already).
Status set_ambient_capabilities(const std::vector<int>& ambient);

// Bitmasks as in /proc/self/status (CapPrm, CapEff, CapInh, CapBnd, CapAmb).
struct CapabilityMasks {
    uint64_t permitted = 0;
    uint64_t effective = 0;
    uint64_t inheritable = 0;
    uint64_t bounding = 0;
    uint64_t ambient = 0;
};
Result<CapabilityMasks> read_capabilities();

}  // namespace sandbox::sys
