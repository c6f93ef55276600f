#pragma once
// The mounts the planner adds on its own (step 10): host-mode root binds, the default kernel
// filesystems (/proc, a minimal /dev, /sys), masked and read-only paths, and the write_file
// binds of /etc/resolv.conf and /etc/hosts. Pure: each function appends MountOps to `out`.
#include <string>
#include <vector>

#include "plan/plan.hpp"

namespace sandbox::plan {

// Host directories bound read-only under a tmpfs root in host mode (each optional: /lib32
// and friends exist on few hosts; on merged-/usr hosts /bin etc. are symlinks and the bind
// follows them to /usr/bin, which is what a program needs there).
inline constexpr const char* k_host_dirs[] = {"/usr",   "/bin",   "/sbin",  "/lib",
                                              "/lib64", "/lib32", "/libx32"};
// The /etc subset host mode binds: enough to resolve users, hosts and TLS roots, nothing
// secret (no shadow, no ssh keys). Each optional and read-only.
inline constexpr const char* k_host_etc[] = {
    "/etc/passwd",        "/etc/group",       "/etc/hosts",      "/etc/resolv.conf",
    "/etc/nsswitch.conf", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/alternatives",
    "/etc/ssl/certs",     "/etc/localtime"};

// The device nodes bound from the host into the minimal /dev.
inline constexpr const char* k_dev_nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};

// Host mode: the read-only binds over the tmpfs root (after tmpfs_root).
void add_host_root_binds(std::vector<MountOp>& out);

struct DefaultMountContext {
    bool pid_ns_new = false;         // a pid namespace that is not the host's (created or joined)
    bool net_ns_new = false;         // a network namespace that is not the host's
    bool ipc_ns_new = false;         // an ipc namespace that is not the host's
    profile::RootfsDefaults wanted;  // [rootfs.defaults]: which optional defaults to make
    // Targets the profile mounts itself: a default whose target is one of these or lies
    // under one of them is left out (the profile replaced it).
    std::vector<std::string> profile_targets;
};

// /proc, /dev (tmpfs, nodes, devpts, ptmx, shm, mqueue, fd symlinks), /sys.
void add_default_mounts(const DefaultMountContext& context, std::vector<MountOp>& out,
                        std::vector<PlanNote>& notes);

// security.masked_paths -> mask ops; security.readonly_paths -> readonly ops.
void add_masked_paths(const std::vector<std::string>& paths, std::vector<MountOp>& out);
void add_readonly_paths(const std::vector<std::string>& paths, std::vector<MountOp>& out);

// True when `path` equals `prefix` or lies under it ("/dev/shm" under "/dev"; "/" is never
// treated as a prefix here: a profile mount of "/" is not a replacement for /dev).
bool is_same_or_under(const std::string& path, const std::string& prefix);

}  // namespace sandbox::plan
