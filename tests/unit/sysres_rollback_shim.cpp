// Weak stand-in for exec::Rollback::push so the unit tests of create_cgroup / prepare_rootfs link
// on the sysres branch before the executor's rollback.cpp is merged. When rollback.cpp is linked,
// its strong definition wins and this one is ignored; delete this file after the merge.
#include "exec/rollback.hpp"

namespace sandbox::exec {

__attribute__((weak)) void Rollback::push(UndoKind kind, std::string target, std::string extra) {
    m_entries.push_back(UndoEntry{kind, std::move(target), std::move(extra)});
}

}  // namespace sandbox::exec
