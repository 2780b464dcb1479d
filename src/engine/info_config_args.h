// Argument grammar of AI.INFO and AI.CONFIG, independent of Redis. `args` excludes the command
// name.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "engine/backend.h"

namespace insitu::engine {

struct InfoArgs {
    std::string_view key;
    bool reset = false;
};
InfoArgs parse_info(std::span<const std::string_view> args);

struct ConfigArgs {
    enum class Kind { backends_path, load_backend, chunk_size, get } kind = Kind::get;
    std::string_view value;  // path, or the GET name
    Backend backend = Backend::TORCH;
    std::int64_t chunk_size = 0;
};
ConfigArgs parse_config(std::span<const std::string_view> args);

}  // namespace insitu::engine
