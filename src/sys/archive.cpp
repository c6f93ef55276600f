// Safe archive extraction. libarchive writes relative to the working directory, so the
// extraction chdir()s into the target and back; every entry is checked before libarchive sees
// it (absolute, `..`, device nodes, hard links leaving the tree) and libarchive's own SECURE_*
// flags refuse to write through symlinks (CVE-2021-36976-style "symlink then file" archives).
#include "sys/archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <memory>
#include <string_view>
#include <vector>

#include "common/eintr.hpp"
#include "sys/fd.hpp"
#include "sys/lazy_library.hpp"

namespace sandbox::sys {

namespace {

// libarchive and libcrypto are loaded on first use (sys/lazy_library.hpp): only an archive
// rootfs needs them, and linked normally they cost every start-up ~1.8 ms.
#define SANDBOX_ARCHIVE_FUNCTIONS(X)   \
    X(archive_read_new)                \
    X(archive_read_free)               \
    X(archive_write_disk_new)          \
    X(archive_write_free)              \
    X(archive_read_support_format_tar) \
    X(archive_read_support_filter_all) \
    X(archive_write_disk_set_options)  \
    X(archive_read_open)               \
    X(archive_errno)                   \
    X(archive_error_string)            \
    X(archive_read_next_header)        \
    X(archive_entry_pathname)          \
    X(archive_entry_set_pathname)      \
    X(archive_entry_hardlink)          \
    X(archive_entry_set_hardlink)      \
    X(archive_entry_filetype)          \
    X(archive_entry_perm)              \
    X(archive_entry_set_perm)          \
    X(archive_entry_xattr_clear)       \
    X(archive_entry_xattr_reset)       \
    X(archive_entry_xattr_next)        \
    X(archive_entry_xattr_add_entry)   \
    X(archive_write_header)            \
    X(archive_read_data_block)         \
    X(archive_write_data_block)        \
    X(archive_write_finish_entry)      \
    X(archive_write_close)

#define SANDBOX_CRYPTO_FUNCTIONS(X) \
    X(EVP_MD_CTX_new)               \
    X(EVP_MD_CTX_free)              \
    X(EVP_DigestInit_ex)            \
    X(EVP_sha256)                   \
    X(EVP_DigestUpdate)             \
    X(EVP_DigestFinal_ex)

SANDBOX_LAZY_API(ArchiveApi, "libarchive.so.13", SANDBOX_ARCHIVE_FUNCTIONS)
SANDBOX_LAZY_API(CryptoApi, "libcrypto.so.3", SANDBOX_CRYPTO_FUNCTIONS)

const ArchiveApi* g_ar = nullptr;
const CryptoApi* g_crypto = nullptr;

using ArchiveReader = std::unique_ptr<archive, decltype(&archive_read_free)>;
using ArchiveWriter = std::unique_ptr<archive, decltype(&archive_write_free)>;
using EvpCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

// Restores the working directory when destroyed (libarchive needs the cwd at the target).
class ScopedCwd {
public:
    ScopedCwd() : m_saved(::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) {}
    ScopedCwd(const ScopedCwd&) = delete;
    ScopedCwd& operator=(const ScopedCwd&) = delete;
    ~ScopedCwd() {
        // A destructor cannot report a failure, and there is no better directory to go to.
        // The explicit check is what silences warn_unused_result: a (void) cast does not
        // under gcc with _FORTIFY_SOURCE.
        if (m_saved && ::fchdir(m_saved.get()) != 0) {
            return;
        }
    }
    bool ok() const { return static_cast<bool>(m_saved); }

private:
    UniqueFd m_saved;
};

// "./a/b" -> "a/b"; "./" -> "".
std::string_view strip_dot_slash(std::string_view p) {
    while (p.size() >= 2 && p[0] == '.' && p[1] == '/') {
        p.remove_prefix(2);
        while (!p.empty() && p.front() == '/') {
            p.remove_prefix(1);
        }
    }
    if (p == ".") {
        return {};
    }
    return p;
}

// Why an archive path may not be used, or nullptr when it is fine.
const char* unsafe_path_reason(std::string_view p) {
    if (!p.empty() && p.front() == '/') {
        return "absolute path";
    }
    size_t start = 0;
    while (start <= p.size()) {
        size_t end = p.find('/', start);
        if (end == std::string_view::npos) {
            end = p.size();
        }
        if (p.substr(start, end - start) == "..") {
            return "path leaves the tree ('..')";
        }
        start = end + 1;
    }
    return nullptr;
}

// A hard link may only point at something already extracted, reached without symlinks.
bool link_target_inside(int root_fd, const std::string& target) {
    open_how how{};
    how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    UniqueFd fd(
        static_cast<int>(::syscall(SYS_openat2, root_fd, target.c_str(), &how, sizeof how)));
    if (!fd) {
        return false;
    }
    struct stat st {};
    return ::fstat(fd.get(), &st) == 0 && !S_ISDIR(st.st_mode);
}

std::string archive_message(archive* a) {
    const char* s = g_ar->archive_error_string(a);
    return s ? s : "unknown libarchive error";
}

// libarchive reads through this, so every byte unpacked is also hashed: the caller can tell
// that what was unpacked is what it hashed before (the file cannot be swapped under one fd,
// but its owner could rewrite it in place).
struct HashingReader {
    int fd = -1;
    EVP_MD_CTX* digest = nullptr;
    int read_errno = 0;
    std::unique_ptr<char[]> buf{new char[k_read_block]};
    static constexpr size_t k_read_block = 1 << 16;

