// The parts of the command line main() handles before CLI11: the command after `--`.
#include <string_view>

#include "cli/commands.hpp"

namespace sandbox::cli {

std::vector<std::string> split_command_tail(int argc, const char* const* argv, CommandTail& tail) {
    std::vector<std::string> words;
    for (int i = 0; i < argc; ++i) {
        if (i > 0 && !tail.given && std::string_view(argv[i]) == "--") {
            tail.given = true;
            continue;
        }
        (tail.given ? tail.args : words).emplace_back(argv[i]);
    }
    return words;
}

}  // namespace sandbox::cli
