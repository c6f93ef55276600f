#pragma once
// Writes tar archives with libarchive's writer, for extraction tests (any entry, including the
// malicious ones a real tar refuses to create).
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace sandbox::test {

class ArchiveBuilder {
public:
    // filter: "none", "gzip", "xz", "zstd"
    explicit ArchiveBuilder(const std::string& path, const std::string& filter = "none")
        : m_a(archive_write_new(), &archive_write_free) {
        archive_write_set_format_pax_restricted(m_a.get());
        int rc = ARCHIVE_OK;
        if (filter == "gzip") {
            rc = archive_write_add_filter_gzip(m_a.get());
        } else if (filter == "xz") {
            rc = archive_write_add_filter_xz(m_a.get());
        } else if (filter == "zstd") {
            rc = archive_write_add_filter_zstd(m_a.get());
        }
        if (rc != ARCHIVE_OK ||
            archive_write_open_filename(m_a.get(), path.c_str()) != ARCHIVE_OK) {
            throw std::runtime_error(archive_error_string(m_a.get()));
        }
    }
    ~ArchiveBuilder() { close(); }

    void close() {
        if (m_a && !m_closed) {
            archive_write_close(m_a.get());
            m_closed = true;
        }
    }

    ArchiveBuilder& dir(const std::string& path, mode_t mode = 0755) {
        return add(path, AE_IFDIR, mode, "");
    }
    ArchiveBuilder& file(const std::string& path, const std::string& data, mode_t mode = 0644) {
        return add(path, AE_IFREG, mode, data);
    }
    ArchiveBuilder& symlink(const std::string& path, const std::string& target) {
        Entry e(path, AE_IFLNK, 0777);
        archive_entry_set_symlink(e.get(), target.c_str());
        return write(e.get(), "");
    }
    ArchiveBuilder& hardlink(const std::string& path, const std::string& target) {
        Entry e(path, AE_IFREG, 0644);
        archive_entry_set_hardlink(e.get(), target.c_str());
        archive_entry_set_size(e.get(), 0);
        return write(e.get(), "");
    }
    ArchiveBuilder& chardev(const std::string& path, unsigned major, unsigned minor) {
        Entry e(path, AE_IFCHR, 0666);
        archive_entry_set_rdevmajor(e.get(), major);
        archive_entry_set_rdevminor(e.get(), minor);
        return write(e.get(), "");
    }
    ArchiveBuilder& fifo(const std::string& path) { return add(path, AE_IFIFO, 0644, ""); }
    // A regular file carrying one extended attribute (e.g. security.capability).
    ArchiveBuilder& file_with_xattr(const std::string& path, const std::string& data, mode_t mode,
                                    const std::string& name, const std::string& value) {
        Entry e(path, AE_IFREG, mode);
        archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
        archive_entry_xattr_add_entry(e.get(), name.c_str(), value.data(), value.size());
        return write(e.get(), data);
    }

private:
    struct Entry {
        Entry(const std::string& path, unsigned type, mode_t mode) : e(archive_entry_new()) {
            archive_entry_set_pathname(e, path.c_str());
            archive_entry_set_filetype(e, type);
            archive_entry_set_perm(e, mode);
            archive_entry_set_mtime(e, 1700000000, 0);
        }
        ~Entry() { archive_entry_free(e); }
        archive_entry* get() { return e; }
        archive_entry* e;
    };

    ArchiveBuilder& add(const std::string& path, unsigned type, mode_t mode,
                        const std::string& data) {
        Entry e(path, type, mode);
        archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
        return write(e.get(), data);
    }
    ArchiveBuilder& write(archive_entry* e, const std::string& data) {
        if (archive_write_header(m_a.get(), e) != ARCHIVE_OK) {
            throw std::runtime_error(archive_error_string(m_a.get()));
        }
        if (!data.empty()) {
            archive_write_data(m_a.get(), data.data(), data.size());
        }
        return *this;
    }

    std::unique_ptr<archive, decltype(&archive_write_free)> m_a;
    bool m_closed = false;
};

}  // namespace sandbox::test
