#pragma once

#include "engine/tensor_args.h"
#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

int tensorset_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);
int tensorget_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);

// Writes a tensor reply in the requested format (also used by DAG TENSORGET ops later).
void reply_tensor(RedisModuleCtx* ctx, const engine::Tensor& t, const engine::TensorGetArgs& g);

}  // namespace insitu::module
