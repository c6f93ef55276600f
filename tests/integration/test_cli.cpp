// The command line as a user meets it: arguments after `--` reach execve byte for byte (up,
// exec), `tty = "auto"` gives no pty to piped output, the pty comes from the sandbox's own
// devpts (`tty` works, resizes arrive), and the one-line notices for a timeout and an OOM kill.
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>

#include <catch2/catch.hpp>
#include <regex>
#include <thread>

#include "support/privilege.hpp"
#include "support/run_sandbox.hpp"

using namespace sandbox::test;

namespace {

// Words CLI11 used to rewrite when they came after `--` ("[ a ]" arrived as " a ").
const std::vector<std::string> k_awkward = {
    "[ a ]", "{b=1}", "c,d", "", "--x", "-v", "--", "h\xc3\xa9llo \xe2\x9c\x93", "two\nlines"};

// `sh -c 'printf "<%s>" "$@"' sh WORDS...`: each argument as the workload received it.
std::vector<std::string> print_args_command() {
    std::vector<std::string> cmd = {"sh", "-c", "printf '<%s>' \"$@\"", "sh"};
    cmd.insert(cmd.end(), k_awkward.begin(), k_awkward.end());
    return cmd;
}

std::string bracketed(const std::vector<std::string>& words) {
    std::string out;
    for (const std::string& w : words) {
        out += "<" + w + ">";
    }
    return out;
}

// `sandbox ARGS` with stdin on the slave of a fresh pty (the test holds the master), stdout on
// the same slave or on a pipe, stderr on a pipe: an interactive terminal, as a test can make one.
class PtySandbox {
public:
    PtySandbox(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
               bool stdout_on_pty, winsize size = {24, 80, 0, 0}) {
        m_master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        REQUIRE(m_master >= 0);
        REQUIRE(grantpt(m_master) == 0);
        REQUIRE(unlockpt(m_master) == 0);
        REQUIRE(ioctl(m_master, TIOCSWINSZ, &size) == 0);
        int slave = open(ptsname(m_master), O_RDWR | O_NOCTTY | O_CLOEXEC);
        REQUIRE(slave >= 0);
        int out[2], err[2];
        REQUIRE(pipe2(out, O_CLOEXEC) == 0);
        REQUIRE(pipe2(err, O_CLOEXEC) == 0);
        m_pid = fork();
        REQUIRE(m_pid >= 0);
        if (m_pid == 0) {
            setpgid(0, 0);
            dup2(slave, 0);
            dup2(stdout_on_pty ? slave : out[1], 1);
            dup2(err[1], 2);
            for (const auto& [k, v] : env) {
                setenv(k.c_str(), v.c_str(), 1);
            }
            std::vector<std::string> words{sandbox_bin()};
            words.insert(words.end(), args.begin(), args.end());
            std::vector<char*> argv;
            for (std::string& w : words) {
                argv.push_back(w.data());
            }
            argv.push_back(nullptr);
            execv(argv[0], argv.data());
            _exit(127);
        }
        close(slave);  // or the master never reads EIO when the launcher is gone
        close(out[1]);
        close(err[1]);
        m_out = out[0];
        m_err = err[0];
    }
    PtySandbox(const PtySandbox&) = delete;
    PtySandbox& operator=(const PtySandbox&) = delete;
    ~PtySandbox() {
        if (m_pid > 0) {
            kill(m_pid, SIGKILL);
            waitpid(m_pid, nullptr, 0);
        }
        for (int fd : {m_master, m_out, m_err}) {
            if (fd >= 0) {
                close(fd);
            }
        }
    }

    pid_t pid() const { return m_pid; }
    int master() const { return m_master; }
    const std::string& terminal() const { return m_terminal; }

