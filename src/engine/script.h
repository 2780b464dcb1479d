// A stored TorchScript script: device, tag, source, entry points and the plugin's handle.
// Shared between the keyspace and queued jobs, like Model. No Redis here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/stats.h"
#include "engine/tensor.h"

namespace insitu::engine {

struct ScriptDef {
    std::string device;
    std::string tag;
    std::string source;
    std::vector<std::string> entry_points;  // empty for legacy AI.SCRIPTSET scripts
};

struct ScriptCall {
    std::string function;
    std::vector<const Tensor*> inputs;
    int variadic_from = -1;  // AI.SCRIPTRUN `$`: index of the first variadic input
    std::vector<std::string> keys, args;
    int n_outputs = 0;
};

class Script {
  public:
    // Compiles the script through the plugin. Throws CommandError.
    static std::shared_ptr<Script> create(const insitu_backend_api* api, ScriptDef def);
    ~Script();
    Script(const Script&) = delete;
    Script& operator=(const Script&) = delete;

    const ScriptDef& def() const { return def_; }
    const std::string& queue() const { return queue_; }
    bool has_function(const std::string& fn) const;
    // Runs one function. Thread-safe. Throws CommandError.
    std::vector<Tensor> run(const ScriptCall& call) const;

    RunStatsPtr stats;

  private:
    Script() = default;
    ScriptDef def_;
    std::string queue_;
    const insitu_backend_api* api_ = nullptr;
    void* handle_ = nullptr;
};
using ScriptPtr = std::shared_ptr<Script>;

}  // namespace insitu::engine
