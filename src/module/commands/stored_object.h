// What the MODEL* and SCRIPT* commands share: models and scripts are stored, deleted and listed
// the same way.
#pragma once

#include <memory>
#include <string>

#include "module/commands/wait_command.h"
#include "module/redis_api/redis_module_api.h"
#include "module/types/model_type.h"

namespace insitu::module {

// Puts a new model or script value at `key` (replacing what was there: `open` replies with the
// error for a key of another type), gives it its AI.INFO entry, replicates the command verbatim
// and replies OK.
template <class Value>
int set_stored_object(RedisModuleCtx* ctx, RedisModuleString* key_name,
                      std::unique_ptr<Value> value,
                      RedisModuleKey* (*open)(RedisModuleCtx*, RedisModuleString*, bool, Value**),
                      RedisModuleType* type) {
    Value* existing = nullptr;
    RedisModuleKey* key = open(ctx, key_name, /*write=*/true, &existing);
    if (!key) return REDISMODULE_OK;
    size_t len = 0;
    const char* name = RedisModule_StringPtrLen(key_name, &len);
    attach_stats(std::string(name, len), *value);
    RedisModule_ModuleTypeSetValue(key, type, value.release());
    RedisModule_CloseKey(key);
    notify_written(ctx, type == model_type() ? "ai.modelset" : "ai.scriptset", key_name);
    RedisModule_ReplicateVerbatim(ctx);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

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
    notify_written(ctx, "ai.del", argv[1]);
    RedisModule_ReplicateVerbatim(ctx);
    return RedisModule_ReplyWithSimpleString(ctx, "OK");
}

// [[key, tag], ...] of every stored model (models) or script (!models).
int reply_stored_objects(RedisModuleCtx* ctx, int argc, bool models);

}  // namespace insitu::module
