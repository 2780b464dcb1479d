#include "module/commands/stored_object.h"

#include <vector>

#include "engine/stats.h"

namespace insitu::module {

int reply_stored_objects(RedisModuleCtx* ctx, int argc, bool models) {
    if (argc != 1) return RedisModule_WrongArity(ctx);
    std::vector<engine::RunStatsPtr> found;
    for (auto& s : engine::stats_registry().all())
        if (s->is_model == models) found.push_back(s);
    RedisModule_ReplyWithArray(ctx, static_cast<long>(found.size()));
    for (const auto& s : found) {
        RedisModule_ReplyWithArray(ctx, 2);
        RedisModule_ReplyWithStringBuffer(ctx, s->key.data(), s->key.size());
        RedisModule_ReplyWithStringBuffer(ctx, s->tag.data(), s->tag.size());
    }
    return REDISMODULE_OK;
}

}  // namespace insitu::module
