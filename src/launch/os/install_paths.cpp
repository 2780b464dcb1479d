#include "launch/os/install_paths.h"

#include <dlfcn.h>

#include <filesystem>
#include <system_error>

namespace fs = std::filesystem;

namespace insitu::launch {

std::string launch_library_dir() {
    Dl_info info{};
    if (!::dladdr(reinterpret_cast<void*>(&launch_library_dir), &info) || !info.dli_fname)
        return "";
    std::error_code ec;
    // canonical: a Python package links to the installed library with a symlink.
    fs::path lib = fs::canonical(info.dli_fname, ec);
    return ec ? "" : lib.parent_path().string();
}

std::string installed_module_path() {
    std::string dir = launch_library_dir();
    return dir.empty() ? "" : (fs::path(dir) / INSITU_LIB_TO_MODULE).lexically_normal().string();
}

std::string installed_cli_path() {
    std::string dir = launch_library_dir();
    return dir.empty() ? "" : (fs::path(dir) / INSITU_LIB_TO_CLI).lexically_normal().string();
}

}  // namespace insitu::launch
