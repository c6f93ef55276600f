// Not a test (its own binary, hidden tag): `sandbox_bench_rootfs "[bench]"` prints cold vs warm
// prepare_rootfs for a ~6 MB busybox tarball built in a temp dir from /bin/busybox.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "exec/host/rootfs.hpp"
#include "support/archive_builder.hpp"
#include "support/temp_dir.hpp"
#include "sys/archive.hpp"

using namespace sandbox;
namespace fs = std::filesystem;

TEST_CASE("rootfs: cold vs warm prepare timing", "[.][bench]") {
    if (!fs::exists("/bin/busybox")) {
        WARN("no /bin/busybox");
        return;
    }
    // Through a stringstream: gcc 12 -O3 flags istreambuf_iterator's inlined streambuf
    // accessors as a potential null dereference (-Wnull-dereference, Release -Werror).
    std::ifstream in("/bin/busybox", std::ios::binary);
    std::ostringstream contents;
    contents << in.rdbuf();
    const std::string busybox = contents.str();
    test::TempDir tmp("bench");
    for (const char* filter : {"none", "gzip"}) {
        const std::string tar = tmp / (std::string("busybox.tar.") + filter);
        {
            test::ArchiveBuilder b(tar, filter);
            b.dir("bin").dir("sbin").dir("usr").dir("usr/bin").dir("etc").dir("tmp", 01777);
            b.file("bin/busybox", busybox, 0755);
            // Padding to ~6 MB with the same bytes under other names, plus applet links.
            b.file("usr/bin/busybox.copy1", busybox, 0755);
            b.file("usr/bin/busybox.copy2", busybox, 0755);
            for (const char* a :
                 {"sh",   "ls",   "cat",  "echo",  "true",     "false", "mkdir",  "rm",
                  "cp",   "mv",   "ln",   "ps",    "sleep",    "env",   "id",     "grep",
                  "sed",  "awk",  "find", "xargs", "head",     "tail",  "wc",     "sort",
                  "uniq", "tr",   "cut",  "date",  "hostname", "mount", "umount", "ip",
                  "ping", "wget", "vi",   "tar",   "gzip",     "chmod", "chown",  "touch"}) {
                b.symlink(std::string("bin/") + a, "busybox");
            }
            b.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
        }
        plan::StatePlan state;
        state.sandbox_name = "bench";
        state.dir = tmp / "state";
        plan::RootfsPlan p;
        p.kind = plan::RootfsKind::archive;
        p.source = tar;
        p.cache_dir = tmp / (std::string("cache-") + filter);
        p.readonly = true;
        exec::Rollback rb;
        auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
        auto t0 = std::chrono::steady_clock::now();
        auto cold = exec::host::prepare_rootfs(p, state, rb);
        auto t1 = std::chrono::steady_clock::now();
        REQUIRE_FALSE(cold.cache_hit);
        std::vector<double> warm;
        for (int i = 0; i < 50; ++i) {
            auto w0 = std::chrono::steady_clock::now();
            auto w = exec::host::prepare_rootfs(p, state, rb);
            warm.push_back(ms(std::chrono::steady_clock::now() - w0));
            REQUIRE(w.cache_hit);
        }
        std::sort(warm.begin(), warm.end());
        fs::remove_all(p.cache_dir + "/.hashes");
        auto r0 = std::chrono::steady_clock::now();
        auto rehash = exec::host::prepare_rootfs(p, state, rb);
        auto r1 = std::chrono::steady_clock::now();
        REQUIRE(rehash.cache_hit);
        std::cout << "rootfs " << filter << " (" << fs::file_size(tar) / 1024 << " KiB): cold "
                  << ms(t1 - t0) << " ms, warm median " << warm[25] * 1000
                  << " µs, warm without hash sidecar " << ms(r1 - r0) << " ms\n";
    }
}
