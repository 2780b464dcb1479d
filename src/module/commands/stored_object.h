// What AI.MODELDEL / AI.SCRIPTDEL and AI._MODELSCAN / AI._SCRIPTSCAN share: models and scripts
// are deleted and listed the same way.
#pragma once

#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

// Deletes the model or script at argv[1] (replicated verbatim); `open` replies with the error
// for a wrong type, and an empty key gets `empty_error`.
template <class Value>
int delete_stored_object(RedisModuleCtx* ctx, RedisModuleString** argv, int argc,
                         RedisModuleKey* (*open)(RedisModuleCtx*, RedisModuleString*, bool,
                                                 Value**),
                         const char* empty_error) {
    if (argc != 2) return RedisModule_WrongArity(ctx);
    Value* value = nullptr;
    RedisModuleKey* key = open(ctx, argv[1], /*write=*/true, &value);
    if (!key) return REDISMODULE_OK;
    if (!value) {
        RedisModule_CloseKey(key);
        return RedisModule_ReplyWithError(ctx, empty_error);
    }
    RedisModule_DeleteKey(key);
    RedisModule_CloseKey(key);
    RedisModule_ReplicateVerbatim(ctx);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

// [[key, tag], ...] of every stored model (models) or script (!models).
int reply_stored_objects(RedisModuleCtx* ctx, int argc, bool models);

}  // namespace insitu::module