    // Reads everything until `text` shows up on the terminal (true) or the time is up.
    bool wait_for_terminal(const std::string& text, int timeout_ms = 10000) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (m_terminal.find(text) == std::string::npos) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
            if (left <= 0 || !pump(static_cast<int>(left))) {
                return m_terminal.find(text) != std::string::npos;
            }
        }
        return true;
    }

    void type(const std::string& text) const {
        REQUIRE(write(m_master, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    }

    // Everything until the launcher exits and every fd is closed; {status, pipe out, err}.
    RunResult finish(int timeout_ms = 30000) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (m_master >= 0 || m_out >= 0 || m_err >= 0) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
            if (left <= 0) {
                kill(m_pid, SIGKILL);
                break;
            }
            pump(static_cast<int>(left));
        }
        int status = 0;
        waitpid(m_pid, &status, 0);
        m_pid = -1;
        m_result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return m_result;
    }

private:
    bool pump(int timeout_ms) {
        pollfd fds[3] = {{m_master, POLLIN, 0}, {m_out, POLLIN, 0}, {m_err, POLLIN, 0}};
        if (poll(fds, 3, timeout_ms) <= 0) {
            return false;
        }
        char buf[4096];
        int* fd_of[3] = {&m_master, &m_out, &m_err};
        std::string* sink[3] = {&m_terminal, &m_result.out, &m_result.err};
        for (int i = 0; i < 3; ++i) {
            if (*fd_of[i] < 0 || fds[i].revents == 0) {
                continue;
            }
            ssize_t r = read(*fd_of[i], buf, sizeof buf);
            if (r <= 0) {  // EOF, or EIO on the master once no slave fd is left
                close(*fd_of[i]);
                *fd_of[i] = -1;
            } else {
                sink[i]->append(buf, static_cast<size_t>(r));
            }
        }
        return m_master >= 0 || m_out >= 0 || m_err >= 0;
    }

    int m_master = -1;
    int m_out = -1;
    int m_err = -1;
    pid_t m_pid = -1;
    std::string m_terminal;
    RunResult m_result;
};

}  // namespace

