// Rollback ordering, failure collection and the state.json round trip (docs/architecture.md §9.8).
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "exec/rollback.hpp"
#include "exec/state.hpp"
#include "support/temp_dir.hpp"

using namespace sandbox;
using namespace sandbox::exec;

TEST_CASE("rollback: entries run newest first and the stack ends empty", "[unit][rollback]") {
    test::TempDir dir("rb");
    std::string outer = dir / "outer";
    std::string file = outer + "/file";
    mkdir(outer.c_str(), 0700);
    std::ofstream(file) << "x";
    Rollback rb;
    rb.push(UndoKind::remove_dir, outer);  // only works once the file is gone
    rb.push(UndoKind::remove_file, file);
    auto failures = rb.unwind();
    CHECK(failures.empty());
    CHECK(rb.empty());
    CHECK(!std::filesystem::exists(outer));
}

TEST_CASE("rollback: a failing undo is reported and the rest still runs", "[unit][rollback]") {
    test::TempDir dir("rb");
    std::string nonempty = dir / "nonempty";
    std::string file = dir / "file";
    mkdir(nonempty.c_str(), 0700);
    std::ofstream(nonempty + "/keep") << "x";
    std::ofstream(file) << "x";
    Rollback rb;
    rb.push(UndoKind::remove_file, file);
    rb.push(UndoKind::remove_dir, nonempty);  // ENOTEMPTY
    auto failures = rb.unwind();
    REQUIRE(failures.size() == 1);
    CHECK(failures[0].entry.target == nonempty);
    CHECK(failures[0].message.find("ENOTEMPTY") != std::string::npos);
    CHECK(!std::filesystem::exists(file));
}

TEST_CASE("rollback: the observer sees every change", "[unit][rollback]") {
    Rollback rb;
    std::vector<size_t> sizes;
    rb.set_observer([&](const std::vector<UndoEntry>& e) { sizes.push_back(e.size()); });
    rb.push(UndoKind::remove_file, "/nonexistent/a");
    rb.push(UndoKind::remove_file, "/nonexistent/b");
    rb.unwind();
    CHECK(sizes == std::vector<size_t>{1, 2, 1, 0});
}

TEST_CASE("rollback: push_all adds every entry in order and tells the observer once",
          "[unit][rollback]") {
    Rollback rb;
    std::vector<size_t> sizes;
    rb.set_observer([&](const std::vector<UndoEntry>& e) { sizes.push_back(e.size()); });
    rb.push(UndoKind::remove_tree, "/nonexistent/state");
    rb.push_all(UndoKind::remove_cgroup, {"/nonexistent/memory/x", "/nonexistent/pids/x"}, "1");
    rb.push_all(UndoKind::remove_cgroup, {}, "1");  // nothing made: no observer call
    CHECK(sizes == std::vector<size_t>{1, 3});
    REQUIRE(rb.entries().size() == 3);
    CHECK(rb.entries()[1].target == "/nonexistent/memory/x");
    CHECK(rb.entries()[2].target == "/nonexistent/pids/x");
    CHECK(rb.entries()[2].extra == "1");
    rb.release();
}

TEST_CASE("rollback: state.json round-trips the undo list", "[unit][rollback]") {
    SandboxState s;
    s.name = "web";
    s.launcher_pid = 10;
    s.child_pid = 11;
    s.command = {"sh", "-c", "x"};
    s.rollback = {{UndoKind::remove_tree, "/run/sandbox/web", ""},
                  {UndoKind::remove_cgroup, "/sys/fs/cgroup/memory/sandbox/web", "1"},
                  {UndoKind::delete_link, "sbx-web", ""}};
    auto back = parse_state(to_json(s));
    REQUIRE(back);
    CHECK(back->name == "web");
    CHECK(back->child_pid == 11);
    CHECK(back->command == s.command);
    REQUIRE(back->rollback.size() == 3);
    CHECK(back->rollback[1].kind == UndoKind::remove_cgroup);
    CHECK(back->rollback[1].extra == "1");
    CHECK(
        !parse_state("{\"name\": \"x\", \"rollback\": [{\"kind\": \"bogus\", \"target\": \"\"}]}"));
}
