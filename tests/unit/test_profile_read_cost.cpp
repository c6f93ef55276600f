// What reading a profile costs in memory touched, counted (page faults), not timed (issue 10,
// docs/performance.md): a 30-line profile must not make the loader zero-fill a buffer of the
// whole 1 MiB size limit, which cost every `sandbox up` 257 page faults.
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "profile/loader.hpp"
#include "support/run_in_child.hpp"
#include "support/temp_dir.hpp"

using namespace sandbox;

namespace {

long minor_faults() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

// Minor page faults of the second load_profile of `path` in a fresh child, capped at 254 to
// fit an exit status (255: the profile did not load). The first load faults in the parser's
// code; a fixed mmap threshold (no dynamic adjustment, no trimming hysteresis) makes every
// allocation above 64 KiB fresh pages again, as a new `sandbox` process sees them.
int faults_of_second_load(const std::string& path) {
    return test::run_in_child([&] {
        mallopt(M_MMAP_THRESHOLD, 64 * 1024);
        if (!profile::load_profile(path).profile) {
            return 255;
        }
        long before = minor_faults();
        profile::LoadResult r = profile::load_profile(path);
        long after = minor_faults();
        if (!r.profile) {
            return 255;
        }
        return static_cast<int>(std::min(after - before, 254L));
    });
}

}  // namespace

TEST_CASE("profile read: a small profile costs far fewer page faults than its 1 MiB size limit",
          "[profile][startup]") {
    test::TempDir dir;
    for (const char* ext : {".toml", ".yaml"}) {
        const std::string path = dir.path() + "/small" + ext;
        std::ofstream(path) << (std::string(ext) == ".toml"
                                    ? "version = 1\nname = \"small\"\n[rootfs]\npath = \"/\"\n"
                                      "[process]\nargs = [\"true\"]\n"
                                    : "version: 1\nname: small\nrootfs:\n  path: /\n"
                                      "process:\n  args: [\"true\"]\n");
        INFO(path);
        // 1 MiB zero-filled is 256 pages; a load of a small file touches a few dozen.
        int faults = faults_of_second_load(path);
        CHECK(faults != 255);  // 255: the profile did not load
        CHECK(faults < 100);
    }
}

TEST_CASE("profile read: a profile of more than a page reads whole", "[profile]") {
    test::TempDir dir;
    const std::string path = dir.path() + "/long.toml";
    std::string text = "version = 1\nname = \"long\"\n[rootfs]\npath = \"/\"\n";
    for (int i = 0; i < 400; ++i) {
        text += "# padding line " + std::to_string(i) + " so the file is well over one page\n";
    }
    text += "[process]\nargs = [\"echo\", \"last line\"]\n";
    std::ofstream(path) << text;
    profile::LoadResult r = profile::load_profile(path);
    REQUIRE(r.profile);
    CHECK(r.profile->process.args == std::vector<std::string>{"echo", "last line"});
}
