// Forming a Redis Cluster out of freshly started, empty shards, and proving it works before any
// application sees its address.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "launch/db/db_command.h"

namespace insitu::launch {

// Splits the 16384 slots evenly over the first `primaries` nodes (CLUSTER ADDSLOTSRANGE, or
// ADDSLOTS on servers without it), gives each its own config epoch and introduces every node to
// the first (CLUSTER MEET). Node primaries + k becomes a replica of node k % primaries (CLUSTER
// REPLICATE, once it knows that node). `auth`: the admin credentials (empty when insecure).
void form_cluster(const std::vector<std::string>& addresses, int primaries,
                  const DbAuth& auth = {});
// Waits until every node reports cluster_state:ok and knows every other node, every replica's
// link to its primary is up, then writes, reads back and deletes a key owned by each primary, on
// that primary. Throws naming the first node that fails, with what it answered.
void verify_cluster(const std::vector<std::string>& addresses, int primaries,
                    const DbAuth& auth = {},
                    std::chrono::milliseconds timeout = std::chrono::seconds(60));
// The node id a node reports for itself (CLUSTER MYID).
std::string node_id(const std::string& address, const DbAuth& auth);

// One range of the slot map: slots [first, last] and the "host:port" of the primary serving them.
struct SlotRange {
    long long first = 0, last = 0;
    std::string primary;
};
// The slot map as the node at `address` sees it (CLUSTER SLOTS); nullopt when it does not answer
// or answers an error.
std::optional<std::vector<SlotRange>> slot_map(const std::string& address, const DbAuth& auth,
                                               int timeout_ms = 2000);
// The first slot owned by node i of n (node i owns [first(i), first(i+1)) ).
int first_slot(int i, int n);

}  // namespace insitu::launch
