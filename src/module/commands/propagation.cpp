#include "module/commands/propagation.h"

#include "module/shm/shm_store.h"
#include "module/types/tensor_type.h"

namespace insitu::module {
namespace {

// `may_ask`: ask the server when the cache has no answer; otherwise say true (replicate).
bool replication_stream_consumed(RedisModuleCtx* ctx, bool may_ask) {
    if (RedisModule_GetContextFlags(ctx) & REDISMODULE_CTX_FLAGS_AOF) return true;
    if (auto cached = shm_cached_backlog()) return *cached;
    if (!may_ask) return true;
    // Redis drops what a command propagates when there is no AOF and no backlog; modules see
    // the backlog only through INFO, hence the cache.
    bool active = true;
    if (RedisModule_GetServerInfo && RedisModule_ServerInfoGetFieldSigned &&
        RedisModule_FreeServerInfo) {
        if (RedisModuleServerInfoData* info = RedisModule_GetServerInfo(ctx, "replication")) {
            int err = 0;
            long long v = RedisModule_ServerInfoGetFieldSigned(info, "repl_backlog_active", &err);
            RedisModule_FreeServerInfo(ctx, info);
            active = err != 0 || v != 0;
        }
    }
    shm_cache_backlog(active);
    return active;
}

}  // namespace

void propagate_tensor_write(RedisModuleCtx* ctx, RedisModuleString* key, const engine::Tensor& t) {
    // Without the events that keep the cache, asking each time costs more than copying a small
    // tensor, and less than copying a large one.
    bool may_ask = shm_backlog_cacheable() || t.data().size() >= (std::size_t{64} << 10);
    if (replication_stream_consumed(ctx, may_ask)) {
        replicate_tensorset(ctx, key, t);
        return;
    }
    // Propagated to neither AOF ("A") nor replicas ("R"): nothing is built or sent, but the
    // server counts the change, as it does for every replicated write.
    RedisModule_Replicate(ctx, "PING", "AR");
}

}  // namespace insitu::module
