#pragma once
// [seccomp] import = "file.json": reads an OCI / Docker seccomp profile (the format of
// moby's profiles/seccomp/default.json and of the OCI runtime spec's linux.seccomp) into
// Profile::seccomp.imported / imported_default / imported_default_errno.
//
// Understood: defaultAction, defaultErrnoRet, architectures (validated; the filter is always
// built for the native ABI, other ABIs are killed), archMap/flags/listener* (ignored),
// syscalls[] {names | name, action, errnoRet, args[] {index, value, valueTwo, op},
// includes/excludes {caps, arches, minKernel}, comment}. includes.caps: every listed capability
// must be in capabilities.keep; excludes.caps: any listed one excludes the entry. Unknown
// syscall names are kept (the executor skips names the native ABI lacks, as Docker does).
// Errors are Diagnostics placed in the JSON file (line:col), never exceptions.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "profile/diagnostics.hpp"
#include "profile/origins.hpp"
#include "profile/profile.hpp"

namespace sandbox::profile {

// What includes/excludes are evaluated against.
struct SeccompImportContext {
    std::string arch;                       // Docker/Go name of the native ABI: "amd64", "arm64"
    std::pair<int, int> kernel{0, 0};       // running kernel major.minor; {0,0} = ignore minKernel
    std::vector<std::string> capabilities;  // capabilities.keep
};

struct SeccompImport {
    std::optional<SeccompAction> default_action;
    uint32_t default_errno = 1;
    std::vector<SeccompRule> rules;
};

// Parses `text` (the file `file`). nullopt when there were errors (in `diagnostics`).
std::optional<SeccompImport> parse_seccomp_import(std::string_view text, const std::string& file,
                                                  const SeccompImportContext& context,
                                                  Diagnostics& diagnostics);

// The context of this host and profile: native arch, the kernel version of `kernel_release`
// ("6.1.0-18-amd64"; empty: minKernel not judged), capabilities.keep.
SeccompImportContext seccomp_import_context(const Profile& profile,
                                            const std::string& kernel_release);

// The loader's hook, called after decode (and before check): when seccomp.import is set, reads
// the file and fills profile.seccomp.imported*. A file that cannot be read is reported at the
// `seccomp.import` key's origin; a bad file at its own line:col.
void load_seccomp_import(Profile& profile, const Origins& origins, Diagnostics& diagnostics,
                         const std::string& kernel_release = {});

}  // namespace sandbox::profile
