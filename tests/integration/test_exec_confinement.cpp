// `sandbox exec` must confine a command exactly like the sandbox's workload (issue 12 §1): an
// escape suite run through `sandbox up -d` + `sandbox exec` under profiles/locked and
// profiles/default. Each probe is the static tests/integration/helpers/sbx-probe (bound at
// /probe), exec'd directly, so what it reports is what `sandbox exec` gave it. The workload is
// `sleep` at pid 2 of the sandbox (pid 1 is sandbox:init), so "equal to the workload's" reads
// /proc/2/... from inside.
//
// Against the binary of main a40709c (SANDBOX_BIN=/work/main/build/ci/sandbox) the probes fail:
// full capabilities, no no_new_privs or seccomp, the invoker's fds, keyring and terminal.
#include <fcntl.h>
#include <linux/keyctl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/privilege.hpp"
#include "support/run_sandbox.hpp"

using namespace sandbox::test;

namespace {

// How the `sandbox exec` process is started.
struct ExecIo {
    int host_fd_9 = -1;  // >= 0: passed on as fd 9 (not CLOEXEC), like `9</hostdir`
    int terminal = -1;   // >= 0: a pty slave path fd; made the controlling terminal and stdin
    std::string terminal_path;
    std::map<std::string, std::string> env;  // added to the invoker's environment
};

// Runs `sandbox ARGS` with stdout/stderr captured; stdin /dev/null unless io.terminal.
RunResult run_with(const SandboxTest& t, const std::vector<std::string>& args, const ExecIo& io) {
    int out[2], err[2];
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    REQUIRE(pipe2(err, O_CLOEXEC) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        if (!io.terminal_path.empty()) {
            // A new session whose controlling terminal is the test's pty: the situation of an
            // interactive shell running `sandbox exec`.
            setsid();
            int tty = open(io.terminal_path.c_str(), O_RDWR);
            if (tty < 0 || ioctl(tty, TIOCSCTTY, 0) != 0) {
                _exit(120);
            }
            dup2(tty, 0);
        } else {
            int null_fd = open("/dev/null", O_RDONLY);
            dup2(null_fd, 0);
        }
        dup2(out[1], 1);
        dup2(err[1], 2);
        if (io.host_fd_9 >= 0) {
            dup2(io.host_fd_9, 9);  // dup2 clears CLOEXEC
        }
        for (const auto& [k, v] : t.env(io.env)) {
            setenv(k.c_str(), v.c_str(), 1);
        }
        std::vector<std::string> argv_s{sandbox_bin()};
        argv_s.insert(argv_s.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : argv_s) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    RunResult r;
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    int open_fds = 2;
    while (open_fds > 0 && std::chrono::steady_clock::now() < deadline) {
        if (poll(fds, 2, 1000) < 0) {
            break;
        }
        for (pollfd& p : fds) {
            if (p.fd >= 0 && (p.revents & (POLLIN | POLLHUP)) != 0) {
                char buf[4096];
                ssize_t n = read(p.fd, buf, sizeof buf);
                if (n <= 0) {
                    close(p.fd);
                    p.fd = -1;
                    --open_fds;
                } else {
                    (p.fd == out[0] ? r.out : r.err).append(buf, static_cast<size_t>(n));
                }
            }
        }
    }
    for (pollfd& p : fds) {
        if (p.fd >= 0) {
            kill(pid, SIGKILL);
            close(p.fd);
        }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

std::string strip_cr(std::string s) {
    s.erase(std::remove(s.begin(), s.end(), '\r'), s.end());
    return s;
}

// "Key:\tvalue" lines of a /proc/PID/status text, for the keys asked.
std::map<std::string, std::string> status_fields(const std::string& text,
                                                 const std::set<std::string>& keys) {
    std::map<std::string, std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        size_t colon = line.find(':');
        if (colon != std::string::npos && keys.count(line.substr(0, colon)) != 0) {
            out[line.substr(0, colon)] = line.substr(colon + 1);
        }
    }
    return out;
}

// A host file only root may read, and its handle (name_to_handle_at), on the filesystem that
// holds the probe directory the sandbox gets: open_by_handle_at() on /probe would read it.
struct HostSecret {
    std::string path;
    int type = 0;
    std::string hex;
    explicit HostSecret(const std::string& dir) {
        path = dir + "/exec-secret-" + std::to_string(getpid());
        write_file(path, "host secret\n");
        chmod(path.c_str(), 0600);
        std::vector<char> buf(sizeof(file_handle) + MAX_HANDLE_SZ);
        auto* h = reinterpret_cast<file_handle*>(buf.data());
        h->handle_bytes = MAX_HANDLE_SZ;
        int mount_id = 0;
        REQUIRE(name_to_handle_at(AT_FDCWD, path.c_str(), h, &mount_id, 0) == 0);
        type = h->handle_type;
        char byte[3];
        for (unsigned i = 0; i < h->handle_bytes; ++i) {
            std::snprintf(byte, sizeof byte, "%02x", h->f_handle[i]);
            hex += byte;
        }
    }
    ~HostSecret() { unlink(path.c_str()); }
};

// <dir>/<suffix>.toml: sandbox t.name(suffix) extending the shipped profile `base`, with cwd
// /tmp and the probe directory at /probe; `extra` is appended.
std::string write_profile(const SandboxTest& t, const std::string& suffix, const std::string& base,
                          const std::string& extra = {}) {
    std::string path = t.dir() / (suffix + ".toml");
    write_file(path, "version = 1\nname = \"" + t.name(suffix) + "\"\nextends = \"" +
                         SANDBOX_SOURCE_DIR + "/profiles/" + base +
                         ".toml\"\n"
                         "[process]\ncwd = \"/tmp\"\n"
                         "[[mounts]]\ntype = \"bind\"\nsource = \"" SANDBOX_BINARY_DIR
                         "/tests/helpers\"\ntarget = \"/probe\"\nreadonly = true\n" +
                         extra);
    return path;
}

// The whole suite against one shipped profile.
void exec_suite(const std::string& base) {
    require_root();
    SandboxTest t;
    std::string name = t.name("x" + base);
    std::string profile = write_profile(t, "x" + base, base);
    RunResult up = t.run({"up", "-d", profile, "--", "sleep", "600"});
    INFO("up stderr: " << up.err);
    REQUIRE(up.status == 0);
    INFO("profile " << base);
    // A failed REQUIRE below must not leave the sandbox running.
    struct Down {
        const SandboxTest& t;
        std::string name;
        bool done = false;
        ~Down() {
            if (!done) {
                t.run({"down", name});
            }
        }
    } down{t, name};

    auto exec = [&](std::vector<std::string> cmd, const ExecIo& io = {},
                    std::vector<std::string> options = {}) {
        std::vector<std::string> args{"exec"};
        args.insert(args.end(), options.begin(), options.end());
        args.push_back(name);
        args.push_back("--");
        args.insert(args.end(), cmd.begin(), cmd.end());
        return run_with(t, args, io);
    };
    auto probe = [&](std::vector<std::string> probe_args, const ExecIo& io = {},
                     std::vector<std::string> options = {}) {
        probe_args.insert(probe_args.begin(), "/probe/sbx-probe");
        RunResult r = exec(probe_args, io, options);
        INFO("exec stderr: " << r.err);
        CHECK(r.status == 0);
        return r.out;
    };

    // 1-3. Capability sets, no_new_privs, seccomp mode and filter count: the workload's.
    {
        std::set<std::string> keys{"CapInh", "CapPrm",     "CapEff",  "CapBnd",
                                   "CapAmb", "NoNewPrivs", "Seccomp", "Seccomp_filters",
                                   "Uid",    "Gid",        "Groups",  "Umask"};
        auto workload = status_fields(probe({"cat", "/proc/2/status"}), keys);
        auto mine = status_fields(probe({"cat", "/proc/self/status"}), keys);
        REQUIRE(workload.size() == keys.size());
        for (const std::string& k : keys) {
            INFO(k);
            CHECK(mine[k] == workload[k]);
        }
        CHECK(mine["CapEff"] == "\t0000000000000000");
        CHECK(mine["CapBnd"] == "\t0000000000000000");
        CHECK(mine["NoNewPrivs"] == "\t1");
        CHECK(mine["Seccomp"] == "\t2");
    }
    // 4-11. The same seccomp filter: what the default preset denies is denied.
    for (const char* denied : {"mount", "umount", "unshare-user", "ptrace", "keyctl", "clone-newns",
                               "ioctl-tiocsti", "socket-vsock"}) {
        INFO(denied);
        CHECK(probe({denied}) == "errno=1\n");
    }
    // 12. open_by_handle_at cannot read a host file (escape (b) under default).
    {
        HostSecret secret(SANDBOX_BINARY_DIR "/tests");
        std::string r =
            probe({"open-by-handle", "/probe", std::to_string(secret.type), secret.hex});
        CHECK(r.rfind("errno=", 0) == 0);
    }
    // 13. No fd of the invoker beyond 0-2 (escape (c): `9</hostdir`).
    {
        int dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        REQUIRE(dir >= 0);
        ExecIo io;
        io.host_fd_9 = dir;
        std::string fds = probe({"fds"}, io);
        close(dir);
        CHECK(fds == "0\n1\n2\n");
    }
    // 14. A new session keyring, not the invoker's (the default preset also denies keyctl).
    {
        long ours = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "sbx-exec-test");
        REQUIRE(ours > 0);
        std::string r = probe({"session-keyring"});
        CHECK(r != "id=" + std::to_string(ours) + "\n");
    }
    // 15-17. The invoker's controlling terminal is out of reach (escape (a): TIOCSTI typed a
    // command into the host shell). Stdin a terminal: the command gets a new pty from the
    // sandbox's own devpts and a new session; with -T it gets the terminal's fd as stdin but
    // still a new session, so TIOCSTI (which needs the controlling terminal, and which the
    // filter denies anyway) cannot reach it.
    {
        int master = -1, slave = -1;
        char path[64];
        REQUIRE(openpty(&master, &slave, path, nullptr, nullptr) == 0);
        close(slave);
        ExecIo io;
        io.terminal_path = path;
        CHECK(strip_cr(probe({"ioctl-tiocsti"}, io)) == "errno=1\n");
        CHECK(probe({"ioctl-tiocsti"}, io, {"-T"}) == "errno=1\n");
        // Nothing was typed into the invoker's terminal (its echo would show on the master).
        int pending = -1;
        CHECK(ioctl(master, FIONREAD, &pending) == 0);
        CHECK(pending == 0);
        for (const std::vector<std::string>& options :
             {std::vector<std::string>{}, std::vector<std::string>{"-T"}}) {
            std::string sid = strip_cr(probe({"sid"}, io, options));
            int s = -1, p = -2;
            CHECK(std::sscanf(sid.c_str(), "sid=%d pid=%d", &s, &p) == 2);
            CHECK(s == p);
        }
        struct stat host_tty {};
        REQUIRE(stat(path, &host_tty) == 0);
        std::string tty = strip_cr(probe({"ttyname"}, io));
        unsigned long dev = 0;
        char name_buf[64] = {};
        CHECK(std::sscanf(tty.c_str(), "tty=%63s dev=%lu", name_buf, &dev) == 2);
        CHECK(std::string(name_buf).rfind("/dev/pts/", 0) == 0);
        CHECK(dev != static_cast<unsigned long>(host_tty.st_dev));
        close(master);
    }
    // 18. -t forces a pty even when stdin is not a terminal; `tty` works inside.
    CHECK(strip_cr(probe({"ttyname"}, {}, {"-t"})).rfind("tty=/dev/pts/", 0) == 0);
    // 19-21. Environment: nothing of the invoker's, the profile's PATH/HOME, -e on top.
    {
        ExecIo io;
        io.env["SBX_EXEC_LEAK"] = "1";
        std::string env = probe({"env"}, io, {"-e", "SBX_GIVEN=yes", "-e", "HOME=/probe"});
        CHECK(env.find("SBX_EXEC_LEAK") == std::string::npos);
        CHECK(env.find("SANDBOX_STATE_ROOT") == std::string::npos);
        CHECK(env.find("PATH=") != std::string::npos);
        CHECK(env.find("SBX_GIVEN=yes\n") != std::string::npos);
        CHECK(env.find("HOME=/probe\n") != std::string::npos);
        CHECK(env.find("HOME=/tmp\n") == std::string::npos);
    }
    // 22. Every namespace is the workload's.
    {
        std::vector<std::string> types{"user", "pid", "mnt", "uts", "ipc", "net", "cgroup", "time"};
        std::vector<std::string> self{"readlink"}, theirs{"readlink"};
        for (const std::string& ty : types) {
            self.push_back("/proc/self/ns/" + ty);
            theirs.push_back("/proc/2/ns/" + ty);
        }
        std::string a = probe(self);
        std::string b = probe(theirs);
        size_t pos = 0;
        while ((pos = a.find("/proc/self/", pos)) != std::string::npos) {
            a.replace(pos, 11, "/proc/2/");
        }
        CHECK(a == b);
        CHECK(a.find("errno") == std::string::npos);
    }
    // 23-24. Cgroup membership and rlimits: the workload's.
    CHECK(probe({"cat", "/proc/self/cgroup"}) == probe({"cat", "/proc/2/cgroup"}));
    CHECK(probe({"cat", "/proc/self/limits"}) == probe({"cat", "/proc/2/limits"}));
    // 25. The profile's working directory.
    CHECK(probe({"cwd"}) == "/tmp\n");
    // 26. Host paths stay invisible.
    CHECK(probe({"read", t.state_entry(name, "state.json")}) == "errno=2\n");

    CHECK(t.run({"down", name}).status == 0);
    down.done = true;
    // 27. Exec into a sandbox that is gone: refused, nothing runs.
    RunResult gone = exec({"/probe/sbx-probe", "uname"});
    CHECK(gone.status == 125);
    CHECK(gone.out.empty());
    CHECK(gone.err.find("no sandbox named") != std::string::npos);
    CHECK(t.leaks() == std::vector<std::string>{});
}

bool kernel_has_landlock() {
    // landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)
    return syscall(444, nullptr, 0, 1U) >= 1;
}

}  // namespace

TEST_CASE("exec confinement: profiles/locked, up -d then exec", "[root][exec]") {
    exec_suite("locked");
}

TEST_CASE("exec confinement: profiles/default, up -d then exec", "[root][exec]") {
    exec_suite("default");
}

TEST_CASE("exec confinement: a new session keyring when keyctl is allowed", "[root][exec]") {
    require_root();
    SandboxTest t;
    std::string name = t.name("keys");
    std::string profile = write_profile(t, "keys", "default", "[seccomp]\nallow = [\"keyctl\"]\n");
    REQUIRE(t.run({"up", "-d", profile, "--", "sleep", "600"}).status == 0);
    long ours = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "sbx-exec-keys");
    REQUIRE(ours > 0);
    RunResult r = run_with(t, {"exec", name, "--", "/probe/sbx-probe", "session-keyring"}, {});
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.out.rfind("id=", 0) == 0);
    CHECK(r.out != "id=" + std::to_string(ours) + "\n");
    CHECK(t.run({"down", name}).status == 0);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("exec confinement: Landlock applies to exec like to the workload", "[root][exec]") {
    require_root();
    if (!kernel_has_landlock()) {
        skip_or_fail("the kernel has no Landlock");
    }
    SandboxTest t;
    std::string name = t.name("ll");
    std::string profile = write_profile(
        t, "ll", "default",
        "[security.landlock]\nenabled = true\nread = [\"/\"]\nread_write = [\"/tmp\"]\n");
    RunResult workload =
        t.run({"up", profile, "--", "/bin/sh", "-c",
               "/probe/sbx-probe create /ll-workload; /probe/sbx-probe create /tmp/ll-workload"});
    INFO(workload.err);
    CHECK(workload.out == "errno=13\nok\n");
    REQUIRE(t.run({"up", "-d", profile, "--", "sleep", "600"}).status == 0);
    RunResult outside = run_with(t, {"exec", name, "--", "/probe/sbx-probe", "create", "/ll"}, {});
    RunResult inside =
        run_with(t, {"exec", name, "--", "/probe/sbx-probe", "create", "/tmp/ll"}, {});
    CHECK(outside.out == "errno=13\n");
    CHECK(inside.out == "ok\n");
    CHECK(t.run({"down", name}).status == 0);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("exec confinement: no record, an untrusted record or a bad -e: refused, nothing runs",
          "[root][exec]") {
    require_root();
    SandboxTest t;
    std::string name = t.name("norec");
    std::string profile = write_profile(t, "norec", "locked");
    REQUIRE(t.run({"up", "-d", profile, "--", "sleep", "600"}).status == 0);
    const std::string record = t.state_entry(name, "exec.json");
    std::string marker = "/probe/sbx-probe";
    auto exec = [&](std::vector<std::string> extra) {
        std::vector<std::string> args{"exec"};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_with(t, args, {});
    };
    // The record is there: the command runs.
    CHECK(exec({name, "--", marker, "uname"}).out == "ok\n");
    // -e must be NAME=VALUE.
    RunResult bad_env = exec({"-e", "NOVALUE", name, "--", marker, "uname"});
    CHECK(bad_env.status == 125);
    CHECK(bad_env.out.empty());
    // Writable by others: never trusted (it decides every confinement of the command).
    if (access(record.c_str(), F_OK) != 0) {
        write_file(record, "{}\n");  // a binary that wrote none (main a40709c)
    }
    REQUIRE(chmod(record.c_str(), 0666) == 0);
    RunResult untrusted = exec({name, "--", marker, "uname"});
    CHECK(untrusted.status == 125);
    CHECK(untrusted.out.empty());
    CHECK(untrusted.err.find("exec.json") != std::string::npos);
    // Gone (a sandbox in its first or last moments, or started before exec.json existed):
    // refused, no fallback to the namespaces exec happens to be able to join.
    REQUIRE(unlink(record.c_str()) == 0);
    RunResult missing = exec({name, "--", marker, "uname"});
    CHECK(missing.status == 125);
    CHECK(missing.out.empty());
    CHECK(missing.err.find("no exec record (it is starting or stopping") != std::string::npos);
    CHECK(t.run({"down", name}).status == 0);
    CHECK(t.leaks() == std::vector<std::string>{});
}

// The line of `sandbox ps` that names `name` ("" if none).
std::string ps_row(const SandboxTest& t, const std::string& name) {
    std::istringstream lines(t.run({"ps"}).out);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind(name + " ", 0) == 0) {
            return line;
        }
    }
    return "";
}

