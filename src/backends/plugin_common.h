// Framework-free helpers shared by the backend plugins: error reporting, dtype sizes, input
// validation and the exception barrier that every ABI entry point goes through.
// Header-only so that each plugin stays a single self-contained .so linking only its framework.
#pragma once

#include "backends/backend_abi.h"

#include <insitu/tensor_types.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace insitu::backends {

// Thrown by plugin code for errors it detects itself; the barrier turns it into the message.
struct BackendError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

inline void set_error(insitu_error* err, std::string_view msg) noexcept {
    if (!err) return;
    std::size_t n = std::min(msg.size(), sizeof(err->message) - 1);
    std::memcpy(err->message, msg.data(), n);
    err->message[n] = '\0';
}

[[gnu::format(printf, 1, 2)]] inline std::string format(const char* fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

// Runs `body` and converts every exception into a non-zero return with a message, so nothing
// ever unwinds into the (C) host. `describe` lets a plugin format its framework's exception
// types better than what() does (c10::Error's what() carries a C++ backtrace, for instance).
template <class Body>
int guarded(insitu_error* err, Body&& body) noexcept {
    try {
        body();
        return 0;
    } catch (const std::exception& e) {
        set_error(err, e.what());
    } catch (...) {
        set_error(err, "unknown exception in backend");
    }
    return 1;
}

inline std::size_t dtype_size(int dtype) noexcept {
    switch (static_cast<TensorType>(dtype)) {
        case TensorType::Double:
        case TensorType::Int64:
        case TensorType::Uint64:
            return 8;
        case TensorType::Float:
        case TensorType::Int32:
        case TensorType::Uint32:
            return 4;
        case TensorType::Int16:
        case TensorType::Uint16:
        case TensorType::Float16:
        case TensorType::BFloat16:
            return 2;
        case TensorType::Int8:
        case TensorType::Uint8:
        case TensorType::Bool:
            return 1;
        default:
            return 0;  // String, Invalid, unknown
    }
}

inline const char* dtype_name(int dtype) noexcept {
    switch (static_cast<TensorType>(dtype)) {
        case TensorType::Double:
            return "DOUBLE";
        case TensorType::Float:
            return "FLOAT";
        case TensorType::Int8:
            return "INT8";
        case TensorType::Int16:
            return "INT16";
        case TensorType::Int32:
            return "INT32";
        case TensorType::Int64:
            return "INT64";
        case TensorType::Uint8:
            return "UINT8";
        case TensorType::Uint16:
            return "UINT16";
        case TensorType::Uint32:
            return "UINT32";
        case TensorType::Uint64:
            return "UINT64";
        case TensorType::Float16:
            return "FLOAT16";
        case TensorType::BFloat16:
            return "BFLOAT16";
        case TensorType::Bool:
            return "BOOL";
        case TensorType::String:
            return "STRING";
        default:
            return "INVALID";
    }
}

// Element count of a shape; throws on negative dims or overflow.
inline std::int64_t element_count(const std::int64_t* shape, int ndim) {
    std::int64_t n = 1;
    for (int i = 0; i < ndim; ++i) {
        if (shape[i] < 0) throw BackendError("negative dimension in tensor shape");
        if (shape[i] != 0 && n > std::numeric_limits<std::int64_t>::max() / shape[i])
            throw BackendError("tensor shape is too large");
        n *= shape[i];
    }
    return n;
}

// The host validates tensors already; a plugin re-checks what it relies on (a bad view would
// otherwise become an out-of-bounds read inside the framework).
inline void check_view(const insitu_tensor_view& v, int index) {
    if (v.ndim < 0 || v.ndim > INSITU_MAX_DIMS || (v.ndim > 0 && !v.shape))
        throw BackendError(format("input %d: invalid number of dimensions %d", index, v.ndim));
    std::size_t es = dtype_size(v.dtype);
    if (es == 0)
        throw BackendError(
            format("input %d: unsupported data type %s", index, dtype_name(v.dtype)));
    auto n = static_cast<std::size_t>(element_count(v.shape, v.ndim));
    if (n * es != v.nbytes || (v.nbytes > 0 && !v.data))
        throw BackendError(
            format("input %d: data length does not match tensor shape and type", index));
}

inline void clear_outputs(insitu_output* outs, int n) noexcept {
    for (int i = 0; i < n; ++i) {
        if (outs[i].release) outs[i].release(outs[i].owner);
        outs[i] = insitu_output{};
    }
}

// Device strings arrive upper-cased: "CPU", "CPU:0", "GPU", "GPU:1". Returns the GPU ordinal
// (-1 for plain "GPU") through `gpu_id` and whether a GPU was asked for.
inline bool parse_device(const char* device, int* gpu_id) {
    std::string_view d = device ? device : "CPU";
    *gpu_id = -1;
    auto parse_suffix = [&](std::string_view rest) {
        if (rest.empty()) return;
        if (rest[0] != ':' || rest.size() < 2)
            throw BackendError(format("Invalid DEVICE %s", device));
        int id = 0;
        for (char c : rest.substr(1)) {
            if (c < '0' || c > '9' || id > 100000)
                throw BackendError(format("Invalid DEVICE %s", device));
            id = id * 10 + (c - '0');
        }
        *gpu_id = id;
    };
    if (d.substr(0, 3) == "CPU") {
        parse_suffix(d.substr(3));
        *gpu_id = -1;
        return false;
    }
    if (d.substr(0, 3) == "GPU") {
        parse_suffix(d.substr(3));
        return true;
    }
    throw BackendError(format("Invalid DEVICE %s", device));
}

// Output whose bytes live in a heap std::string (serialized models, copies).
inline void set_string_output(insitu_output* out, std::string bytes) {
    auto* owner = new std::string(std::move(bytes));
    *out = insitu_output{};
    out->dtype = static_cast<int>(TensorType::Uint8);
    out->ndim = 1;
    out->shape[0] = static_cast<std::int64_t>(owner->size());
    out->data = owner->data();
    out->nbytes = owner->size();
    out->owner = owner;
    out->release = [](void* o) { delete static_cast<std::string*>(o); };
}

}  // namespace insitu::backends

