#include "exec/op_record.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace sandbox::exec {

namespace {
int g_record_fd = -1;  // set once by open_op_record() in the launcher, inherited by the child
}  // namespace

void open_op_record() {
#ifdef SANDBOX_FAULT_INJECTION
    if (g_record_fd >= 0) {
        return;
    }
    const char* path = std::getenv("SANDBOX_RECORD_OPS");
    if (path != nullptr && *path != '\0') {
        g_record_fd = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    }
#endif
}

bool recording_ops() {
    return g_record_fd >= 0;
}

bool op_recording_requested() {
#ifdef SANDBOX_FAULT_INJECTION
    const char* path = std::getenv("SANDBOX_RECORD_OPS");
    return path != nullptr && *path != '\0';
#else
    return false;
#endif
}

void record_op(std::string_view op, nlohmann::ordered_json fields) {
    if (g_record_fd < 0) {
        return;
    }
    try {
        nlohmann::ordered_json line = {{"op", op}};
        for (auto& [key, value] : fields.items()) {
            line[key] = value;
        }
        std::string text = line.dump() + "\n";
        (void)!::write(g_record_fd, text.data(), text.size());
    } catch (...) {
        // A record is a test aid: it never fails the run.
    }
}

}  // namespace sandbox::exec
