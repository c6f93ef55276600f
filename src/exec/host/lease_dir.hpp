#pragma once
// A directory of lease files, shared by the id-range leases (uid_map = "auto", id_ranges.cpp)
// and the address pool (ipam.cpp). One file per lease, its name saying what it holds; its
// launcher keeps it flock()ed for its whole life and wrote "<owner> <pid>\n" into it. A file
// nobody holds a lock on is stale (its launcher was SIGKILLed) and is taken back by the next
// caller. Choosing and creating a lease happens under the directory's own flock, so two
// launchers never take the same free entry. The last release removes the directory.
#include <functional>
#include <string>
#include <vector>

#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace sandbox::exec::host {

struct LeaseFile {
    std::string name;   // the file name, "<what>.lease"
    std::string owner;  // the first word of its content: the sandbox holding it
};

// The held lease: its path, its content without the newline ("<owner> <pid>", checked before
// removal), and the lock fd that keeps it live.
struct HeldLease {
    std::string path;
    std::string token;
    sys::UniqueFd lock;
};

// Runs `choose(dir_fd)` with `dir` (created 0700 if missing) open and locked, then creates and
// locks the lease file it named. A directory not owned by the invoker, or writable by others,
// is refused (`what`: "id leases", "address leases"): leases decide which ids or addresses a
// sandbox gets. `choose` returns the file name to create, or an error (say ENOSPC). When the
// directory is removed by the last release between open and create, it starts again.
sys::Result<HeldLease> take_lease(
    const std::string& dir, const std::string& what, const std::string& owner,
    const std::function<sys::Result<std::string>(int dir_fd)>& choose);

// The live lease files of `dir_fd` whose name `is_lease` accepts. Stale ones are unlinked
// when `reclaim` (the caller holds the directory's lock), skipped otherwise.
std::vector<LeaseFile> scan_lease_files(int dir_fd, bool reclaim,
                                        const std::function<bool(const std::string&)>& is_lease);

// The same for a directory by path, without taking anything back (no lock needed): for tests
// and `ps`-like listings. Empty when the directory does not exist.
std::vector<LeaseFile> live_lease_files(const std::string& dir,
                                        const std::function<bool(const std::string&)>& is_lease);

// The undo of a lease: removes `path` if it still holds `token` (after a stale lease was taken
// back, the same file name may belong to another sandbox: that one is left alone); the last
// lease takes the directory with it.
sys::Status release_lease(const std::string& path, const std::string& token);

}  // namespace sandbox::exec::host
