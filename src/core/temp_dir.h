// The folder for this user's scratch files: $TMPDIR, else /tmp. A path only, not checked: not
// std::filesystem::temp_directory_path(), which throws when $TMPDIR names no directory (that made
// every `insitu` command abort while its options were set up); whoever creates something under
// it reports a missing path.
#pragma once

#include <cstdlib>
#include <string>

namespace insitu::core {

inline std::string temp_dir() {
    const char* t = std::getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

}  // namespace insitu::core
