// Module-wide settings, from --loadmodule arguments (and AI.CONFIG later).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/tensor_args.h"

namespace insitu::module {

struct ModuleConfig {
    engine::TensorLimits tensor_limits;
    // Every load-time argument as given, shown under INFO MODULES.
    std::vector<std::pair<std::string, std::string>> load_args;
};

ModuleConfig& config();

}  // namespace insitu::module
