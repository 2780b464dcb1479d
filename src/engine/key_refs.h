// The keys an execution command (AI.MODELEXECUTE, AI.SCRIPTEXECUTE, their legacy forms, DAGs)
// names, with what the command does to each, for the module to report to Redis (ACL key
// patterns, Redis Cluster routing, COMMAND GETKEYS). Positions index `args`, which excludes the
// command name.
#pragma once

#include <cstddef>
#include <vector>

namespace insitu::engine {

enum class KeyRole {
    input,    // a tensor read from the keyspace (INPUTS, DAG LOAD)
    output,   // a tensor written (OUTPUTS, DAG PERSIST)
    keys,     // AI.SCRIPTEXECUTE KEYS: the script may read and write them
    object,   // the model or script run
    routing,  // DAG ROUTING: places the DAG, never read or written
};

struct KeyRef {
    std::size_t pos;
    KeyRole role;
    bool operator==(const KeyRef&) const = default;
};

// The positions of the keys that are not `object`s, in order.
std::vector<std::size_t> tensor_key_positions(const std::vector<KeyRef>& keys);

}  // namespace insitu::engine
