// Starting and stopping a standalone or clustered database deployment through a launcher.
#pragma once

#include <insitu/orchestrator.h>

#include <functional>
#include <string>
#include <vector>

#include "launch/db/server_config.h"
#include "launch/launchers/launcher.h"

namespace insitu::launch {

struct Deployment {
    std::vector<ShardSpec> shards;  // primaries, then replicas
    int primaries = 1;
    std::vector<std::string> step_ids;   // launched so far, in shard order
    std::vector<std::string> addresses;  // "ip:port" once every shard answers
};

// The shard specs for `orc` (ports, bind address of its interface, module arguments).
std::vector<ShardSpec> plan_shards(const Orchestrator& orc);
// Launches every shard, waits for each, forms and verifies the cluster (>= 3 shards). On failure
// stops what it started and throws. `on_launch(i, step_id)` records each step as it starts.
void deploy(Launcher& launcher, Deployment& d,
            const std::function<void(std::size_t, const std::string&)>& on_launch);
// SHUTDOWN NOSAVE to every shard, then the launcher's stop for any that is still there.
void shut_down(Launcher& launcher, const Deployment& d);

}  // namespace insitu::launch
