// Entry point of the insitu Redis module (module name "ai", like RedisAI): load arguments,
// data types, the command table and the INFO MODULES sections.
#include <dlfcn.h>
#include <sys/resource.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/text.h"
#include "engine/backend.h"
#include "engine/run_queue.h"
#include "engine/tensor.h"
#include "insitu/version.h"
#include "module/commands/command_table.h"
#include "module/commands/execution.h"
#include "module/commands/key_access.h"
#include "module/commands/wait_command.h"
#include "module/host_services.h"
#include "module/memory/large_allocations.h"
#include "module/module_config.h"
#include "module/redis_api/redis_module_api.h"
#include "module/shm/shm_store.h"
#include "module/types/model_type.h"
#include "module/types/tensor_type.h"

namespace insitu::module {

ModuleConfig& config() {
    static ModuleConfig c;
    return c;
}

namespace {

// RedisAI's load-time options.
constexpr std::string_view k_known_args[] = {
    "BACKENDSPATH",
    "TF",
    "TFLITE",
    "TORCH",
    "ONNX",
    "THREADS_PER_QUEUE",
    "INTER_OP_PARALLELISM",
    "INTRA_OP_PARALLELISM",
    "MODEL_CHUNK_SIZE",
    "MODEL_EXECUTION_TIMEOUT",
    "BACKEND_MEMORY_LIMIT",
    "TENSOR_ALLOC_LIMIT",     // insitu: max bytes of a tensor the server allocates (zeros/VALUES)
    "WAIT",                   // insitu: ON (default) / OFF registers AI._WAIT or not
    "LARGE_ALLOC_RETAIN_MS",  // insitu: keep freed large blocks this long (0: allocator as is)
    "SHM",                    // insitu: ON (default) / OFF: the shared-memory tensor path
    "SHM_SIZE_MB",            // insitu: arena size (default: the host's memory; sparse)
    "SHM_RETAIN_MB",          // insitu: freed arena memory kept resident (default 256)
    "INLINE_RUN_US",          // insitu: cheap CPU runs on the main thread (default 100; 0: off)
};

// Validates and applies the numeric options (RedisAI's rules: counts > 0, chunk size > 0,
// MODEL_EXECUTION_TIMEOUT >= 1000 ms, BACKEND_MEMORY_LIMIT >= 0).
bool apply_numeric_arg(RedisModuleCtx* ctx, const std::string& key, const std::string& val) {
    struct Rule {
        const char* name;
        long long min;
    };
    static const Rule rules[] = {{"THREADS_PER_QUEUE", 1},          {"INTER_OP_PARALLELISM", 1},
                                 {"INTRA_OP_PARALLELISM", 1},       {"MODEL_CHUNK_SIZE", 1},
                                 {"MODEL_EXECUTION_TIMEOUT", 1000}, {"BACKEND_MEMORY_LIMIT", 0},
                                 {"LARGE_ALLOC_RETAIN_MS", 0},      {"INLINE_RUN_US", 0}};
    for (const auto& r : rules) {
        if (key != r.name) continue;
        auto n = core::parse_ll(val);
        if (!n || *n < r.min) {
            RedisModule_Log(ctx, "warning", "insitu: %s must be an integer >= %lld (got '%s')",
                            r.name, r.min, val.c_str());
            return false;
        }
        auto& s = engine::backends().settings;
        if (key == "THREADS_PER_QUEUE") config().threads_per_queue = static_cast<int>(*n);
        if (key == "INTER_OP_PARALLELISM") s.inter_op_threads = static_cast<int>(*n);
        if (key == "INTRA_OP_PARALLELISM") s.intra_op_threads = static_cast<int>(*n);
        if (key == "MODEL_CHUNK_SIZE") config().model_chunk_size = *n;
        if (key == "MODEL_EXECUTION_TIMEOUT") s.execution_timeout_ms = *n;
        if (key == "BACKEND_MEMORY_LIMIT") s.memory_limit_mb = *n;
        if (key == "LARGE_ALLOC_RETAIN_MS") config().large_alloc_retain_ms = *n;
        if (key == "INLINE_RUN_US") config().inline_run_us = *n;
    }
    return true;
}

bool parse_load_args(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    if (argc % 2 != 0) {
        RedisModule_Log(ctx, "warning", "insitu: odd number of module arguments (%d)", argc);
        return false;
    }
    for (int i = 0; i < argc; i += 2) {
        size_t kl = 0, vl = 0;
        const char* k = RedisModule_StringPtrLen(argv[i], &kl);
        const char* v = RedisModule_StringPtrLen(argv[i + 1], &vl);
        std::string key = core::to_upper(std::string_view(k, kl));
        std::string val(v, vl);
        bool known = false;
        for (auto a : k_known_args) known = known || key == a;
        if (!known) {
            RedisModule_Log(ctx, "warning", "insitu: unknown module argument '%s'", key.c_str());
            return false;
        }
        if (key == "TENSOR_ALLOC_LIMIT") {
            auto n = core::parse_ull(val);
            if (!n || *n == 0) {
                RedisModule_Log(ctx, "warning", "insitu: TENSOR_ALLOC_LIMIT must be > 0 bytes");
                return false;
            }
            config().tensor_limits.alloc_limit = *n;
        }
        if (key == "WAIT" || key == "SHM") {
            const std::string v = core::to_upper(val);
            if (v != "ON" && v != "OFF") {
                RedisModule_Log(ctx, "warning", "insitu: %s must be ON or OFF (got '%s')",
                                key.c_str(), val.c_str());
                return false;
            }
            if (key == "WAIT") set_wait_enabled(v == "ON");
            if (key == "SHM") shm_settings().enabled = v == "ON";
        }
        if (key == "SHM_SIZE_MB" || key == "SHM_RETAIN_MB") {
            auto n = core::parse_ull(val);
            if (!n || (key == "SHM_SIZE_MB" && *n == 0) || *n > (std::uint64_t{1} << 30)) {
                RedisModule_Log(ctx, "warning", "insitu: %s must be a number of MiB (got '%s')",
                                key.c_str(), val.c_str());
                return false;
            }
            (key == "SHM_SIZE_MB" ? shm_settings().capacity : shm_settings().retain) =
                static_cast<std::size_t>(*n) << 20;
        }
        if (!apply_numeric_arg(ctx, key, val)) return false;
        if (key == "BACKENDSPATH") config().backends_path = val;
        config().load_args.emplace_back(key, val);
    }
    return true;
}

// Preloads the backends named by TF / TFLITE / TORCH / ONNX arguments, once BACKENDSPATH (in
// any position) is known; a relative path is resolved against it.
bool preload_backends(RedisModuleCtx* ctx) {
    for (const auto& [k, v] : config().load_args) {
        auto b = engine::parse_backend(k);
        if (!b) continue;
        std::string path = (!v.empty() && v[0] == '/') ? v : config().backends_path + "/" + v;
        try {
            engine::backends().load(*b, path);
            RedisModule_Log(ctx, "notice", "insitu: loaded backend %s from %s", k.c_str(),
                            path.c_str());
        } catch (const engine::BackendLoadError& e) {
            RedisModule_Log(ctx, "warning", "insitu: %s", e.what());
            return false;
        }
    }
    return true;
}

std::string default_backends_path() {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&default_backends_path), &info) && info.dli_fname) {
        std::string p = info.dli_fname;
        auto slash = p.rfind('/');
        return (slash == std::string::npos ? std::string(".") : p.substr(0, slash)) + "/backends";
    }
    return "backends";
}

