// Entry point of the insitu Redis module (module name "ai", like RedisAI): load arguments,
// data types, the command table and the INFO MODULES sections.
#include <string>
#include <string_view>

#include "core/text.h"
#include "engine/tensor.h"
#include "insitu/version.h"
#include "module/commands/command_table.h"
#include "module/module_config.h"
#include "module/redis_api/redis_module_api.h"
#include "module/types/tensor_type.h"

namespace insitu::module {

ModuleConfig& config() {
    static ModuleConfig c;
    return c;
}

namespace {

// RedisAI's load-time options. Those not used yet by this build are accepted and reported.
constexpr std::string_view k_known_args[] = {
    "BACKENDSPATH", "TF", "TFLITE", "TORCH", "ONNX", "THREADS_PER_QUEUE",
    "INTER_OP_PARALLELISM", "INTRA_OP_PARALLELISM", "MODEL_CHUNK_SIZE",
    "MODEL_EXECUTION_TIMEOUT", "BACKEND_MEMORY_LIMIT",
    "TENSOR_ALLOC_LIMIT",  // insitu: max bytes of a tensor the server allocates (zeros/VALUES)
};

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
        config().load_args.emplace_back(key, val);
    }
    return true;
}

void info_callback(RedisModuleInfoCtx* ctx, int /*for_crash_report*/) {
    RedisModule_InfoAddSection(ctx, "versions");
    RedisModule_InfoAddFieldCString(ctx, "version", INSITU_VERSION_STRING);
    RedisModule_InfoAddFieldCString(ctx, "redisai_compat", "1.2.7");
    RedisModule_InfoAddSection(ctx, "load_time_configs");
    RedisModule_InfoAddFieldLongLong(
        ctx, "tensor_alloc_limit",
        static_cast<long long>(config().tensor_limits.alloc_limit));
    for (const auto& [k, v] : config().load_args) {
        std::string field = k;
        for (auto& c : field) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        RedisModule_InfoAddFieldCString(ctx, field.c_str(), v.c_str());
    }
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
    if (!parse_load_args(ctx, argv, argc)) return REDISMODULE_ERR;
    if (register_tensor_type(ctx) != REDISMODULE_OK) {
        RedisModule_Log(ctx, "warning", "insitu: could not register the AI_TENSOR type");
        return REDISMODULE_ERR;
    }
    for (const auto& c : command_table()) {
        if (RedisModule_CreateCommand(ctx, c.name, c.handler, c.flags, c.first_key, c.last_key,
                                      c.key_step) != REDISMODULE_OK) {
            RedisModule_Log(ctx, "warning", "insitu: could not register %s", c.name);
            return REDISMODULE_ERR;
        }
    }
    RedisModule_RegisterInfoFunc(ctx, info_callback);
    return REDISMODULE_OK;
}
