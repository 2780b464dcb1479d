// Per-key run statistics reported by AI.INFO. Workers add to them (atomics); the registry that
// maps key names to them is touched from the Redis main thread and, for frees, possibly from a
// lazy-free thread, hence the mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace insitu::engine {

struct RunStats {
    std::string key;
    bool is_model = true;
    std::string backend, device, tag;
    std::atomic<std::int64_t> duration_us{0};
    std::atomic<std::int64_t> samples{0};
    std::atomic<std::int64_t> calls{0};
    std::atomic<std::int64_t> errors{0};

    void add_run(std::int64_t us, std::int64_t n_samples) {
        duration_us += us;
        samples += n_samples;
        ++calls;
    }
    void add_error() {
        ++calls;
        ++errors;
    }
    void reset() {
        duration_us = 0;
        samples = 0;
        calls = 0;
        errors = 0;
    }
};
using RunStatsPtr = std::shared_ptr<RunStats>;

class StatsRegistry {
  public:
    // A fresh entry for `key`, replacing any previous one (storing a model resets its stats).
    RunStatsPtr create(const std::string& key, bool is_model, std::string backend,
                       std::string device, std::string tag);
    RunStatsPtr find(const std::string& key) const;
    // Removes the entry of `key` only if it is still `s` (a newer object may own the key).
    void remove(const RunStatsPtr& s);
    // Every entry, ordered by key (AI._MODELSCAN / AI._SCRIPTSCAN).
    std::vector<RunStatsPtr> all() const;

  private:
    mutable std::mutex mu_;
    std::map<std::string, RunStatsPtr> entries_;
};

StatsRegistry& stats_registry();

}  // namespace insitu::engine
