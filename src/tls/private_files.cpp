#include "tls/private_files.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace fs = std::filesystem;

namespace insitu::tls {
namespace {

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("insitu tls: " + what);
}
[[noreturn]] void fail_os(const std::string& what, int err) {
    fail(what + ": " + std::strerror(err));
}

// A name no earlier (crashed) run has left behind, with overwhelming probability.
std::string random_suffix() {
    std::uint64_t r = 0;
    if (::getrandom(&r, sizeof r, 0) != static_cast<ssize_t>(sizeof r))
        fail_os("cannot read the OS random source", errno);
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(r));
    return text;
}

}  // namespace

void make_private_dir(const std::string& dir) {
    const fs::path parent = fs::path(dir).parent_path();
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) fail("cannot create " + parent.string() + ": " + ec.message());
    if (::mkdir(dir.c_str(), 0700) == 0) {
        // The umask may have taken the owner's bits too.
        if (::chmod(dir.c_str(), 0700) != 0) fail_os("cannot chmod 0700 " + dir, errno);
        return;
    }
    if (errno != EEXIST) fail_os("cannot create " + dir, errno);
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) fail_os("cannot stat " + dir, errno);
    if (!S_ISDIR(st.st_mode)) fail(dir + " is not a directory (a symlink is refused)");
    if (st.st_uid != ::geteuid()) fail(dir + " belongs to another user");
    if ((st.st_mode & 077) != 0)
        fail(dir + " is accessible to group or others; a folder for private keys must be 0700");
}

void write_file_atomically(const std::string& path, const std::string& data, mode_t mode) {
    const std::string tmp = path + ".tmp-" + random_suffix();
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) fail_os("cannot create " + tmp, errno);
    int err = 0;
    if (::fchmod(fd, mode) != 0) err = errno;  // exactly `mode`, whatever the umask took away
    for (std::size_t done = 0; !err && done < data.size();) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) err = n < 0 ? errno : EIO;
        if (n > 0) done += static_cast<std::size_t>(n);
    }
    if (!err && ::fsync(fd) != 0) err = errno;
    if (::close(fd) != 0 && !err) err = errno;
    if (!err && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
    if (err) {
        ::unlink(tmp.c_str());
        fail_os("cannot write " + path, err);
    }
}

bool is_private_file(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() &&
           (st.st_mode & 07777) == 0600;
}

}  // namespace insitu::tls
