#pragma once

#include <vector>

#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

struct CommandSpec {
    const char* name;
    RedisModuleCmdFunc handler;
    const char* flags;
    int first_key, last_key, key_step;
};

const std::vector<CommandSpec>& command_table();

}  // namespace insitu::module
