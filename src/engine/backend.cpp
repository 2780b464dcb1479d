#include "engine/backend.h"

#include <dlfcn.h>

#include <cstring>

#include "core/text.h"

namespace insitu::engine {

namespace {
constexpr const char* k_names[k_backend_count] = {"TF", "TFLITE", "TORCH", "ONNX"};
constexpr const char* k_files[k_backend_count] = {"tf", "tflite", "torch", "onnx"};
}  // namespace

std::optional<Backend> parse_backend(std::string_view name) {
    for (std::size_t i = 0; i < k_backend_count; ++i)
        if (core::iequals(name, k_names[i])) return static_cast<Backend>(i);
    return std::nullopt;
}

const char* backend_name(Backend b) {
    return k_names[static_cast<int>(b)];
}

std::string backend_file_name(Backend b) {
    return std::string("libinsitu_backend_") + k_files[static_cast<int>(b)] + ".so";
}

const insitu_backend_api* BackendRegistry::load(Backend b, const std::string& path) {
    std::lock_guard lock(mu_);
    Loaded& slot = loaded_[static_cast<int>(b)];
    if (slot.api) return slot.api;
    auto fail = [&](const std::string& why) -> const insitu_backend_api* {
        throw BackendLoadError(std::string("Could not load backend ") + backend_name(b) +
                               " from '" + path + "': " + why);
    };
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char* e = dlerror();
        return fail(e ? e : "dlopen failed");
    }
    auto entry = reinterpret_cast<insitu_backend_get_api_fn>(dlsym(h, INSITU_BACKEND_ENTRY));
    if (!entry) {
        dlclose(h);
        return fail("no " INSITU_BACKEND_ENTRY " symbol");
    }
    const insitu_backend_api* api = entry(INSITU_BACKEND_ABI_VERSION);
    if (!api || api->abi_version != INSITU_BACKEND_ABI_VERSION) {
        dlclose(h);
        return fail("plugin built for another ABI version");
    }
    if (!api->name || !core::iequals(api->name, backend_name(b))) {
        dlclose(h);
        return fail(std::string("plugin implements ") + (api->name ? api->name : "?"));
    }
    insitu_error err{};
    if (api->init &&
        api->init(settings.host, settings.inter_op_threads, settings.intra_op_threads, &err) != 0) {
        // Keep the library mapped: a failed init may have started threads inside it.
        return fail(err.message);
    }
    slot = {h, api, path};
    return api;
}

const insitu_backend_api* BackendRegistry::get(Backend b) const {
    std::lock_guard lock(mu_);
    return loaded_[static_cast<int>(b)].api;
}

const insitu_backend_api* BackendRegistry::get_or_load(Backend b, const std::string& dir) {
    if (auto* api = get(b)) return api;
    std::string p = dir;
    if (!p.empty() && p.back() != '/') p += '/';
    return load(b, p + backend_file_name(b));
}

std::string BackendRegistry::path(Backend b) const {
    std::lock_guard lock(mu_);
    return loaded_[static_cast<int>(b)].path;
}

BackendRegistry& backends() {
    static auto* r = new BackendRegistry();
    return *r;
}

std::string backend_error_text(const insitu_error& e) {
    std::string m(e.message, strnlen(e.message, sizeof e.message));
    if (m.empty()) m = "backend error";
    if (m.rfind("ERR", 0) == 0) return m;
    return "ERR " + m;
}

}  // namespace insitu::engine
