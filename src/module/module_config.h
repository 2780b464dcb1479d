// Module-wide settings, from --loadmodule arguments and AI.CONFIG.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor_args.h"
#include "module/memory/large_allocations.h"

namespace insitu::module {

// RedisAI's default MODEL_CHUNK_SIZE: 511 MiB, under Redis's 512 MB proto-max-bulk-len.
inline constexpr std::int64_t k_default_model_chunk_size = 511LL * 1024 * 1024;

struct ModuleConfig {
    engine::TensorLimits tensor_limits;
    // Every load-time argument as given, shown under INFO MODULES.
    std::vector<std::pair<std::string, std::string>> load_args;
    std::string backends_path;  // default: <directory of libinsitu_ai.so>/backends
    std::int64_t model_chunk_size = k_default_model_chunk_size;
    int threads_per_queue = 1;
    // INLINE_RUN_US: a CPU job expected to run within this many microseconds runs on the main
    // thread when its queue is idle and THREADS_PER_QUEUE is 1 (0: always queued, as RedisAI).
    std::int64_t inline_run_us = 100;
    // LARGE_ALLOC_RETAIN_MS: how long freed large blocks stay mapped for reuse (0: not tuned).
    long long large_alloc_retain_ms = k_default_large_alloc_retain_ms;
};

ModuleConfig& config();

}  // namespace insitu::module
