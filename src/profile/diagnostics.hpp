#pragma once
// Profile problems are data, never exceptions: every stage (read, resolve, decode, check)
// adds to one Diagnostics sink, and the CLI prints them all, sorted, as
//   FILE:LINE:COL: key.path: message
//     hint: ...
#include <string>
#include <vector>

#include "profile/source_location.hpp"

namespace sandbox::profile {

struct Diagnostic {
    SourceLocation where;
    std::string key_path;  // profile syntax: "mounts[2].target"; empty when not about a key
    std::string message;
    std::string hint;  // optional remedy ("did you mean 'limits.memory'?")

    std::string str() const;  // the one-line (plus hint line) form above, no trailing newline
};

class Diagnostics {
public:
    void error(SourceLocation where, std::string key_path, std::string message,
               std::string hint = {});
    void add(Diagnostic d);
    void merge(const Diagnostics& other);

    bool empty() const { return m_items.empty(); }
    size_t size() const { return m_items.size(); }
    // Sorted by file, line, column, then insertion order; exact duplicates removed.
    std::vector<Diagnostic> sorted() const;
    // All diagnostics, sorted, one per line (plus hint lines), with a trailing newline.
    std::string str() const;
    const std::vector<Diagnostic>& items() const { return m_items; }

private:
    std::vector<Diagnostic> m_items;
};

// "did you mean 'x'?" helper: the closest candidate by edit distance, if close enough.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace sandbox::profile
