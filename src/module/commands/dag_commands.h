#pragma once

#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

int dagexecute_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);
int dagexecute_ro_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);
int dagrun_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);
int dagrun_ro_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);

}  // namespace insitu::module
