// Every AI.* command insitu registers: name, handler, flags and key positions (first, last, step)
// as Redis Cluster routes them. One row per command; the handlers live in one file per family.
#include "module/commands/command_table.h"

#include "module/commands/tensor_commands.h"

namespace insitu::module {

const std::vector<CommandSpec>& command_table() {
    static const std::vector<CommandSpec> table = {
        {"AI.TENSORSET", tensorset_command, "write deny-oom", 1, 1, 1},
        {"AI.TENSORGET", tensorget_command, "readonly", 1, 1, 1},
    };
    return table;
}

}  // namespace insitu::module
