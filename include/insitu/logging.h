// Logging for applications, with SmartRedis's names: lines with a timestamp and a context name go
// to SR_LOG_FILE (stdout when unset) if their level is within SR_LOG_LEVEL (QUIET, INFO (the
// default), DEBUG, DEVELOPER). Client, DataSet and LogContext log under their own name; the free
// functions under the context they are given. Logging never throws once configured; a bad
// SR_LOG_LEVEL or an unwritable SR_LOG_FILE throws ParameterException at the first call.
#pragma once

#include <string>

namespace insitu {

// Numbered as SmartRedis's SRLoggingLevel.
enum class LogLevel : int { Quiet = 1, Info = 2, Debug = 3, Developer = 4 };

void log_data(const std::string& context, LogLevel level, const std::string& data);
// The line starts with "WARNING: " / "ERROR: ".
void log_warning(const std::string& context, LogLevel level, const std::string& data);
void log_error(const std::string& context, LogLevel level, const std::string& data);

// A named source of log lines (SmartRedis's LogContext).
class LogContext {
  public:
    explicit LogContext(std::string context) : context_(std::move(context)) {}
    void log_data(LogLevel level, const std::string& data) const {
        insitu::log_data(context_, level, data);
    }
    void log_warning(LogLevel level, const std::string& data) const {
        insitu::log_warning(context_, level, data);
    }
    void log_error(LogLevel level, const std::string& data) const {
        insitu::log_error(context_, level, data);
    }
    const std::string& get_context() const { return context_; }

  private:
    std::string context_;
};

}  // namespace insitu
