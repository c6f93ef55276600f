#include "profile/diagnostics.hpp"

#include <algorithm>
#include <numeric>

namespace sandbox::profile {

std::string Diagnostic::str() const {
    std::string out = where.str() + ": ";
    if (!key_path.empty()) {
        out += key_path + ": ";
    }
    out += message;
    if (!hint.empty()) {
        out += "\n  hint: " + hint;
    }
    return out;
}

void Diagnostics::error(SourceLocation where, std::string key_path, std::string message,
                        std::string hint) {
    m_items.push_back(
        Diagnostic{std::move(where), std::move(key_path), std::move(message), std::move(hint)});
}

void Diagnostics::add(Diagnostic d) {
    m_items.push_back(std::move(d));
}

void Diagnostics::merge(const Diagnostics& other) {
    m_items.insert(m_items.end(), other.m_items.begin(), other.m_items.end());
}

std::vector<Diagnostic> Diagnostics::sorted() const {
    std::vector<Diagnostic> out = m_items;
    std::stable_sort(out.begin(), out.end(),
                     [](const Diagnostic& a, const Diagnostic& b) { return a.where < b.where; });
    std::vector<Diagnostic> unique;
    for (Diagnostic& d : out) {
        bool seen = std::any_of(unique.begin(), unique.end(),
                                [&](const Diagnostic& u) { return u.str() == d.str(); });
        if (!seen) {
            unique.push_back(std::move(d));
        }
    }
    return unique;
}

std::string Diagnostics::str() const {
    std::string out;
    for (const Diagnostic& d : sorted()) {
        out += d.str();
        out += '\n';
    }
    return out;
}

namespace {
// Optimal string alignment distance: Levenshtein plus adjacent transpositions, the most
// common typo ("memroy" is one edit from "memory", not two).
size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i) {
        d[i][0] = i;
    }
    for (size_t j = 0; j <= b.size(); ++j) {
        d[0][j] = j;
    }
    for (size_t i = 1; i <= a.size(); ++i) {
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.size()][b.size()];
}
}  // namespace

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
    // Words are short (keys, syscall and capability names): bounded by what a typo looks like.
    if (word.size() > 256) {
        return {};
    }
    const std::string* best = nullptr;
    size_t best_distance = 0;
    for (const std::string& c : candidates) {
        size_t d = edit_distance(word, c);
        if (best == nullptr || d < best_distance) {
            best = &c;
            best_distance = d;
        }
    }
    size_t limit = std::max<size_t>(2, word.size() / 3);
    if (best == nullptr || best_distance > limit || best_distance == 0) {
        return {};
    }
    return "did you mean '" + *best + "'?";
}

}  // namespace sandbox::profile
