// Files that hold private keys (src/tls/certs.cpp): a folder only its owner can enter, and files
// that are never readable by others, not even while they are being written.
#pragma once

#include <sys/types.h>

#include <string>

namespace insitu::tls {

// Creates `dir` (and its parents) with mode 0700. An existing `dir` must be a directory (not a
// symlink) of this user that group and others cannot access; it is refused rather than tightened,
// as keys may already have leaked from it. Throws std::runtime_error naming `dir`.
void make_private_dir(const std::string& dir);

// Writes `data` to a fresh name next to `path` (O_CREAT|O_EXCL, created with `mode`), then renames
// it over `path`: readers see the old file or the complete new one. Throws std::runtime_error.
void write_file_atomically(const std::string& path, const std::string& data, mode_t mode);

// A regular file (not a symlink) of this user with mode exactly 0600.
bool is_private_file(const std::string& path);

}  // namespace insitu::tls
