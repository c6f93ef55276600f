#pragma once
// Pipeline step 3, rootfs (docs/architecture.md): after state (overlay upper/work live in the state
// dir), before cgroup and spawn (the child mounts what this returns). Only what must exist on the
// host is made here; the bind/overlay mounts themselves happen inside the child's mount namespace.
#include <string>

#include "exec/rollback.hpp"
#include "plan/plan.hpp"
#include "sys/fd.hpp"

namespace sandbox::exec::host {

struct PreparedRootfs {
    std::string root;  // directory to bind as / (or the overlay lower); empty for host mode
    // A detached copy of `root` (open_tree OPEN_TREE_CLONE|AT_RECURSIVE) that the child
    // inherits and attaches; empty when the launcher may not clone mounts (rootless).
    sys::UniqueFd tree;
    std::string upper;           // overlay only: <name>@overlay/upper
    std::string work;            // overlay only: <name>@overlay/work
    bool cache_hit = false;      // archive: reused an extraction from the cache
    std::string archive_sha256;  // archive: the content hash naming the cache entry
};

// directory: checks `plan.source` exists and is a directory (clear error otherwise).
// archive: the archive is opened once; content-addressed cache
//   <plan.cache_dir>/<sha256>[-setuid]/{manifest,tree} (cache dirs 0700, owned by the
//   invoking user), extracted once (set-id bits stripped unless plan.keep_setuid) into a temp
//   dir beside it and rename()d into place (concurrent runs are safe; the loser discards its
//   copy); an entry whose manifest does not match is unpacked again. The hash is remembered
//   per (dev, ino, size, mtime, ctime) in <cache_dir>/.hashes/ so a warm start does not
//   re-read the archive. Cache entries are shared and never rolled back.
// Both: `tree` is a detached clone of the root for the child to attach.
// overlay: returns plan.upper_dir / plan.work_dir (default <name>@overlay/upper, /work), made here
//   (with their parent) with UndoKind::remove_tree pushed, owned by the host ids root maps to
//   in `id_maps` (the overlay's mounter). A non-empty one is an error (a stale layer).
// Throws sys::SysError.
PreparedRootfs prepare_rootfs(const plan::RootfsPlan& plan, const plan::StatePlan& state,
                              Rollback& rollback, const plan::IdMapPlan& id_maps = {});

}  // namespace sandbox::exec::host