    // Never throws (a C callback): a failure is kept in read_errno and reported as -1.
    static la_ssize_t read(archive*, void* self, const void** out) {
        auto* r = static_cast<HashingReader*>(self);
        for (;;) {
            ssize_t n = retry_eintr([&] { return ::read(r->fd, r->buf.get(), k_read_block); });
            if (n < 0) {
                r->read_errno = errno;
                return -1;
            }
            g_crypto->EVP_DigestUpdate(r->digest, r->buf.get(), static_cast<size_t>(n));
            *out = r->buf.get();
            return n;
        }
    }
};

std::string hex_digest(EVP_MD_CTX* ctx) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (g_crypto->EVP_DigestFinal_ex(ctx, md, &len) != 1) {
        return {};
    }
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out += k_hex[md[i] >> 4];
        out += k_hex[md[i] & 0xf];
    }
    return out;
}

// Keeps only the xattrs the options allow: security.capability with keep_setuid, else none
// (ARCHIVE_EXTRACT_XATTR is set only then, so nothing else is ever written). Returns whether
// a file capability was dropped.
bool filter_xattrs(archive_entry* entry, bool keep_setuid) {
    struct Kept {
        std::string name;
        std::string value;
    };
    std::vector<Kept> kept;
    bool had_caps = false;
    if (g_ar->archive_entry_xattr_reset(entry) == 0) {
        return false;
    }
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    while (g_ar->archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
        if (name != nullptr && std::string_view(name) == "security.capability") {
            had_caps = true;
            if (keep_setuid) {
                kept.push_back({name, std::string(static_cast<const char*>(value), size)});
            }
        }
    }
    g_ar->archive_entry_xattr_clear(entry);
    for (const Kept& k : kept) {
        g_ar->archive_entry_xattr_add_entry(entry, k.name.c_str(), k.value.data(), k.value.size());
    }
    return had_caps && !keep_setuid;
}

}  // namespace

