#pragma once

#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

int scriptstore_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);
int scriptset_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);
int scriptget_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);
int scriptdel_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);
int scriptexecute_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);
int scriptrun_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);
int scriptscan_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc);

}  // namespace insitu::module
