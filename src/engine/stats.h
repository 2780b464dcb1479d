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
    // What recent successful runs cost (moving averages; -1 before the first): the module runs
    // a job on its own thread instead of a queue's when this says the job is cheap
    // (INLINE_RUN_US). Updated by racing workers without a lock: an estimate, not a count.
    std::atomic<std::int64_t> recent_us{-1};
    std::atomic<std::int64_t> recent_input_bytes{0};

    void add_run(std::int64_t us, std::int64_t n_samples) {
        duration_us += us;
        samples += n_samples;
        ++calls;
    }
    void note_cost(std::int64_t us, std::int64_t input_bytes) {
        std::int64_t old = recent_us.load(std::memory_order_relaxed);
        // A quarter of the newest run: one slow run moves it, a few fast ones bring it back.
        recent_us.store(old < 0 ? us : old + (us - old) / 4, std::memory_order_relaxed);
        std::int64_t ob = recent_input_bytes.load(std::memory_order_relaxed);
        recent_input_bytes.store(old < 0 ? input_bytes : ob + (input_bytes - ob) / 4,
                                 std::memory_order_relaxed);
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
        recent_us = -1;
        recent_input_bytes = 0;
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
