// Forming a Redis Cluster out of freshly started, empty shards, and proving it works before any
// application sees its address.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "launch/db/db_command.h"

namespace insitu::launch {

// Splits the 16384 slots evenly (CLUSTER ADDSLOTSRANGE, or ADDSLOTS on servers without it), gives
// each node its own config epoch and introduces every node to the first (CLUSTER MEET).
// `auth`: the admin credentials (empty for an insecure database).
void form_cluster(const std::vector<std::string>& addresses, const DbAuth& auth = {});
// Waits until every node reports cluster_state:ok and knows every other node, then writes, reads
// back and deletes a key owned by each node, on that node. Throws naming the first node that
// fails, with what it answered.
void verify_cluster(const std::vector<std::string>& addresses, const DbAuth& auth = {},
                    std::chrono::milliseconds timeout = std::chrono::seconds(60));
// The first slot owned by node i of n (node i owns [first(i), first(i+1)) ).
int first_slot(int i, int n);

}  // namespace insitu::launch
