// read_document: one profile file -> Document. The file is opened without following a FIFO
// into a blocking open (O_NONBLOCK), must be a regular file of at most k_max_profile_bytes,
// and its bytes are checked (UTF-8, no NUL) before a parser sees them. The format comes from
// the extension only: .toml, .yaml, .yml.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "profile/loader.hpp"
#include "profile/readers.hpp"

namespace sandbox::profile {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Owns the fd for the duration of the read (profile/ does not use sys/ headers).
struct FileCloser {
    int fd;
    ~FileCloser() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
};

std::string errno_text(int err) {
    return std::strerror(err);
}

}  // namespace

bool check_before_parsing(const std::shared_ptr<const std::string>& file, std::string_view text,
                          Prescan prescan, Diagnostics& diagnostics) {
    if (!check_text(*file, text, diagnostics)) {
        return false;
    }
    if (auto hit = prescan(text)) {
        diagnostics.error(SourceLocation::in(file, hit->line, hit->column), "",
                          "nested deeper than " + std::to_string(k_max_depth) + " levels");
        return false;
    }
    return true;
}

bool check_text(const std::string& file, std::string_view text, Diagnostics& diagnostics) {
    if (text.size() > k_max_profile_bytes) {
        diagnostics.error(
            SourceLocation::named(file), "",
            "file too large (the limit is " + std::to_string(k_max_profile_bytes) + " bytes)");
        return false;
    }
    auto file_ptr = std::make_shared<const std::string>(file);
    uint32_t line = 1;
    uint32_t column = 1;
    size_t i = 0;
    const size_t n = text.size();
    // A UTF-8 byte order mark is allowed (both parsers skip it).
    if (n >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
        static_cast<unsigned char>(text[1]) == 0xBB &&
        static_cast<unsigned char>(text[2]) == 0xBF) {
        i = 3;
    }
    while (i < n) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c == 0) {
            diagnostics.error(SourceLocation::in(file_ptr, line, column), "",
                              "NUL byte in the file; a profile is text");
            return false;
        }
        if (c < 0x80) {
            ++i;
            if (c == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
            continue;
        }
        // Multi-byte sequence: length from the lead byte, then range checks (RFC 3629 table).
        size_t len = 0;
        uint32_t cp = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        }
        bool ok = len != 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; ++k) {
            auto cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xC0) != 0x80) {
                ok = false;
            } else {
                cp = (cp << 6) | (cc & 0x3F);
            }
        }
        if (ok) {
            bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
            bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
            ok = !overlong && !surrogate && cp <= 0x10FFFF;
        }
        if (!ok) {
            diagnostics.error(SourceLocation::in(file_ptr, line, column), "",
                              "invalid UTF-8 (byte 0x" +
                                  std::string(1, "0123456789abcdef"[c >> 4]) +
                                  std::string(1, "0123456789abcdef"[c & 15]) + ")",
                              "profiles must be UTF-8 text");
            return false;
        }
        i += len;
        ++column;
    }
    return true;
}

size_t count_nodes(const Node& node, size_t limit) {
    // Iterative: the count is also used on trees whose depth is not yet known to be bounded.
    size_t count = 0;
    std::vector<const Node*> todo{&node};
    while (!todo.empty() && count < limit) {
        const Node* n = todo.back();
        todo.pop_back();
        ++count;
        for (const Node& item : n->items) {
            todo.push_back(&item);
        }
        for (const TableEntry& e : n->entries) {
            todo.push_back(&e.value);
        }
    }
    return count;
}

std::optional<Document> read_document(const std::string& path, Diagnostics& diagnostics) {
    SourceLocation at_file = SourceLocation::named(path);
    bool is_toml = ends_with(path, ".toml");
    bool is_yaml = ends_with(path, ".yaml") || ends_with(path, ".yml");
    if (!is_toml && !is_yaml) {
        diagnostics.error(at_file, "",
                          "unknown profile format (expected a .toml, .yaml or .yml file)");
        return std::nullopt;
    }
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    FileCloser file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)};
    if (file.fd < 0) {
        diagnostics.error(at_file, "", "cannot open: " + errno_text(errno));
        return std::nullopt;
    }
    struct stat st {};
    if (::fstat(file.fd, &st) != 0) {
        diagnostics.error(at_file, "", "cannot stat: " + errno_text(errno));
        return std::nullopt;
    }
    if (!S_ISREG(st.st_mode)) {
        diagnostics.error(at_file, "", "not a regular file");
        return std::nullopt;
    }
    if (static_cast<uint64_t>(st.st_size) > k_max_profile_bytes) {
        diagnostics.error(at_file, "",
                          "file too large (" + std::to_string(st.st_size) +
                              " bytes; the limit is " + std::to_string(k_max_profile_bytes) + ")");
        return std::nullopt;
    }
    // Read at most limit + 1 bytes: the file may grow between fstat and read. The buffer starts
    // at the size fstat saw (+ 1, to see growth) and doubles only if the file did grow: a
    // buffer of the whole limit, zero-filled on every read, cost each `up` 257 page faults
    // (docs/performance.md).
    std::string text;
    text.resize(std::min(static_cast<size_t>(st.st_size), k_max_profile_bytes) + 1);
    size_t got = 0;
    for (;;) {
        if (got == text.size()) {
            if (text.size() > k_max_profile_bytes) {
                break;
            }
            text.resize(std::min(text.size() * 2, k_max_profile_bytes + 1));
        }
        ssize_t r = ::read(file.fd, text.data() + got, text.size() - got);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            diagnostics.error(at_file, "", "cannot read: " + errno_text(errno));
            return std::nullopt;
        }
        if (r == 0) {
            break;
        }
        got += static_cast<size_t>(r);
    }
    if (got > k_max_profile_bytes) {
        diagnostics.error(
            at_file, "",
            "file too large (the limit is " + std::to_string(k_max_profile_bytes) + " bytes)");
        return std::nullopt;
    }
    text.resize(got);
    return is_toml ? read_toml(path, text, diagnostics) : read_yaml(path, text, diagnostics);
}

}  // namespace sandbox::profile
