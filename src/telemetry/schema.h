// Where an experiment's telemetry lives and what its records are called: the one place both the
// writer (the driver's monitor) and the readers (`insitu status`, `insitu dashboard`) agree on.
// The format is documented in docs/telemetry.md.
#pragma once

#include <cstddef>
#include <string>

namespace insitu::telemetry {

// Every record carries "schema": k_schema. A reader skips records of another major version.
inline constexpr const char* k_schema = "insitu.telemetry/1";

// Entity settings and state changes (compacted, never rotated away).
inline constexpr const char* k_entities_file = "entities.jsonl";
// Shard samples; rotated to k_old_samples_file when full.
inline constexpr const char* k_samples_file = "samples.jsonl";
inline constexpr const char* k_old_samples_file = "samples.1.jsonl";

// <exp_path>/.insitu/telemetry
std::string telemetry_dir(const std::string& exp_path);

// Seconds since the epoch, with microseconds.
double unix_now();

struct Options {
    bool enabled = true;
    double interval_s = 1.0;
    // Both files together stay below this (plus one record): samples get 3/4, entities 1/4.
    std::size_t max_bytes = 64u << 20;
};

// `base` overridden by INSITU_TELEMETRY (0/off/false: disabled), INSITU_TELEMETRY_INTERVAL
// (seconds) and INSITU_TELEMETRY_MAX_MB (MiB, fractions allowed); malformed values are ignored.
Options options_from_env(Options base = {});

}  // namespace insitu::telemetry
