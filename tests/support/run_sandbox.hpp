#pragma once
// Runs the built `sandbox` binary (SANDBOX_BIN) black-box: arguments, extra environment,
// stdin from /dev/null, stdout and stderr captured. start() for tests that signal it mid-run.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/leak_check.hpp"
#include "support/temp_dir.hpp"

namespace sandbox::test {

struct RunResult {
    int status = -1;  // exit status, or 128 + signal
    std::string out;
    std::string err;
    double seconds = 0;
};

inline std::string sandbox_bin() {
    const char* bin = std::getenv("SANDBOX_BIN");
    if (bin == nullptr) {
        throw std::runtime_error("SANDBOX_BIN is not set");
    }
    return bin;
}

inline std::string test_rootfs() {
    const char* r = std::getenv("SANDBOX_TEST_ROOTFS");
    if (r == nullptr) {
        throw std::runtime_error("SANDBOX_TEST_ROOTFS is not set");
    }
    return r;
}

class SandboxProcess {
public:
    SandboxProcess(const std::vector<std::string>& args,
                   const std::map<std::string, std::string>& env) {
        int out[2], err[2];
        if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
            throw std::runtime_error("pipe");
        }
        m_start = std::chrono::steady_clock::now();
        m_pid = fork();
        if (m_pid == 0) {
            int null_fd = open("/dev/null", O_RDONLY);
            dup2(null_fd, 0);
            dup2(out[1], 1);
            dup2(err[1], 2);
            setpgid(0, 0);
            for (const auto& [k, v] : env) {
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
        m_out = out[0];
        m_err = err[0];
    }
    SandboxProcess(const SandboxProcess&) = delete;
    SandboxProcess& operator=(const SandboxProcess&) = delete;
    ~SandboxProcess() {
        if (m_pid > 0) {
            kill(m_pid, SIGKILL);
            waitpid(m_pid, nullptr, 0);
        }
        if (m_out >= 0) close(m_out);
        if (m_err >= 0) close(m_err);
    }

    pid_t pid() const { return m_pid; }
    void signal(int sig) const { kill(m_pid, sig); }

    // Reads stdout until `text` appears (or timeout); true when it did.
    bool wait_for_output(const std::string& text, int timeout_ms = 30000) {
        return wait_for(m_result.out, text, timeout_ms);
    }
    // The same for stderr (fault injection's "delaying <step>" line, for one).
    bool wait_for_stderr(const std::string& text, int timeout_ms = 30000) {
        return wait_for(m_result.err, text, timeout_ms);
    }

    // Collects everything and waits for exit; kills it after timeout_ms.
    RunResult finish(int timeout_ms = 60000) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (m_out >= 0 || m_err >= 0) {
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
        m_result.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
        return m_result;
    }

private:
    bool wait_for(const std::string& stream, const std::string& text, int timeout_ms) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (stream.find(text) == std::string::npos) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
            if (left <= 0 || !pump(static_cast<int>(left))) {
                return stream.find(text) != std::string::npos;
            }
        }
        return true;
    }

    // One poll round over the open pipes; false when both are closed or nothing came.
    bool pump(int timeout_ms) {
        pollfd fds[2] = {{m_out, POLLIN, 0}, {m_err, POLLIN, 0}};
        int n = poll(fds, 2, timeout_ms);
        if (n <= 0) {
            return false;
        }
        char buf[4096];
        for (int i = 0; i < 2; ++i) {
            int& fd = i == 0 ? m_out : m_err;
            if (fd < 0 || fds[i].revents == 0) {
                continue;
            }
            ssize_t r = read(fd, buf, sizeof buf);
            if (r <= 0) {
                close(fd);
                fd = -1;
            } else {
                (i == 0 ? m_result.out : m_result.err).append(buf, static_cast<size_t>(r));
            }
        }
        return m_out >= 0 || m_err >= 0;
    }

    pid_t m_pid = -1;
    int m_out = -1;
    int m_err = -1;
    RunResult m_result;
    std::chrono::steady_clock::time_point m_start;
};

// One integration test's world: a temp dir holding the state root, cache and profiles; unique
// sandbox names (prefix "it<pid>-"); the leak check around it all.
class SandboxTest {
public:
    SandboxTest()
        : m_prefix("it" + std::to_string(getpid()) + "-"),
          m_leaks(m_dir / "state", {m_dir.path(), m_prefix, "sbx-it"}) {}

    const TempDir& dir() const { return m_dir; }
    std::string state_root() const { return m_dir / "state"; }
    // The state entry `kind` ("state.json", "lock", "exec.json", "output.log") of the sandbox
    // called `sandbox`: <state root>/<sandbox>@<kind> (src/plan/state_layout.hpp).
    std::string state_entry(const std::string& sandbox, const std::string& kind) const {
        return state_root() + "/" + sandbox + "@" + kind;
    }
    std::string name(const std::string& suffix) const { return m_prefix + suffix; }

    // Writes <dir>/<suffix>.toml for sandbox name(suffix) over the busybox rootfs; `extra` is
    // appended TOML (tables after the top-level keys).
    std::string profile(const std::string& suffix, const std::string& extra = {},
                        const std::string& rootfs = {}) const {
        std::string path = m_dir / (suffix + ".toml");
        write_file(path, "version = 1\nname = \"" + name(suffix) + "\"\n[rootfs]\npath = \"" +
                             (rootfs.empty() ? test_rootfs() : rootfs) + "\"\n" + extra);
        return path;
    }

    std::map<std::string, std::string> env(std::map<std::string, std::string> extra = {}) const {
        extra["SANDBOX_STATE_ROOT"] = state_root();
        extra["SANDBOX_CACHE_ROOT"] = m_dir / "cache";
        return extra;
    }

    RunResult run(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& extra_env = {},
                  int timeout_ms = 60000) const;

    std::vector<std::string> leaks() const { return m_leaks.leaks(); }

private:
    TempDir m_dir;
    std::string m_prefix;
    LeakCheck m_leaks;
};

inline RunResult run_sandbox(const std::vector<std::string>& args,
                             const std::map<std::string, std::string>& env = {},
                             int timeout_ms = 60000) {
    SandboxProcess p(args, env);
    return p.finish(timeout_ms);
}

}  // namespace sandbox::test

inline sandbox::test::RunResult sandbox::test::SandboxTest::run(
    const std::vector<std::string>& args, const std::map<std::string, std::string>& extra_env,
    int timeout_ms) const {
    return run_sandbox(args, env(extra_env), timeout_ms);
}
