#pragma once

#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

int modelstore_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);
int modelset_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);
int modelget_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);
int modeldel_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);
int modelexecute_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);
int modelrun_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);
int modelscan_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);

}  // namespace insitu::module
