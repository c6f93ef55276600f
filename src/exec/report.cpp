// The run report. Written after unwind, so undo failures are in it; written atomically, so a
// CI job reading it never sees half a file.
#include "exec/report.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace sandbox::exec {

namespace {

template <typename T>
nlohmann::json or_null(const std::optional<T>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json to_json(const Report& r) {
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& [step, ms] : r.step_ms) {
        steps.push_back({{"step", step}, {"ms", ms}});
    }
    nlohmann::json undo = nlohmann::json::array();
    for (const ReportUndoFailure& f : r.undo_failures) {
        undo.push_back({{"kind", f.kind}, {"target", f.target}, {"message", f.message}});
    }
    nlohmann::json j = {
        {"version", r.version},
        {"name", r.name},
        {"exit_status", r.exit_status},
        {"ended_how", r.ended_how},
        {"signal", r.signal != 0 ? nlohmann::json(r.signal) : nlohmann::json(nullptr)},
        {"failed_step", or_null(r.failed_step)},
        {"error", r.error},
        {"steps", std::move(steps)},
        {"wall_ms", r.wall_ms},
        {"cgroup", or_null(r.cgroup)},
        {"usage",
         {{"peak_memory_bytes", or_null(r.peak_memory)},
          {"cpu_usec", or_null(r.cpu_usec)},
          {"oom_kills", or_null(r.oom_kills)}}},
        {"undo_failures", std::move(undo)},
    };
    if (r.id_range) {
        j["id_map"] = {{"uid_start", r.id_range->uid_start},
                       {"gid_start", r.id_range->gid_start},
                       {"count", r.id_range->count}};
    }
    return j;
}

void write_report(const Report& report, const std::string& path) {
    const std::string text = to_json(report).dump(2) + "\n";
    auto slash = path.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
    std::string tmp = (slash == std::string::npos ? std::string("./") : dir) + ".report-XXXXXX";
    sys::UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
    if (!fd) {
        throw sys::SysError(errno, "create", tmp);
    }
    auto fail = [&](const char* op) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw sys::SysError(err, op, path);
    };
    size_t off = 0;
    while (off < text.size()) {
        ssize_t n = ::write(fd.get(), text.data() + off, text.size() - off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            fail("write");
        }
        off += static_cast<size_t>(n);
    }
    if (::fchmod(fd.get(), 0644) != 0 || ::fsync(fd.get()) != 0) {
        fail("write");
    }
    if (!fd.close()) {
        fail("close");
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        fail("rename");
    }
}

}  // namespace sandbox::exec
