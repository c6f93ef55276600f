// The command line itself, without privilege: the words after `--` reach process.args byte
// for byte (main splits them off before CLI11), and `-v` is --volume everywhere.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "support/run_sandbox.hpp"

using namespace sandbox::test;

namespace {

// Each of these was rewritten or refused by CLI11 when it parsed the command as a vector
// option: "[ a ]" became " a ", "c,d" could be split, "-v" and "--x" were taken as options.
const std::vector<std::string> k_awkward = {
    "[ a ]",      "{b=1}", "c,d", "",      "--x", "-v", "--", "h\xc3\xa9llo \xe2\x9c\x93",
    "two\nlines", "[",     "]",   "--set", "a=b"};

// A profile `export --oci` and `explain` accept; nothing runs, the rootfs is never opened.
std::string write_profile(const TempDir& dir) {
    std::string path = dir / "args.toml";
    write_file(path,
               "version = 1\nname = \"args\"\n[process]\nargs = [\"/bin/true\"]\n"
               "[rootfs]\npath = \"" +
                   dir.path() + "\"\n");
    return path;
}

}  // namespace

TEST_CASE("cli: split_command_tail keeps every word after the first -- verbatim", "[unit][cli]") {
    std::vector<std::string> line = {"sandbox", "up", "p.toml", "-v", "/a:/b", "--", "sh"};
    line.insert(line.end(), k_awkward.begin(), k_awkward.end());
    std::vector<const char*> argv;
    for (const std::string& w : line) {
        argv.push_back(w.c_str());
    }
    sandbox::cli::CommandTail tail;
    auto head = sandbox::cli::split_command_tail(static_cast<int>(argv.size()), argv.data(), tail);
    CHECK(head == std::vector<std::string>{"sandbox", "up", "p.toml", "-v", "/a:/b"});
    CHECK(tail.given);
    std::vector<std::string> expected{"sh"};
    expected.insert(expected.end(), k_awkward.begin(), k_awkward.end());
    CHECK(tail.args == expected);

    sandbox::cli::CommandTail none;
    const char* plain[] = {"sandbox", "ps"};
    CHECK(sandbox::cli::split_command_tail(2, plain, none) ==
          std::vector<std::string>{"sandbox", "ps"});
    CHECK_FALSE(none.given);
}

TEST_CASE("cli: export writes the command after -- into config.json byte for byte", "[unit][cli]") {
    TempDir dir("cli");
    std::string profile = write_profile(dir);
    std::vector<std::string> args = {"export",       "--oci", profile,    "-o",
                                     dir / "bundle", "--",    "/bin/echo"};
    args.insert(args.end(), k_awkward.begin(), k_awkward.end());
    RunResult r = run_sandbox(args);
    INFO(r.err);
    REQUIRE(r.status == 0);
    auto config = nlohmann::json::parse(read_file(dir / "bundle/config.json"));
    std::vector<std::string> expected{"/bin/echo"};
    expected.insert(expected.end(), k_awkward.begin(), k_awkward.end());
    CHECK(config["process"]["args"].get<std::vector<std::string>>() == expected);
}

TEST_CASE("cli: explain shows the command after -- byte for byte, and a lone -- is no command",
          "[unit][cli]") {
    TempDir dir("cli");
    std::string profile = write_profile(dir);
    RunResult r = run_sandbox({"explain", "--format", "json", profile, "--", "sh", "-c",
                               "[ -f x ] && make", "[ a ]", "{b=1}", "c,d"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    auto plan = nlohmann::json::parse(r.out);
    CHECK(plan.dump().find(R"(["sh","-c","[ -f x ] && make","[ a ]","{b=1}","c,d"])") !=
          std::string::npos);
    // `--` with nothing after it keeps the profile's process.args.
    RunResult lone = run_sandbox({"explain", "--format", "json", profile, "--"});
    CHECK(lone.status == 0);
    CHECK(nlohmann::json::parse(lone.out).dump().find(R"(["/bin/true"])") != std::string::npos);
}

TEST_CASE("cli: a command after -- is refused by a subcommand that runs none", "[unit][cli]") {
    RunResult r = run_sandbox({"ps", "--", "ls"});
    CHECK(r.status == 125);
    CHECK(r.err == "sandbox: 'ps' takes no command after '--'\n");
}

TEST_CASE("cli: -v is --volume everywhere, verbosity is --verbose or --log-level", "[unit][cli]") {
    TempDir dir("cli");
    std::string profile = write_profile(dir);
    // Before the subcommand: refused, with the way to more log output.
    RunResult before = run_sandbox({"-v", "explain", profile});
    CHECK(before.status == 125);
    CHECK(before.out == "");
    CHECK(before.err ==
          "sandbox: '-v' before the subcommand: -v is --volume SRC:DST[:ro] (after the "
          "subcommand); for more log output use --verbose (repeatable) or --log-level debug\n");
    // After it, `-v PROFILE` is not a volume: refused before anything runs (up included).
    for (const char* sub : {"explain", "up"}) {
        RunResult after = run_sandbox({sub, "-v", profile});
        INFO(sub << ": " << after.err);
        CHECK(after.status == 125);
        CHECK(after.out == "");
        CHECK(after.err.find("-v is --volume SRC:DST[:ro], got '" + profile +
                             "' (for more log output use --verbose or --log-level debug)") !=
              std::string::npos);
    }
    // -v SRC:DST after the subcommand is a bind mount.
    RunResult vol = run_sandbox({"explain", profile, "-v", dir.path() + ":/data:ro"});
    CHECK(vol.status == 0);
    CHECK(vol.out.find("/data") != std::string::npos);
    // --verbose (before or after the subcommand) and --log-level give more log output.
    for (std::vector<std::string> args :
         {std::vector<std::string>{"--verbose", "--verbose", "explain", profile},
          std::vector<std::string>{"explain", profile, "--verbose", "--verbose"},
          std::vector<std::string>{"--log-level", "debug", "explain", profile}}) {
        RunResult r = run_sandbox(args);
        CHECK(r.status == 0);
    }
    RunResult bad = run_sandbox({"--log-level", "loud", "explain", profile});
    CHECK(bad.status == 125);
}
