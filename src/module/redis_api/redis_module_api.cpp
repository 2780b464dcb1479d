#include "module/redis_api/redis_module_api.h"

#include <cstdio>
#include <string>

extern "C" {
#define INSITU_DEFINE_API(ret, name, args) ret(*RedisModule_##name) args = nullptr;
INSITU_REDIS_API(INSITU_DEFINE_API)
#undef INSITU_DEFINE_API
#define INSITU_DEFINE_OPTIONAL_API(ret, name, args, since, fallback, effect) \
    ret(*RedisModule_##name) args = nullptr;
INSITU_REDIS_API_OPTIONAL(INSITU_DEFINE_OPTIONAL_API)
#undef INSITU_DEFINE_OPTIONAL_API

int insitu_reply_big_number_as_bulk(RedisModuleCtx* ctx, const char* bignum, size_t len) {
    return RedisModule_ReplyWithStringBuffer(ctx, bignum, len);
}
}

namespace insitu::module {
namespace {

std::string server_version_text() {
    if (!RedisModule_GetServerVersion)
        return "unknown (no RedisModule_GetServerVersion: older than Redis 6.0.9)";
    int v = RedisModule_GetServerVersion();
    return std::to_string((v >> 16) & 0xff) + "." + std::to_string((v >> 8) & 0xff) + "." +
           std::to_string(v & 0xff);
}

}  // namespace

int init_redis_api(RedisModuleCtx* ctx, const char* name, int version) {
    // The server passes its GetApi function as the first word of the context.
    using get_api_fn = int (*)(const char*, void*);
    auto get_api = reinterpret_cast<get_api_fn>(reinterpret_cast<void**>(ctx)[0]);
    std::string missing;
#define INSITU_RESOLVE_API(ret, name, args)                                                 \
    RedisModule_##name = nullptr;                                                           \
    if (get_api("RedisModule_" #name, reinterpret_cast<void*>(&RedisModule_##name)) != 0 || \
        !RedisModule_##name) {                                                              \
        RedisModule_##name = nullptr;                                                       \
        missing += missing.empty() ? "RedisModule_" #name : ", RedisModule_" #name;         \
    }
    INSITU_REDIS_API(INSITU_RESOLVE_API)
#undef INSITU_RESOLVE_API
    std::string fallbacks;
#define INSITU_RESOLVE_OPTIONAL_API(ret, name, args, since, fallback, effect)               \
    RedisModule_##name = nullptr;                                                           \
    if (get_api("RedisModule_" #name, reinterpret_cast<void*>(&RedisModule_##name)) != 0 || \
        !RedisModule_##name) {                                                              \
        RedisModule_##name = fallback;                                                      \
        fallbacks += fallbacks.empty() ? "" : "; ";                                         \
        fallbacks += "no RedisModule_" #name " (Redis " since "+): " effect;                \
    }
    INSITU_REDIS_API_OPTIONAL(INSITU_RESOLVE_OPTIONAL_API)
#undef INSITU_RESOLVE_OPTIONAL_API
    if (!missing.empty()) {
        // Without Log the reason still reaches the server's stderr.
        std::string msg = "insitu: the server (version " + server_version_text() +
                          ") lacks Modules API calls the module requires: " + missing +
                          " (the oldest server insitu is tested with is KeyDB 6.3.4, which has "
                          "Redis 6.2's Modules API)";
        if (RedisModule_Log)
            RedisModule_Log(ctx, "warning", "%s", msg.c_str());
        else
            std::fprintf(stderr, "%s\n", msg.c_str());
        return REDISMODULE_ERR;
    }
    if (!fallbacks.empty())
        RedisModule_Log(ctx, "notice", "insitu: server version %s: %s",
                        server_version_text().c_str(), fallbacks.c_str());
    if (RedisModule_IsModuleNameBusy(name)) {
        RedisModule_Log(ctx, "warning", "insitu: a module named '%s' is already loaded", name);
        return REDISMODULE_ERR;
    }
    RedisModule_SetModuleAttribs(ctx, name, version, REDISMODULE_APIVER_1);
    return REDISMODULE_OK;
}

}  // namespace insitu::module
