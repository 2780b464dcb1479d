// The backend loader: finds, dlopen()s and initialises the ML backend plugins
// (libinsitu_backend_<torch|onnx|tflite|tf>.so, see backends/backend_abi.h). No Redis here.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "backends/backend_abi.h"
#include "engine/errors.h"

namespace insitu::engine {

enum class Backend { TF = 0, TFLITE = 1, TORCH = 2, ONNX = 3 };
inline constexpr std::size_t k_backend_count = 4;

// "TF", "TFLITE", "TORCH", "ONNX", case-insensitively.
std::optional<Backend> parse_backend(std::string_view name);
// The wire name ("TORCH").
const char* backend_name(Backend b);
// The plugin file name ("libinsitu_backend_torch.so").
std::string backend_file_name(Backend b);

// Thrown when a plugin cannot be loaded; what() names the backend, the path and the reason.
struct BackendLoadError : CommandError {
    using CommandError::CommandError;
};

// Settings handed to every plugin at init and to every model it creates.
struct BackendSettings {
    int inter_op_threads = 0;  // 0 = backend default
    int intra_op_threads = 0;
    std::int64_t execution_timeout_ms = 5000;  // ONNX only
    std::int64_t memory_limit_mb = 0;          // ONNX only; 0 = unlimited
    const insitu_host_api* host = nullptr;
};

class BackendRegistry {
  public:
    BackendSettings settings;

    // Loads the plugin at `path` for `b`. Loading a backend that is already loaded is a no-op
    // (a plugin cannot be unloaded while models use it). Throws BackendLoadError.
    const insitu_backend_api* load(Backend b, const std::string& path);
    // The loaded plugin, or nullptr.
    const insitu_backend_api* get(Backend b) const;
    // The loaded plugin, loading `<backends_path>/<backend_file_name>` first when needed.
    const insitu_backend_api* get_or_load(Backend b, const std::string& backends_path);
    // The path a loaded backend came from ("" when not loaded).
    std::string path(Backend b) const;

  private:
    struct Loaded {
        void* handle = nullptr;
        const insitu_backend_api* api = nullptr;
        std::string path;
    };
    mutable std::mutex mu_;
    std::array<Loaded, k_backend_count> loaded_{};
};

// The process-wide registry (never destroyed: plugins stay mapped until exit).
BackendRegistry& backends();

// "ERR <message>" unless the plugin's message already starts with "ERR".
std::string backend_error_text(const insitu_error& e);

}  // namespace insitu::engine
