// Argument grammar of AI.MODELSTORE / MODELSET / MODELGET / MODELEXECUTE / MODELRUN, independent
// of Redis. `args` excludes the command name: args[0] is the model key. Every function throws
// CommandError with the exact reply text.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "engine/key_refs.h"
#include "engine/model.h"

namespace insitu::engine {

struct ModelStoreArgs {
    ModelDef def;
    std::vector<std::string_view> blob_chunks;  // concatenated, they are the model
};
ModelStoreArgs parse_modelstore(std::span<const std::string_view> args);
// Legacy AI.MODELSET: INPUTS / OUTPUTS name lists without counts.
ModelStoreArgs parse_modelset(std::span<const std::string_view> args);

// "CPU", "GPU", "CPU:<n>", "GPU:<n>" (any case), shorter than 10 characters.
bool valid_device(std::string_view device);

struct ModelGetArgs {
    bool meta = true;
    bool blob = true;
};
ModelGetArgs parse_modelget(std::span<const std::string_view> args);

struct RunArgs {
    std::vector<std::string_view> inputs, outputs;
    std::int64_t timeout_ms = 0;  // 0 = none
};
// AI.MODELEXECUTE key INPUTS n ... OUTPUTS m ... [TIMEOUT t]. The model's declared counts
// (-1 = unknown) are checked where RedisAI checks them.
RunArgs parse_modelexecute(std::span<const std::string_view> args, int model_inputs,
                           int model_outputs);
// Legacy AI.MODELRUN key [TIMEOUT t] INPUTS ... OUTPUTS ...
RunArgs parse_modelrun(std::span<const std::string_view> args, int model_inputs, int model_outputs);

// The keys of AI.MODELEXECUTE / AI.MODELRUN: the model, the inputs and the outputs. Lenient:
// never throws.
std::vector<KeyRef> modelexecute_keys(std::span<const std::string_view> args);
std::vector<KeyRef> modelrun_keys(std::span<const std::string_view> args);
// Their inputs and outputs only (the tensors, which place a run in Redis Cluster).
std::vector<std::size_t> modelexecute_key_positions(std::span<const std::string_view> args);
std::vector<std::size_t> modelrun_key_positions(std::span<const std::string_view> args);

// "TIMEOUT <ms>" value: > 0, else "ERR Invalid value for TIMEOUT".
std::int64_t parse_timeout(std::string_view v);

}  // namespace insitu::engine
