#pragma once
// Pipeline step 3, rootfs (DESIGN §2): after state (overlay upper/work live in the state dir),
// before cgroup and spawn (the child mounts what this returns). Only what must exist on the host
// is made here; the bind/overlay mounts themselves happen inside the child's mount namespace.
#include <string>

#include "exec/rollback.hpp"
#include "plan/plan.hpp"

namespace sandbox::exec::host {

struct PreparedRootfs {
    std::string root;        // directory to bind as / (or the overlay lower); empty for host mode
    std::string upper;       // overlay only: <state dir>/overlay/upper
    std::string work;        // overlay only: <state dir>/overlay/work
    bool cache_hit = false;  // archive: reused an extraction from the cache
    std::string archive_sha256;  // archive: the content hash naming the cache entry
};

// directory: checks `plan.source` exists and is a directory (clear error otherwise).
// archive: content-addressed cache <plan.cache_dir>/<sha256>/, extracted once into a temp dir
//   beside it and rename()d into place (concurrent runs are safe; the loser discards its copy);
//   the hash is remembered per (dev, ino, size, mtime) in <cache_dir>/.hashes/ so a warm start
//   does not re-read the archive. Cache entries are shared and never rolled back.
// overlay: returns plan.upper_dir / plan.work_dir (default <state.dir>/upper, /work). The state
//   step normally created them (plan.state.subdirs) and owns their undo; a missing one is made
//   here with UndoKind::remove_tree pushed. A non-empty one is an error (a stale layer).
// Throws sys::SysError.
PreparedRootfs prepare_rootfs(const plan::RootfsPlan& plan, const plan::StatePlan& state,
                              Rollback& rollback);

}  // namespace sandbox::exec::host
