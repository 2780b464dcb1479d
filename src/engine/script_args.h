// Argument grammar of AI.SCRIPTSTORE / SCRIPTSET / SCRIPTGET / SCRIPTEXECUTE / SCRIPTRUN,
// independent of Redis. `args` excludes the command name: args[0] is the script key.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "engine/key_refs.h"
#include "engine/script.h"

namespace insitu::engine {

struct ScriptStoreArgs {
    ScriptDef def;
};
ScriptStoreArgs parse_scriptstore(std::span<const std::string_view> args);
// Legacy AI.SCRIPTSET key device [TAG t] SOURCE src (no entry points).
ScriptStoreArgs parse_scriptset(std::span<const std::string_view> args);

struct ScriptGetArgs {
    bool meta = true;
    bool source = true;
};
ScriptGetArgs parse_scriptget(std::span<const std::string_view> args);

struct ScriptRunArgs {
    std::string_view function;
    std::vector<std::string_view> keys, inputs, args, outputs;
    int variadic_from = -1;  // AI.SCRIPTRUN `$`
    std::int64_t timeout_ms = 0;
};
// AI.SCRIPTEXECUTE key fn [KEYS n..] [INPUTS n..] [ARGS n..] [OUTPUTS n..] [TIMEOUT t].
// Outside a DAG the first scope must be KEYS or INPUTS.
ScriptRunArgs parse_scriptexecute(std::span<const std::string_view> args, bool in_dag);
// Legacy AI.SCRIPTRUN key fn [TIMEOUT t] INPUTS in... [$ in...] OUTPUTS out...
ScriptRunArgs parse_scriptrun(std::span<const std::string_view> args);

// The keys of AI.SCRIPTEXECUTE / AI.SCRIPTRUN: the script, KEYS, INPUTS and OUTPUTS (ARGS are
// not keys). Lenient: never throws.
std::vector<KeyRef> scriptexecute_keys(std::span<const std::string_view> args);
std::vector<KeyRef> scriptrun_keys(std::span<const std::string_view> args);
// The same without the script key.
std::vector<std::size_t> scriptexecute_key_positions(std::span<const std::string_view> args);
std::vector<std::size_t> scriptrun_key_positions(std::span<const std::string_view> args);

}  // namespace insitu::engine