// The plugin's function table and its exported entry point (the only symbol plugin.map exports).
// A plugin defines, in namespace insitu::backends (anonymous namespace allowed), framework_version,
// init and the model_* functions, then writes INSITU_MODEL_BACKEND("NAME") at file scope, or
// INSITU_SCRIPT_BACKEND("NAME") when it also defines the script_* functions.
#define INSITU_BACKEND_TABLE(NAME, CREATE, HAS, RUN, FREE)                               \
    namespace insitu::backends {                                                         \
    namespace {                                                                          \
    const insitu_backend_api k_api = {INSITU_BACKEND_ABI_VERSION,                        \
                                      NAME,                                              \
                                      framework_version,                                 \
                                      init,                                              \
                                      model_create,                                      \
                                      model_num_inputs,                                  \
                                      model_num_outputs,                                 \
                                      model_run,                                         \
                                      model_serialize,                                   \
                                      model_free,                                        \
                                      CREATE,                                            \
                                      HAS,                                               \
                                      RUN,                                               \
                                      FREE};                                             \
    }                                                                                    \
    }                                                                                    \
    extern "C" __attribute__((visibility("default"))) const insitu_backend_api*          \
    insitu_backend_get_api(uint32_t host_abi_version) {                                  \
        return host_abi_version == INSITU_BACKEND_ABI_VERSION ? &insitu::backends::k_api \
                                                              : nullptr;                 \
    }
#define INSITU_MODEL_BACKEND(NAME) INSITU_BACKEND_TABLE(NAME, nullptr, nullptr, nullptr, nullptr)
#define INSITU_SCRIPT_BACKEND(NAME) \
    INSITU_BACKEND_TABLE(NAME, script_create, script_has_function, script_run, script_free)
