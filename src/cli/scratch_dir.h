// A command's own folder under TMPDIR (`insitu demo`, `insitu validate`): it holds the database's
// secrets, configuration and logs, so it goes when the command ends, however it ends, unless the
// user asked to keep it.
#pragma once

#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

namespace insitu::cli {

class ScratchDir {
  public:
    ScratchDir(std::string path, bool keep, const char* command)
        : path_(std::move(path)),
          keep_(keep),
          command_(command),
          exceptions_(std::uncaught_exceptions()) {}
    ~ScratchDir() {
        if (keep_) return;
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
        // Leaving on an error: the logs that might explain it are gone, so say how to keep them.
        if (std::uncaught_exceptions() > exceptions_)
            std::fprintf(stderr, "insitu %s: removed %s (--keep-dir keeps it, with the logs)\n",
                         command_, path_.c_str());
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    const std::string& path() const { return path_; }

  private:
    std::string path_;
    bool keep_;
    const char* command_;
    int exceptions_;
};

}  // namespace insitu::cli
