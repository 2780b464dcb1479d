// A small line logger: timestamped lines tagged with the client's name, to SR_LOG_FILE or stdout.
#pragma once

#include <string>
#include <string_view>

namespace insitu::client {

// Same order and meaning as the peer's SRLoggingLevel.
enum class LogLevel { Quiet = 1, Info = 2, Debug = 3, Developer = 4 };

// Parses SR_LOG_LEVEL (case-insensitive); throws ParameterException for an unknown name.
LogLevel parse_log_level(std::string_view text);

class Logger {
  public:
    // `path` empty: stdout. An unwritable path throws ParameterException.
    Logger(std::string name, std::string path, LogLevel level);
    ~Logger();
    Logger(const Logger&) = delete;
    Logger& operator=(const Logger&) = delete;

    bool enabled(LogLevel level) const { return level_ != LogLevel::Quiet && level <= level_; }
    void log(LogLevel level, std::string_view msg) const;
    void warning(std::string_view msg) const {
        log(LogLevel::Info, std::string("WARNING: ") += msg);
    }

    const std::string& name() const { return name_; }
    const std::string& path() const { return path_; }
    LogLevel level() const { return level_; }

  private:
    std::string name_, path_;
    LogLevel level_;
    int fd_ = -1;  // owned when a file was opened
};

}  // namespace insitu::client
