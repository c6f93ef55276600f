#pragma once
// The machine-readable outputs of `sandbox validate`: GitHub Actions workflow commands and a
// SARIF 2.1.0 log. Pure functions of the diagnostics, so unit tests check their shapes.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "profile/diagnostics.hpp"

namespace sandbox::cli {

struct ValidatedProfile {
    std::string name;  // as given on the command line
    std::string path;  // the file it resolved to ("" when not found)
    std::vector<profile::Diagnostic> diagnostics;
};

// GitHub's escaping of a workflow command's message: % \r \n.
std::string github_escape_data(const std::string& text);
// ... and of a property value, which also escapes : and ,.
std::string github_escape_property(const std::string& text);

// One `::error file=F,line=L,col=C,title=KEY::MESSAGE` line per diagnostic (line and col only
// when known; the hint is part of the message, on its own line).
std::string github_annotations(const std::vector<ValidatedProfile>& profiles);

// A SARIF 2.1.0 log: one run of the tool `sandbox`, a rule per key path (table form:
// "mounts[].target"), a result of level "error" per diagnostic with its physical location.
nlohmann::json sarif_log(const std::vector<ValidatedProfile>& profiles);

}  // namespace sandbox::cli
