// A sandbox whose root inside is a subordinate host id (uid_map 0 -> 100000, what rootless
// `locked` gets from /etc/subuid) must still reach what the launcher prepared for it: its state
// entries (new root, overlay layers, hosts/resolv.conf) and the profile's bind sources, even when
// they sit behind a 0700 directory of the invoker — rootless, that is $XDG_RUNTIME_DIR, and
// often $HOME. The VM suite found `locked` failing there with "open .../root: EACCES"
// (tests/vm); this reproduces it on any host: the test's temp dir is mkdtemp's 0700, owned by
// root, and the mapped root (uid 100000) may not traverse it. The child opens those paths
// before its ids change (src/exec/child/host_access.hpp).
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "support/privilege.hpp"
#include "support/run_sandbox.hpp"

using namespace sandbox::test;
namespace fs = std::filesystem;

namespace {

const char* const k_subordinate_root =
    "[namespaces]\nuser = true\nmount = true\npid = true\nuts = true\nipc = true\nnet = true\n"
    "[[uid_map]]\ninside = 0\noutside = 100000\ncount = 65536\n"
    "[[gid_map]]\ninside = 0\noutside = 100000\ncount = 65536\n"
    "[network]\nmode = \"none\"\n";

}  // namespace

TEST_CASE("mounts: a subordinate root reaches its state and bind sources behind 0700 dirs",
          "[root][mounts][userns]") {
    require_root();
    SandboxTest t;
    struct stat st {};
    REQUIRE(::stat(t.dir().path().c_str(), &st) == 0);
    REQUIRE((st.st_mode & 0777) == 0700);  // the point of the test: not traversable by 100000

    const std::string private_dir = t.dir() / "private";
    fs::create_directories(private_dir);
    fs::permissions(private_dir, fs::perms(0700));
    write_file(private_dir + "/note.txt", "from-a-private-dir\n");
    fs::permissions(private_dir + "/note.txt", fs::perms(0644));
    fs::create_directories(private_dir + "/shared");
    write_file(private_dir + "/shared/a.txt", "a\n");
    // The rootfs itself behind the 0700 dir too (a rootfs in one's home), owned by the
    // sandbox's root (as one unpacked for that range is), so mount points can be made in it.
    const std::string rootfs = private_dir + "/rootfs";
    REQUIRE(std::system(("cp -a '" + test_rootfs() + "' '" + rootfs + "' && chown -R " +
                         "100000:100000 '" + rootfs + "'")
                            .c_str()) == 0);

    const std::string mounts = "[[mounts]]\ntype = \"bind\"\nsource = \"" + private_dir +
                               "/note.txt\"\ntarget = \"/note.txt\"\n"
                               "[[mounts]]\ntype = \"bind\"\nsource = \"" +
                               private_dir + "/shared\"\ntarget = \"/shared\"\n";

    SECTION("read-only root (bind of the rootfs, pivot_root through the state root)") {
        auto profile = t.profile("ro",
                                 std::string("readonly = true\n") + k_subordinate_root +
                                     "[uts]\nhostname = \"hostaccess\"\n" + mounts,
                                 rootfs);
        RunResult r = t.run({"up", profile, "--", "/bin/sh", "-c",
                             "id -u; cat /note.txt /shared/a.txt; hostname; "
                             "grep -c hostaccess /etc/hosts"});
        INFO(r.err);
        CHECK(r.status == 0);
        CHECK(r.out == "0\nfrom-a-private-dir\na\nhostaccess\n1\n");
        CHECK(r.err == "");
    }
    SECTION("overlay root (upper and work layers in the state root)") {
        auto profile =
            t.profile("ov", std::string("overlay = true\n") + k_subordinate_root + mounts, rootfs);
        RunResult r = t.run({"up", profile, "--", "/bin/sh", "-c",
                             "echo changed > /etc/motd && cat /etc/motd /note.txt"});
        INFO(r.err);
        CHECK(r.status == 0);
        CHECK(r.out == "changed\nfrom-a-private-dir\n");
        CHECK(r.err == "");
        CHECK_FALSE(fs::exists(rootfs + "/etc/motd"));  // the overlay kept the change
    }
    SECTION("a state root its owner made 0700 is made searchable (o+x) for the mapped root") {
        // The new root's mount point and the overlay's layers are entries of the state root
        // (src/plan/state_layout.hpp), reached through its fd: the root itself must be
        // searchable by uid 100000. Before, each sandbox had a 0711 directory of its own there.
        fs::create_directories(t.state_root());
        fs::permissions(t.state_root(), fs::perms(0700));
        auto profile =
            t.profile("private-root", std::string("overlay = true\n") + k_subordinate_root, rootfs);
        RunResult r = t.run({"up", profile, "--", "/bin/sh", "-c", "id -u; echo x > /etc/motd"});
        INFO(r.err);
        CHECK(r.status == 0);
        CHECK(r.out == "0\n");
        REQUIRE(::stat(t.state_root().c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0701);  // search only: nothing listable or readable
    }
    SECTION("a missing bind source is still reported by the mounts step, naming the path") {
        auto profile = t.profile("missing",
                                 std::string("readonly = true\n") + k_subordinate_root +
                                     "[[mounts]]\ntype = \"bind\"\nsource = \"" + private_dir +
                                     "/absent\"\ntarget = \"/absent\"\n",
                                 rootfs);
        RunResult r = t.run({"up", profile, "--", "/bin/true"});
        CHECK(r.status == 125);
        CHECK(r.err.find("setup failed at mounts: bind " + private_dir + "/absent") !=
              std::string::npos);
        CHECK(r.err.find("No such file or directory") != std::string::npos);
    }
    CHECK(t.leaks() == std::vector<std::string>{});
}
