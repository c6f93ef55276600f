#pragma once
// decode: resolved Document -> Profile, driven by the field table (fields.hpp).
// check: cross-field rules on the decoded Profile (uid-map overlap, veth name length, ...).
// Both only add Diagnostics; neither throws for bad input.
#include "profile/diagnostics.hpp"
#include "profile/document.hpp"
#include "profile/origins.hpp"
#include "profile/profile.hpp"

namespace sandbox::profile {

// `root` is the merged table after resolve. Fills `origins` with every key path set.
Profile decode(const Node& root, Diagnostics& diagnostics, Origins& origins);

// `origins` places each diagnostic at the value it is about.
void check(const Profile& profile, const Origins& origins, Diagnostics& diagnostics);
// The host paths `profile` names, looked at read-only (stat, realpath; nothing is created):
// rootfs.path must be an existing directory and must not resolve to the host's "/".
void check_host_paths(const Profile& profile, const Origins& origins, Diagnostics& diagnostics);

}  // namespace sandbox::profile