void add_cpu_section(RedisModuleInfoCtx* ctx) {
    RedisModule_InfoAddSection(ctx, "cpu");
    rusage self{}, children{}, thread{};
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    getrusage(RUSAGE_THREAD, &thread);  // the info callback runs on the main thread
    auto secs = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
    RedisModule_InfoAddFieldDouble(ctx, "self_used_cpu_sys", secs(self.ru_stime));
    RedisModule_InfoAddFieldDouble(ctx, "self_used_cpu_user", secs(self.ru_utime));
    RedisModule_InfoAddFieldDouble(ctx, "children_used_cpu_sys", secs(children.ru_stime));
    RedisModule_InfoAddFieldDouble(ctx, "children_used_cpu_user", secs(children.ru_utime));
    RedisModule_InfoAddFieldDouble(ctx, "main_thread_used_cpu_sys", secs(thread.ru_stime));
    RedisModule_InfoAddFieldDouble(ctx, "main_thread_used_cpu_user", secs(thread.ru_utime));
    for (const auto& name : engine::run_queues().names()) {
        auto* q = engine::run_queues().find(name);
        if (!q) continue;
        auto cpu = q->thread_cpu_seconds();
        for (std::size_t i = 0; i < cpu.size(); ++i) {
            std::string field =
                "queue_" + name + "_bthread_n" + std::to_string(i + 1) + "_used_cpu_total";
            for (auto& c : field)
                if (c == ':') c = '_';
            RedisModule_InfoAddFieldDouble(ctx, field.c_str(), cpu[i]);
        }
    }
}

