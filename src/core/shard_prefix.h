// Per-shard key prefixes for a Redis Cluster: a short string P with no '{' or '}' such that a key
// "{P}.<name>" hashes to a chosen slot. The client keeps one copy of every model and script on
// each shard under "{P}.<name>", P chosen for the shard's lowest slot (the peer's scheme, so
// SmartRedis clients find the same keys).
#pragma once

#include <string>

namespace insitu::core {

// The shortest prefix (1 to 3 characters, alphanumeric when possible, so that keys stay readable
// in logs) whose CRC16 maps to `slot`, found by inverse search; deterministic. Throws
// std::out_of_range when `slot` is not in 0..16383.
std::string shard_prefix(int slot);

// "{prefix}.name".
std::string shard_prefixed_key(const std::string& prefix, const std::string& name);

}  // namespace insitu::core
