// Every AI.* command insitu registers: name, handler, flags and key positions (first, last, step)
// as Redis Cluster routes them. One row per command; the handlers live in one file per family.
// getkeys-api commands report their keys themselves (the model/script and every tensor, see
// key_access.h); the others declare their one key with read/write flags (declare_key_specs).
#include "module/commands/command_table.h"

#include "module/commands/dag_commands.h"
#include "module/commands/info_config_commands.h"
#include "module/commands/model_commands.h"
#include "module/commands/script_commands.h"
#include "module/commands/shm_commands.h"
#include "module/commands/tensor_commands.h"
#include "module/commands/wait_command.h"

namespace insitu::module {
namespace {
constexpr std::uint64_t k_reads = REDISMODULE_CMD_KEY_RO | REDISMODULE_CMD_KEY_ACCESS;
constexpr std::uint64_t k_overwrites = REDISMODULE_CMD_KEY_OW | REDISMODULE_CMD_KEY_UPDATE;
constexpr std::uint64_t k_deletes = REDISMODULE_CMD_KEY_RM | REDISMODULE_CMD_KEY_DELETE;
}  // namespace

const std::vector<CommandSpec>& command_table() {
    static const std::vector<CommandSpec> table = {
        {"AI.TENSORSET", tensorset_command, "write deny-oom", 1, 1, 1, k_overwrites},
        {"AI.TENSORGET", tensorget_command, "readonly", 1, 1, 1, k_reads},
        {"AI.MODELSTORE", modelstore_command, "write deny-oom", 1, 1, 1, k_overwrites},
        {"AI.MODELSET", modelset_command, "write deny-oom", 1, 1, 1, k_overwrites},
        {"AI.MODELGET", modelget_command, "readonly", 1, 1, 1, k_reads},
        {"AI.MODELDEL", modeldel_command, "write", 1, 1, 1, k_deletes},
        {"AI.MODELEXECUTE", modelexecute_command, "write deny-oom getkeys-api", 4, 4, 1},
        {"AI.MODELRUN", modelrun_command, "write deny-oom getkeys-api", 1, 1, 1},
        {"AI._MODELSCAN", modelscan_command, "readonly", 0, 0, 0},
        {"AI.SCRIPTSTORE", scriptstore_command, "write deny-oom", 1, 1, 1, k_overwrites},
        {"AI.SCRIPTSET", scriptset_command, "write deny-oom", 1, 1, 1, k_overwrites},
        {"AI.SCRIPTGET", scriptget_command, "readonly", 1, 1, 1, k_reads},
        {"AI.SCRIPTDEL", scriptdel_command, "write", 1, 1, 1, k_deletes},
        {"AI.SCRIPTEXECUTE", scriptexecute_command, "write deny-oom getkeys-api", 5, 5, 1},
        {"AI.SCRIPTRUN", scriptrun_command, "write deny-oom getkeys-api", 1, 1, 1},
        {"AI._SCRIPTSCAN", scriptscan_command, "readonly", 0, 0, 0},
        {"AI.DAGEXECUTE", dagexecute_command, "write deny-oom getkeys-api", 3, 3, 1},
        {"AI.DAGEXECUTE_RO", dagexecute_ro_command, "readonly getkeys-api", 3, 3, 1},
        {"AI.DAGRUN", dagrun_command, "write deny-oom getkeys-api", 3, 3, 1},
        {"AI.DAGRUN_RO", dagrun_ro_command, "readonly getkeys-api", 3, 3, 1},
        {"AI.INFO", info_command, "readonly", 1, 1, 1, k_reads},
        {"AI.CONFIG", config_command, "write", 0, 0, 0},
        // insitu's extension: blocks until a condition on the key holds (wait_command.h).
        {"AI._WAIT", wait_command, "readonly", 1, 1, 1, k_reads},
        // insitu's shared-memory path for clients on the server's host (shm_commands.h).
        {"AI._SHM", shm_hello_command, "readonly fast", 0, 0, 0},
        {"AI._SHMALLOC", shm_alloc_command, "write deny-oom", 0, 0, 0},
    };
    return table;
}

bool command_enabled(const CommandSpec& c) {
    return c.handler != wait_command || wait_enabled();
}

}  // namespace insitu::module
