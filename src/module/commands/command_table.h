#pragma once

#include <cstdint>
#include <vector>

#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

struct CommandSpec {
    const char* name;
    RedisModuleCmdFunc handler;
    const char* flags;
    int first_key, last_key, key_step;
    // The key spec flags (REDISMODULE_CMD_KEY_*) of a command with one fixed key at first_key;
    // 0 for getkeys-api commands (which report flags per key) and commands without keys.
    std::uint64_t key_flags = 0;
};

const std::vector<CommandSpec>& command_table();
// False for a command a load argument turned off (`WAIT OFF`): it is not registered.
bool command_enabled(const CommandSpec& c);

}  // namespace insitu::module
