// libFuzzer target for the loader: bytes -> read_toml / read_yaml -> resolve steps that need
// no files (interpolation, merge onto a base, command-line overrides) -> decode -> check.
// The first byte picks what the rest is:
//   0: a TOML profile   1: a YAML profile   2: a --set KEY=VALUE   3: -v / -e / interpolation
// Whatever the input, this must not crash, hang, overflow the stack or allocate without bound;
// every rejection must be a diagnostic. scripts/fuzz.sh builds and runs it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "profile/decode.hpp"
#include "profile/loader.hpp"
#include "profile/readers.hpp"
#include "profile/resolve.hpp"

using namespace sandbox::profile;

namespace {

std::optional<std::string> fixed_env(const std::string& name) {
    if (name == "HOME") {
        return std::string("/home/fuzz");
    }
    if (name == "EMPTY") {
        return std::string();
    }
    return std::nullopt;
}

void interpolate_all(Node& node, Diagnostics& diagnostics) {
    if (node.is_string()) {
        if (auto v =
                interpolate(node.string, "/profiles", fixed_env, node.where, "k", diagnostics)) {
            node.string = std::move(*v);
        }
    }
    for (Node& item : node.items) {
        interpolate_all(item, diagnostics);
    }
    for (TableEntry& e : node.entries) {
        interpolate_all(e.value, diagnostics);
    }
}

Node base_profile() {
    Diagnostics d;
    auto doc = read_toml("base.toml", R"(version = 1
name = "base"
[process]
args = ["/bin/true"]
env = { A = "1" }
[[mounts]]
type = "tmpfs"
target = "/tmp"
[limits]
memory = "64MiB"
)",
                         d);
    return doc ? doc->root : Node::make_table({});
}

void decode_and_check(const Node& root, Diagnostics& diagnostics) {
    Origins origins;
    Profile profile = decode(root, diagnostics, origins);
    if (diagnostics.empty()) {
        check(profile, origins, diagnostics);
    }
    (void)diagnostics.str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) {
        return 0;
    }
    const uint8_t mode = data[0] % 4;
    std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    Diagnostics diagnostics;
    if (mode == 0 || mode == 1) {
        auto doc = mode == 0 ? read_toml("fuzz.toml", text, diagnostics)
                             : read_yaml("fuzz.yaml", text, diagnostics);
        if (!doc) {
            (void)diagnostics.str();
            return 0;
        }
        interpolate_all(doc->root, diagnostics);
        Node merged = base_profile();
        merge_into(merged, std::move(doc->root));
        Overrides o;
        o.set = {"limits.pids=32"};
        o.volumes = {"data:/data:ro"};
        apply_overrides(merged, o, "/cwd", diagnostics);
        if (diagnostics.empty()) {
            decode_and_check(merged, diagnostics);
        }
        (void)diagnostics.str();
        return 0;
    }
    Node merged = base_profile();
    Overrides o;
    if (mode == 2) {
        o.set = {std::string(text)};
    } else {
        std::string s(text);
        o.volumes = {s};
        o.env = {s};
        (void)interpolate(s, "/p", fixed_env, SourceLocation::named("x"), "k", diagnostics);
    }
    apply_overrides(merged, o, "/cwd", diagnostics);
    if (diagnostics.empty()) {
        decode_and_check(merged, diagnostics);
    }
    (void)diagnostics.str();
    return 0;
}
