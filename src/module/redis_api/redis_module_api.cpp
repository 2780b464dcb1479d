#include "module/redis_api/redis_module_api.h"

extern "C" {
#define INSITU_DEFINE_API(ret, name, args) ret(*RedisModule_##name) args = nullptr;
INSITU_REDIS_API(INSITU_DEFINE_API)
#undef INSITU_DEFINE_API
void (*RedisModule_TrimStringAllocation)(RedisModuleString* str) = nullptr;
}

namespace insitu::module {

int init_redis_api(RedisModuleCtx* ctx, const char* name, int version) {
    // The server passes its GetApi function as the first word of the context.
    using get_api_fn = int (*)(const char*, void*);
    auto get_api = reinterpret_cast<get_api_fn>(reinterpret_cast<void**>(ctx)[0]);
    bool ok = true;
#define INSITU_RESOLVE_API(ret, name, args) \
    ok = (get_api("RedisModule_" #name, reinterpret_cast<void*>(&RedisModule_##name)) == 0) && ok;
    INSITU_REDIS_API(INSITU_RESOLVE_API)
#undef INSITU_RESOLVE_API
    if (!ok) return REDISMODULE_ERR;
    if (get_api("RedisModule_TrimStringAllocation",
                reinterpret_cast<void*>(&RedisModule_TrimStringAllocation)) != 0)
        RedisModule_TrimStringAllocation = nullptr;
    if (RedisModule_IsModuleNameBusy(name)) return REDISMODULE_ERR;
    RedisModule_SetModuleAttribs(ctx, name, version, REDISMODULE_APIVER_1);
    return REDISMODULE_OK;
}

}  // namespace insitu::module
