// The AI_TENSOR Redis data type: RDB save/load (also DUMP/RESTORE), AOF rewrite, COPY,
// MEMORY USAGE and DEBUG DIGEST.
#pragma once

#include "engine/tensor.h"
#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

int register_tensor_type(RedisModuleCtx* ctx);
RedisModuleType* tensor_type();

// Opens `key` for a tensor. Returns nullptr after replying with an error (wrong type, or empty
// when `must_exist`). `*out` is the stored tensor, or nullptr for an empty key.
RedisModuleKey* open_tensor_key(RedisModuleCtx* ctx, RedisModuleString* key, int mode,
                                bool must_exist, engine::Tensor** out);

// Propagates `t` under `key` to replicas and the AOF as "AI.TENSORSET key DTYPE dims... BLOB"
// (for tensors whose own command cannot be replicated verbatim: run outputs, arena puts).
void replicate_tensorset(RedisModuleCtx* ctx, RedisModuleString* key, const engine::Tensor& t);

}  // namespace insitu::module
