// A small line logger: timestamped lines tagged with the client's name, to SR_LOG_FILE or stdout.
#pragma once

#include <insitu/logging.h>

#include <string>
#include <string_view>

namespace insitu::client {

using insitu::LogLevel;

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
    void log(LogLevel level, std::string_view msg) const { log_as(name_, level, msg); }
    // A debug line built only when debug lines are written: the data calls describe every key
    // and shape, which cost allocations on each call otherwise.
    template <class MakeMessage>
    void debug(MakeMessage&& make) const {
        if (enabled(LogLevel::Debug)) log(LogLevel::Debug, make());
    }
    // A line tagged with `context` instead of the logger's own name.
    void log_as(std::string_view context, LogLevel level, std::string_view msg) const;
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

// The process-wide logger of the free log functions, configured from SR_LOG_FILE / SR_LOG_LEVEL
// at first use.
const Logger& environment_logger();

}  // namespace insitu::client
