#pragma once

#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

int info_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);
int config_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);

}  // namespace insitu::module