TEST_CASE("cli: up passes the words after -- to execve byte for byte", "[root][cli]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("args");
    RunResult echo = t.run({"up", profile, "--", "/bin/echo", "[ a ]"});
    CHECK(echo.err == "");
    CHECK(echo.out == "[ a ]\n");
    CHECK(echo.status == 0);

    std::vector<std::string> args = {"up", profile, "--"};
    auto cmd = print_args_command();
    args.insert(args.end(), cmd.begin(), cmd.end());
    RunResult r = t.run(args);
    CHECK(r.err == "");
    CHECK(r.out == bracketed(k_awkward));
    CHECK(r.status == 0);

    // The commonest CI line.
    RunResult ci = t.run({"up", profile, "--", "sh", "-c", "[ -f /etc/passwd ] && echo made"});
    CHECK(ci.out == "made\n");
    CHECK(ci.status == 0);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("cli: exec passes the words after -- to execve byte for byte", "[root][cli]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("execargs");
    std::string name = t.name("execargs");
    RunResult up = t.run({"up", "-d", profile, "--", "sleep", "60"});
    REQUIRE(up.status == 0);
    std::vector<std::string> args = {"exec", name, "--"};
    auto cmd = print_args_command();
    args.insert(args.end(), cmd.begin(), cmd.end());
    RunResult ex = t.run(args);
    CHECK(ex.out == bracketed(k_awkward));
    CHECK(ex.status == 0);
    RunResult down = t.run({"down", name});
    CHECK(down.status == 0);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("cli: tty auto with stdin a terminal and stdout a pipe gives no pty, no CRLF",
          "[root][cli][tty]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("pipe");
    PtySandbox p({"up", profile, "--", "/bin/echo", "hi"}, t.env(), /*stdout_on_pty=*/false);
    RunResult r = p.finish();
    CHECK(r.err == "");
    CHECK(r.out == "hi\n");
    CHECK(r.status == 0);
    CHECK(p.terminal() == "");

    // explain says the same: no pty while stdout is a pipe, a pty when both are terminals.
    PtySandbox piped({"explain", profile, "--", "/bin/echo", "hi"}, t.env(), false);
    RunResult e1 = piped.finish();
    CHECK(e1.status == 0);
    CHECK(e1.out.find("tty auto\n") != std::string::npos);
    PtySandbox both({"explain", profile, "--", "/bin/echo", "hi"}, t.env(), true);
    both.finish();
    CHECK(both.terminal().find("tty auto: a pty from the sandbox's /dev/pts is stdin, stdout "
                               "and stderr") != std::string::npos);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("cli: the pty comes from the sandbox's own devpts, and a resize reaches it",
          "[root][cli][tty]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("tty");
    PtySandbox p(
        {"up", profile, "--", "sh", "-c", "tty; ls -1 /dev/pts; stty size; read x; stty size"},
        t.env(), /*stdout_on_pty=*/true, winsize{30, 100, 0, 0});
    CHECK(p.wait_for_terminal("30 100\r\n"));
    // Resize the outer terminal; the launcher's terminal would send SIGWINCH to its
    // foreground group, which this test has to do by hand.
    winsize bigger{40, 120, 0, 0};
    REQUIRE(ioctl(p.master(), TIOCSWINSZ, &bigger) == 0);
    kill(p.pid(), SIGWINCH);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    p.type("\n");
    CHECK(p.wait_for_terminal("40 120\r\n"));
    RunResult r = p.finish();
    INFO("terminal: " << p.terminal() << "\nstderr: " << r.err);
    CHECK(r.status == 0);
    CHECK(r.err == "");
    // ttyname() works: the slave is in the sandbox's /dev/pts (only its own entries there).
    CHECK(std::regex_search(p.terminal(), std::regex("^/dev/pts/0\r\n0\r\nptmx\r\n30 100\r\n")));
    CHECK(p.terminal().find("not a tty") == std::string::npos);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("cli: the pty belongs to process.user, so it can be reopened by name",
          "[root][cli][tty]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("ttyuser", "[process]\nuser = \"user\"\n");
    PtySandbox p({"up", profile, "--", "sh", "-c", "id -u; echo reopened > $(tty)"}, t.env(),
                 /*stdout_on_pty=*/true);
    RunResult r = p.finish();
    INFO("terminal: " << p.terminal() << "\nstderr: " << r.err);
    CHECK(r.status == 0);
    CHECK(p.terminal() == "1000\r\nreopened\r\n");
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("cli: a timeout and an OOM kill say so in one line, -q keeps quiet",
          "[root][cli][cgroup]") {
    require_root();
    SandboxTest t;
    auto slow = t.profile("slow", "[process]\nstop_grace = \"1s\"\n");
    std::vector<std::string> ignore_term = {"sh", "-c", "trap '' TERM; sleep 30"};
    std::vector<std::string> args = {"up", slow, "--timeout", "1s", "--"};
    args.insert(args.end(), ignore_term.begin(), ignore_term.end());
    RunResult r = t.run(args);
    CHECK(r.status == 124);
    CHECK(r.err == "sandbox: timed out after 1s (SIGTERM, then SIGKILL after 1s)\n");
    RunResult stopped = t.run({"up", slow, "--timeout", "1s", "--", "sleep", "30"});
    CHECK(stopped.status == 124);
    CHECK(stopped.err == "sandbox: timed out after 1s (stopped with SIGTERM)\n");
    std::vector<std::string> quiet = {"-q"};
    quiet.insert(quiet.end(), args.begin(), args.end());
    RunResult q = t.run(quiet);
    CHECK(q.status == 124);
    CHECK(q.err == "");

    auto oom = t.profile("oom", "[limits]\nmemory = \"128MiB\"\n");
    RunResult o =
        t.run({"up", oom, "--", "dd", "if=/dev/zero", "of=/dev/null", "bs=512M", "count=1"});
    CHECK(o.status == 137);
    CHECK(std::regex_match(o.err, std::regex("sandbox: killed: out of memory \\(limit 128MiB, "
                                             "peak [0-9.]+[KMG]i?B\\)\n")));
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("cli: up refuses a missing rootfs.path at validate, before creating anything",
          "[root][cli]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("norootfs", "", t.dir() / "no-such-rootfs");
    RunResult r = t.run({"up", profile, "--", "true"});
    CHECK(r.status == 125);
    CHECK(r.err.rfind(profile + ":4:8: rootfs.path: no such directory '" +
                          t.dir() / "no-such-rootfs" + "'\n",
                      0) == 0);
    CHECK(t.leaks() == std::vector<std::string>{});
}
