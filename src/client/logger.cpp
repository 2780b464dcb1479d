#include "client/logger.h"

#include <fcntl.h>
#include <unistd.h>

#include <insitu/errors.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "core/text.h"

namespace insitu::client {

LogLevel parse_log_level(std::string_view text) {
    if (core::iequals(text, "QUIET")) return LogLevel::Quiet;
    if (core::iequals(text, "INFO")) return LogLevel::Info;
    if (core::iequals(text, "DEBUG")) return LogLevel::Debug;
    if (core::iequals(text, "DEVELOPER")) return LogLevel::Developer;
    throw ParameterException("SR_LOG_LEVEL must be QUIET, INFO, DEBUG or DEVELOPER, got '" +
                             std::string(text) + "'");
}

Logger::Logger(std::string name, std::string path, LogLevel level)
    : name_(std::move(name)), path_(std::move(path)), level_(level) {
    if (path_.empty()) return;
    // Opened up front so that a bad SR_LOG_FILE is reported at construction, not silently lost.
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        throw ParameterException("cannot open log file '" + path_ +
                                 "' (SR_LOG_FILE): " + std::strerror(errno));
    }
}

Logger::~Logger() {
    if (fd_ >= 0) ::close(fd_);
}

void Logger::log_as(std::string_view context, LogLevel level, std::string_view msg) const {
    if (!enabled(level)) return;
    auto now = std::chrono::system_clock::now();
    std::time_t t = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char stamp[40];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string line = stamp;
    line += '.';
    line += std::to_string(1000 + ms.count()).substr(1);
    line += "Z ";
    line += context;
    line += ": ";
    line += msg;
    line += '\n';
    // One write() per line keeps lines whole when several clients share a file (O_APPEND).
    int fd = fd_ >= 0 ? fd_ : STDOUT_FILENO;
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // logging must never fail the caller's operation
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

const Logger& environment_logger() {
    auto env = [](const char* name, const char* fallback) {
        const char* v = std::getenv(name);
        return std::string(v ? v : fallback);
    };
    // Built once; a configuration error is thrown to each caller until it is fixed.
    static const Logger logger("default", env("SR_LOG_FILE", ""),
                               parse_log_level(env("SR_LOG_LEVEL", "INFO")));
    return logger;
}

}  // namespace insitu::client

namespace insitu {

void log_data(const std::string& context, LogLevel level, const std::string& data) {
    client::environment_logger().log_as(context, level, data);
}

void log_warning(const std::string& context, LogLevel level, const std::string& data) {
    client::environment_logger().log_as(context, level, "WARNING: " + data);
}

void log_error(const std::string& context, LogLevel level, const std::string& data) {
    client::environment_logger().log_as(context, level, "ERROR: " + data);
}

}  // namespace insitu
