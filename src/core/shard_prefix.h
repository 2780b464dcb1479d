// Per-shard key prefixes for a Redis Cluster: a short string P with no '{' or '}' such that a key
// "{P}.<name>" hashes to a chosen slot. The client keeps one copy of every model and script on
// each shard under "{P}.<name>", P chosen for the shard's lowest slot.
#pragma once

#include <string>
#include <string_view>

namespace insitu::core {

// For `slot` in 0..16383: the two bytes whose CRC16 is exactly `slot` (there is exactly one such
// pair: CRC16 over two bytes is a bijection), which is the prefix SmartRedis computes by inverting
// the CRC, so both clients name the same per-shard copies. In the few slots where that pair
// contains a brace, the shortest alphanumeric string (1 to 3 characters) hashing to the slot.
// Throws std::out_of_range for a slot outside 0..16383.
std::string shard_prefix(int slot);

// "{prefix}.name".
std::string shard_prefixed_key(const std::string& prefix, const std::string& name);

// `key` for messages and logs: bytes outside printable ASCII as \xHH (prefixes may hold NULs).
std::string printable_key(std::string_view key);

}  // namespace insitu::core
