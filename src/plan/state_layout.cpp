#include "plan/state_layout.hpp"

namespace sandbox::plan {

std::string_view sandbox_of_entry(std::string_view entry) {
    size_t at = entry.find(k_state_separator);
    if (at == std::string_view::npos || at == 0) {
        return {};
    }
    return entry.substr(0, at);
}

}  // namespace sandbox::plan
