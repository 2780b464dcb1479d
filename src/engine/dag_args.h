// Argument grammar of AI.DAGEXECUTE(_RO) and the legacy AI.DAGRUN(_RO), independent of Redis:
// the prefix (LOAD / PERSIST / ROUTING / TIMEOUT) and the split into `|>` ops. Each op is then
// parsed by the grammar of its own command. `args` excludes the command name.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "engine/key_refs.h"

namespace insitu::engine {

enum class DagOpKind { tensorset, tensorget, modelexecute, scriptexecute, modelrun, scriptrun };

struct DagOpSpan {
    DagOpKind kind;
    std::size_t first = 0;  // args index of the op's command name
    std::size_t count = 0;  // arguments of the op, its command name included
};

struct DagArgs {
    std::vector<std::string_view> load, persist;
    std::optional<std::string_view> routing;
    std::int64_t timeout_ms = 0;
    std::vector<DagOpSpan> ops;
};

struct DagFlavor {
    bool legacy = false;     // AI.DAGRUN(_RO): no ROUTING, MODELRUN/SCRIPTRUN ops
    bool read_only = false;  // *_RO: no PERSIST, no scripts
};

DagArgs parse_dag(std::span<const std::string_view> args, DagFlavor flavor);

// The keys of a DAG: LOAD, PERSIST, ROUTING and the model or script of every run op (the ops'
// tensor names are DAG-local, not keys). Lenient: never throws.
std::vector<KeyRef> dag_keys(std::span<const std::string_view> args);
// LOAD, PERSIST and ROUTING only.
std::vector<std::size_t> dag_key_positions(std::span<const std::string_view> args);

// The tensor names one op reads and writes, for validate_dag_names.
struct DagOpNames {
    std::vector<std::string_view> inputs, outputs;
};
// Every op input must be LOADed or produced by an earlier op, every PERSIST key produced (or
// loaded), PERSIST keys unique.
void validate_dag_names(const DagArgs& dag, const std::vector<DagOpNames>& ops);

}  // namespace insitu::engine
