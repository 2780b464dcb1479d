#include "telemetry/schema.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace insitu::telemetry {

std::string telemetry_dir(const std::string& exp_path) {
    return (std::filesystem::path(exp_path) / ".insitu" / "telemetry").string();
}

double unix_now() {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    return static_cast<double>(us) / 1e6;
}

namespace {

// A positive number, or nothing (a typo must not turn sampling into a busy loop).
bool positive(const char* text, double& out) {
    if (!text || !*text) return false;
    char* end = nullptr;
    double v = std::strtod(text, &end);
    if (*end != '\0' || !(v > 0) || v > 1e9) return false;
    out = v;
    return true;
}

}  // namespace

Options options_from_env(Options base) {
    if (const char* on = std::getenv("INSITU_TELEMETRY")) {
        std::string_view v(on);
        if (v == "0" || v == "off" || v == "false" || v == "no") base.enabled = false;
        if (v == "1" || v == "on" || v == "true" || v == "yes") base.enabled = true;
    }
    double v = 0;
    if (positive(std::getenv("INSITU_TELEMETRY_INTERVAL"), v)) base.interval_s = v;
    if (positive(std::getenv("INSITU_TELEMETRY_MAX_MB"), v))
        base.max_bytes = static_cast<std::size_t>(v * 1024 * 1024);
    return base;
}

}  // namespace insitu::telemetry