Result<ExtractStats> extract_archive_fd(int archive_fd, const std::string& archive_path,
                                        const std::string& dest_dir,
                                        const ExtractOptions& options) {
    if (Status loaded = load_library_api(g_ar); !loaded) {
        return tl::unexpected(loaded.error());
    }
    if (Status loaded = load_library_api(g_crypto); !loaded) {
        return tl::unexpected(loaded.error());
    }
    if (::lseek(archive_fd, 0, SEEK_SET) != 0) {
        return fail("seek", archive_path);
    }
    EvpCtx digest(g_crypto->EVP_MD_CTX_new(), g_crypto->EVP_MD_CTX_free);
    if (!digest ||
        g_crypto->EVP_DigestInit_ex(digest.get(), g_crypto->EVP_sha256(), nullptr) != 1) {
        return fail_with(0, "sha256", archive_path, {}, "EVP_DigestInit_ex failed");
    }
    HashingReader source;
    source.fd = archive_fd;
    source.digest = digest.get();
    UniqueFd root_fd(::open(dest_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd) {
        return fail("open", dest_dir);
    }
    ArchiveReader reader(g_ar->archive_read_new(), g_ar->archive_read_free);
    ArchiveWriter writer(g_ar->archive_write_disk_new(), g_ar->archive_write_free);
    if (!reader || !writer) {
        return fail_with(ENOMEM, "extract", archive_path);
    }
    g_ar->archive_read_support_format_tar(reader.get());
    g_ar->archive_read_support_filter_all(reader.get());  // gzip, xz, zstd, bzip2, lz4, ...
    int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
    if (::geteuid() == 0) {
        flags |= ARCHIVE_EXTRACT_OWNER;  // numeric ids: no lookup of the host's user names
    }
    if (options.keep_setuid) {
        flags |= ARCHIVE_EXTRACT_XATTR;  // filter_xattrs() leaves only security.capability
    }
    g_ar->archive_write_disk_set_options(writer.get(), flags);

    if (g_ar->archive_read_open(reader.get(), &source, nullptr, &HashingReader::read, nullptr) !=
        ARCHIVE_OK) {
        int err = source.read_errno ? source.read_errno : g_ar->archive_errno(reader.get());
        return fail_with(err > 0 ? err : 0, "open archive", archive_path, {},
                         archive_message(reader.get()));
    }

    ScopedCwd cwd;
    if (!cwd.ok()) {
        return fail("open", ".");
    }
    if (::fchdir(root_fd.get()) != 0) {
        return fail("chdir", dest_dir);
    }

    ExtractStats stats;
    auto skip = [&](std::string_view path, std::string_view why) {
        stats.skipped.push_back("'" + std::string(path) + "': " + std::string(why));
    };
    archive_entry* entry = nullptr;
    for (;;) {
        int rc = g_ar->archive_read_next_header(reader.get(), &entry);
        if (rc == ARCHIVE_EOF) {
            break;
        }
        if (rc == ARCHIVE_FATAL || rc == ARCHIVE_FAILED) {
            return fail_with(source.read_errno, "extract", archive_path, {},
                             archive_message(reader.get()));
        }
        ++stats.entries;
        const char* raw = g_ar->archive_entry_pathname(entry);
        const std::string original = raw ? raw : "";
        const std::string path(strip_dot_slash(original));
        if (path.empty()) {
            continue;  // "./": the target directory itself
        }
        if (const char* why = unsafe_path_reason(path)) {
            skip(original, why);
            continue;
        }
        g_ar->archive_entry_set_pathname(entry, path.c_str());

        const char* hardlink = g_ar->archive_entry_hardlink(entry);
        if (hardlink != nullptr) {
            const std::string target(strip_dot_slash(hardlink));
            if (const char* why = unsafe_path_reason(target)) {
                skip(original, std::string("hard link target ") + why);
                continue;
            }
            if (target.empty() || !link_target_inside(root_fd.get(), target)) {
                skip(original,
                     "hard link target '" + target + "' is not a file already inside the tree");
                continue;
            }
            g_ar->archive_entry_set_hardlink(entry, target.c_str());
        } else {
            switch (g_ar->archive_entry_filetype(entry)) {
                case AE_IFREG:
                case AE_IFDIR:
                case AE_IFLNK:
                    break;
                case AE_IFCHR:
                case AE_IFBLK:
                    // Counted, not listed: every distribution tarball has a few (mmdebstrap's
                    // ./dev/null ...), and the sandbox's /dev is mounted at run time anyway.
                    ++stats.device_nodes;
                    continue;
                case AE_IFIFO:
                    skip(original, "FIFO");
                    continue;
                default:
                    skip(original, "unsupported file type");
                    continue;
            }
        }

        // Set-id bits are what makes an unpacked file a way to root for whoever can run it
        // (the cache is private, but a keep-nothing default needs no argument). A directory's
        // setgid only picks the group of new files, so it is kept.
        const unsigned setid = S_ISUID | S_ISGID;
        const auto perm = static_cast<unsigned>(g_ar->archive_entry_perm(entry));
        if (!options.keep_setuid && (perm & setid) != 0 &&
            (hardlink != nullptr || g_ar->archive_entry_filetype(entry) != AE_IFDIR)) {
            g_ar->archive_entry_set_perm(entry, perm & ~setid);
            ++stats.setid_stripped;
        }
        if (filter_xattrs(entry, options.keep_setuid)) {
            ++stats.caps_stripped;
        }

        rc = g_ar->archive_write_header(writer.get(), entry);
        if (rc == ARCHIVE_FATAL) {
            return fail_with(0, "extract", archive_path, {},
                             "'" + original + "': " + archive_message(writer.get()));
        }
        if (rc < ARCHIVE_WARN) {  // ARCHIVE_FAILED: refused (e.g. through a symlink)
            skip(original, archive_message(writer.get()));
            continue;
        }
        if (hardlink != nullptr) {
            ++stats.hardlinks;
        } else if (g_ar->archive_entry_filetype(entry) == AE_IFDIR) {
            ++stats.dirs;
        } else if (g_ar->archive_entry_filetype(entry) == AE_IFLNK) {
            ++stats.symlinks;
        } else {
            ++stats.files;
        }
        if (hardlink == nullptr && g_ar->archive_entry_filetype(entry) == AE_IFREG) {
            const void* buf = nullptr;
            size_t size = 0;
            la_int64_t offset = 0;
            for (;;) {
                rc = g_ar->archive_read_data_block(reader.get(), &buf, &size, &offset);
                if (rc == ARCHIVE_EOF) {
                    break;
                }
                if (rc < ARCHIVE_WARN) {
                    return fail_with(source.read_errno, "extract", archive_path, {},
                                     "'" + original + "': " + archive_message(reader.get()));
                }
                if (g_ar->archive_write_data_block(writer.get(), buf, size, offset) <
                    ARCHIVE_WARN) {
                    return fail_with(g_ar->archive_errno(writer.get()), "extract", archive_path, {},
                                     "'" + original + "': " + archive_message(writer.get()));
                }
                stats.bytes += size;
            }
        }
        if (g_ar->archive_write_finish_entry(writer.get()) < ARCHIVE_WARN) {
            return fail_with(g_ar->archive_errno(writer.get()), "extract", archive_path, {},
                             "'" + original + "': " + archive_message(writer.get()));
        }
    }
    // Directory times and permissions are fixed up at close.
    if (g_ar->archive_write_close(writer.get()) != ARCHIVE_OK) {
        return fail_with(g_ar->archive_errno(writer.get()), "extract", archive_path, {},
                         archive_message(writer.get()));
    }
    // The hash covers the whole file: also what follows the archive's end-of-archive marker.
    const void* rest = nullptr;
    for (;;) {
        la_ssize_t n = HashingReader::read(nullptr, &source, &rest);
        if (n < 0) {
            return fail_with(source.read_errno, "read", archive_path);
        }
        if (n == 0) {
            break;
        }
    }
    stats.sha256 = hex_digest(digest.get());
    if (stats.sha256.empty()) {
        return fail_with(0, "sha256", archive_path, {}, "EVP_DigestFinal_ex failed");
    }
    return stats;
}

Result<ExtractStats> extract_archive(const std::string& archive_path, const std::string& dest_dir,
                                     const ExtractOptions& options) {
    UniqueFd fd(::open(archive_path.c_str(), O_RDONLY | O_NOCTTY | O_CLOEXEC));
    if (!fd) {
        return fail("open archive", archive_path);
    }
    return extract_archive_fd(fd.get(), archive_path, dest_dir, options);
}

Result<std::string> sha256_fd(int fd, const std::string& shown) {
    if (Status loaded = load_library_api(g_crypto); !loaded) {
        return tl::unexpected(loaded.error());
    }
    EvpCtx ctx(g_crypto->EVP_MD_CTX_new(), g_crypto->EVP_MD_CTX_free);
    if (!ctx || g_crypto->EVP_DigestInit_ex(ctx.get(), g_crypto->EVP_sha256(), nullptr) != 1) {
        return fail_with(0, "sha256", shown, {}, "EVP_DigestInit_ex failed");
    }
    constexpr size_t k_block = 1 << 20;
    std::unique_ptr<char[]> buf(new char[k_block]);
    off_t offset = 0;
    for (;;) {
        ssize_t n = retry_eintr([&] { return ::pread(fd, buf.get(), k_block, offset); });
        if (n < 0) {
            return fail("read", shown);
        }
        if (n == 0) {
            break;
        }
        g_crypto->EVP_DigestUpdate(ctx.get(), buf.get(), static_cast<size_t>(n));
        offset += n;
    }
    std::string out = hex_digest(ctx.get());
    if (out.empty()) {
        return fail_with(0, "sha256", shown, {}, "EVP_DigestFinal_ex failed");
    }
    return out;
}

Result<std::string> sha256_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOCTTY | O_CLOEXEC));
    if (!fd) {
        return fail("open", path);
    }
    return sha256_fd(fd.get(), path);
}

}  // namespace sandbox::sys