void info_callback(RedisModuleInfoCtx* ctx, int /*for_crash_report*/) {
    RedisModule_InfoAddSection(ctx, "versions");
    RedisModule_InfoAddFieldCString(ctx, "version", INSITU_VERSION_STRING);
    RedisModule_InfoAddFieldCString(ctx, "redisai_compat", "1.2.7");
    RedisModule_InfoAddFieldLongLong(ctx, "low_level_api_version", 1);
    RedisModule_InfoAddFieldLongLong(ctx, "rdb_version", 100);
    RedisModule_InfoAddFieldLongLong(ctx, "backend_abi_version", INSITU_BACKEND_ABI_VERSION);
    RedisModule_InfoAddSection(ctx, "load_time_configs");
    RedisModule_InfoAddFieldCString(ctx, "backends_path", config().backends_path.c_str());
    RedisModule_InfoAddFieldLongLong(ctx, "threads_per_queue", config().threads_per_queue);
    RedisModule_InfoAddFieldLongLong(ctx, "inter_op_parallelism",
                                     engine::backends().settings.inter_op_threads);
    RedisModule_InfoAddFieldLongLong(ctx, "intra_op_parallelism",
                                     engine::backends().settings.intra_op_threads);
    RedisModule_InfoAddFieldLongLong(ctx, "model_execution_timeout",
                                     engine::backends().settings.execution_timeout_ms);
    RedisModule_InfoAddFieldLongLong(ctx, "backend_memory_limit",
                                     engine::backends().settings.memory_limit_mb);
    RedisModule_InfoAddFieldLongLong(ctx, "model_chunk_size", config().model_chunk_size);
    RedisModule_InfoAddFieldLongLong(ctx, "inline_run_us", config().inline_run_us);
    RedisModule_InfoAddFieldLongLong(ctx, "tensor_alloc_limit",
                                     static_cast<long long>(config().tensor_limits.alloc_limit));
    for (const auto& [k, v] : config().load_args) {
        if (!engine::parse_backend(k)) continue;  // the numeric options are shown above
        std::string field = k;
        for (auto& c : field) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        RedisModule_InfoAddFieldCString(ctx, field.c_str(), v.c_str());
    }
    RedisModule_InfoAddSection(ctx, "backends_info");
    for (std::size_t i = 0; i < engine::k_backend_count; ++i) {
        auto b = static_cast<engine::Backend>(i);
        const insitu_backend_api* api = engine::backends().get(b);
        std::string field = core::to_upper(engine::backend_name(b));
        for (auto& c : field) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        RedisModule_InfoAddFieldCString(
            ctx, (field + "_version").c_str(),
            api && api->framework_version ? api->framework_version() : "not loaded");
    }
    add_cpu_section(ctx);
    RedisModule_InfoAddSection(ctx, "runs");
    RedisModule_InfoAddFieldLongLong(ctx, "inline_runs", inline_runs());
    RedisModule_InfoAddFieldLongLong(ctx, "queued_runs", queued_runs());
    RedisModule_InfoAddSection(ctx, "wait");
    RedisModule_InfoAddFieldCString(ctx, "wait_command", wait_enabled() ? "on" : "off");
    RedisModule_InfoAddFieldLongLong(ctx, "waiting_clients", waiting_clients());
    add_shm_info(ctx);
    add_large_allocations_info(ctx);
}

}  // namespace
}  // namespace insitu::module

extern "C" __attribute__((visibility("default"))) int RedisModule_OnLoad(RedisModuleCtx* ctx,
                                                                         RedisModuleString** argv,
                                                                         int argc) {
    using namespace insitu::module;
    if (init_redis_api(ctx, "ai", INSITU_VERSION_NUMBER) != REDISMODULE_OK) return REDISMODULE_ERR;
    // Tensors the module allocates count in Redis's used_memory.
    insitu::engine::set_allocator({RedisModule_Alloc, RedisModule_Calloc, RedisModule_Free});
    config().backends_path = default_backends_path();
    // Scripts reach the keyspace and other models through these (redis.execute, ...).
    insitu::engine::backends().settings.host = host_api();
    if (!parse_load_args(ctx, argv, argc)) return REDISMODULE_ERR;
    if (!preload_backends(ctx)) return REDISMODULE_ERR;
    insitu::engine::run_queues().set_threads_per_queue(config().threads_per_queue);
    insitu::engine::run_queues().ensure("CPU");
    if (register_tensor_type(ctx) != REDISMODULE_OK ||
        register_model_types(ctx) != REDISMODULE_OK) {
        RedisModule_Log(ctx, "warning", "insitu: could not register the AI data types");
        return REDISMODULE_ERR;
    }
    init_wait();
    init_shm(ctx);
    for (const auto& c : command_table()) {
        if (!command_enabled(c)) continue;
        if (RedisModule_CreateCommand(ctx, c.name, c.handler, c.flags, c.first_key, c.last_key,
                                      c.key_step) != REDISMODULE_OK) {
            RedisModule_Log(ctx, "warning", "insitu: could not register %s", c.name);
            return REDISMODULE_ERR;
        }
    }
    declare_key_specs(ctx);
    RedisModule_RegisterInfoFunc(ctx, info_callback);
    // Last, so that a load that fails leaves the allocator alone; before any tensor arrives.
    tune_large_allocations(ctx, config().large_alloc_retain_ms);
    return REDISMODULE_OK;
}
