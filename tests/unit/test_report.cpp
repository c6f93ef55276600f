// The report's JSON shape and its atomic write.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "exec/report.hpp"
#include "support/temp_dir.hpp"
#include "sys/error.hpp"

using namespace sandbox;
using sandbox::test::read_file;
using sandbox::test::TempDir;
namespace fs = std::filesystem;

TEST_CASE("report: a finished run has usage, steps in order and null where unset",
          "[unit][report]") {
    exec::Report r;
    r.name = "web";
    r.exit_status = 137;
    r.ended_how = "oom";
    r.signal = 9;
    r.step_ms = {{"state", 0.25}, {"rootfs", 1.5}, {"cgroup", 0.14}};
    r.wall_ms = 12.5;
    r.peak_memory = 67108864;
    r.cpu_usec = 2500;
    r.oom_kills = 1;
    r.cgroup = "/sys/fs/cgroup/sandbox/web";
    nlohmann::json j = exec::to_json(r);
    CHECK(j == nlohmann::json::parse(R"({
        "version": 1, "name": "web", "exit_status": 137, "ended_how": "oom", "signal": 9,
        "failed_step": null, "error": "",
        "steps": [{"step": "state", "ms": 0.25}, {"step": "rootfs", "ms": 1.5},
                  {"step": "cgroup", "ms": 0.14}],
        "wall_ms": 12.5, "cgroup": "/sys/fs/cgroup/sandbox/web",
        "usage": {"peak_memory_bytes": 67108864, "cpu_usec": 2500, "oom_kills": 1},
        "undo_failures": []
    })"));
}

TEST_CASE("report: a setup failure names the step, the error and undo failures", "[unit][report]") {
    exec::Report r;
    r.name = "ci";
    r.exit_status = 125;
    r.ended_how = "setup_failed";
    r.failed_step = "mounts";
    r.error = "bind /data → /work: No such file or directory (ENOENT)";
    r.undo_failures = {{"remove_cgroup", "/sys/fs/cgroup/memory/sandbox/ci", "rmdir: EBUSY"}};
    nlohmann::json j = exec::to_json(r);
    CHECK(j["failed_step"] == "mounts");
    CHECK(j["signal"].is_null());
    CHECK(j["error"] == r.error);
    CHECK(j["usage"]["peak_memory_bytes"].is_null());
    CHECK(j["usage"]["oom_kills"].is_null());
    CHECK(j["cgroup"].is_null());  // no cgroup was used (rootless without delegation)
    REQUIRE(j["undo_failures"].size() == 1);
    CHECK(j["undo_failures"][0] == nlohmann::json{{"kind", "remove_cgroup"},
                                                  {"target", "/sys/fs/cgroup/memory/sandbox/ci"},
                                                  {"message", "rmdir: EBUSY"}});
}

TEST_CASE("report: written atomically, replacing an old one, leaving no temp file",
          "[unit][report]") {
    TempDir tmp("rep");
    sandbox::test::write_file(tmp / "report.json", "old");
    exec::Report r;
    r.name = "x";
    r.ended_how = "exited";
    r.step_ms = {{"state", 0.5}};
    r.wall_ms = 2.5;
    exec::write_report(r, tmp / "report.json");
    // The exact bytes on disk (not a comparison with our own serialisation, which would agree
    // with any shape): keys sorted, two-space indent, a final newline.
    CHECK(read_file(tmp / "report.json") == R"({
  "cgroup": null,
  "ended_how": "exited",
  "error": "",
  "exit_status": 0,
  "failed_step": null,
  "name": "x",
  "signal": null,
  "steps": [
    {
      "ms": 0.5,
      "step": "state"
    }
  ],
  "undo_failures": [],
  "usage": {
    "cpu_usec": null,
    "oom_kills": null,
    "peak_memory_bytes": null
  },
  "version": 1,
  "wall_ms": 2.5
}
)");
    size_t files = 0;
    for (const auto& e : fs::directory_iterator(tmp.path())) {
        (void)e;
        ++files;
    }
    CHECK(files == 1);
    struct stat st {};
    REQUIRE(::stat((tmp / "report.json").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);
    CHECK_THROWS_AS(exec::write_report(r, tmp / "missing/dir/report.json"), sys::SysError);
}