TEST_CASE("exec confinement: exec before pivot_root is refused, never run on the host's root",
          "[root][exec][fault]") {
    require_root();
    SandboxTest t;
    // A file only the host's root has.
    std::string marker = t.dir() / "host-only";
    write_file(marker, "host root\n");

    // Held in the launcher's id_maps step: the child exists, its pid is not recorded yet.
    std::string early = t.name("early");
    SandboxProcess a({"up", write_profile(t, "early", "default"), "--", "true"},
                     t.env({{"SANDBOX_DELAY_AT", "id_maps:1500"}}));
    REQUIRE(a.wait_for_stderr("delaying id_maps"));
    std::string row = ps_row(t, early);
    INFO("ps: " << row);
    CHECK(row.find(" starting ") != std::string::npos);  // on 53a2a60: pid 0, "running"
    CHECK(row.find(" - ") != std::string::npos);
    RunResult r = run_with(t, {"exec", early, "--", "cat", marker}, {});
    CHECK(r.out.empty());
    CHECK(r.status == 125);
    CHECK(r.err.find("'" + early + "' is starting or stopping: try again") != std::string::npos);
    a.signal(SIGTERM);
    CHECK(a.finish().status == 128 + SIGTERM);

    // Held in its mounts step: released by the launcher, its pid recorded, but before
    // pivot_root, so its mount namespace still has the host's root. Long enough for any
    // machine; SIGTERM ends it early.
    std::string mounting = t.name("mounting");
    SandboxProcess b({"up", write_profile(t, "mounting", "default"), "--", "true"},
                     t.env({{"SANDBOX_DELAY_AT", "mounts:20000"}}));
    REQUIRE(b.wait_for_stderr("delaying mounts"));
    // Asked again while the pid is not recorded yet (it is just after `go`, as the mounts step
    // begins), as a script told "try again" would.
    for (int attempt = 0; attempt < 500; ++attempt) {
        r = run_with(t, {"exec", mounting, "--", "cat", marker}, {});
        if (r.err.find("' is starting or stopping") == std::string::npos) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    INFO("exec stderr: " << r.err);
    CHECK(r.out.empty());  // on 53a2a60: "host root", exit 0 (the exec record came with `go`)
    CHECK(r.status == 125);
    CHECK(r.err.find("no exec record (it is starting or stopping") != std::string::npos);
    CHECK(ps_row(t, mounting).find(" running ") != std::string::npos);
    b.signal(SIGTERM);
    CHECK(b.finish().status == 128 + SIGTERM);
    CHECK(t.leaks() == std::vector<std::string>{});
}
