// A database under Slurm: every shard is `srun -N1 -n1 [--nodelist=<host>] insitu run-shard ...`,
// a step in the allocation (or, with batch settings, all shards as steps of one batch job). Each
// shard binds its node's address on the Orchestrator's interface and prints it (INSITU_SHARD_INFO)
// before the server starts; the driver reads the addresses back from the shards' logs, waits for
// PONG, then forms and verifies the cluster exactly as in the local case (launch/db/cluster.h).
// Stopped by SHUTDOWN, and failing that by cancelling the step or job (deploy.h's shut_down).
#pragma once

#include <insitu/orchestrator.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "launch/db/deploy.h"
#include "launch/launchers/slurm/slurm_launcher.h"

namespace insitu::launch {

void deploy_slurm(SlurmLauncher& launcher, const Orchestrator& orc, Deployment& d,
                  const std::function<void(std::size_t, const std::string&)>& on_launch,
                  std::chrono::milliseconds timeout = std::chrono::seconds(60));

// `insitu run-shard --name N --dir D --port P --ifname IF [--cluster] [--debug]
// [--module-arg K V]...`: resolves the interface's address on this node, writes the config, prints
// "INSITU_SHARD_INFO name=<N> host=<ip> port=<P> node=<node>" and becomes the server (exec).
int run_shard(const std::vector<std::string>& args);

}  // namespace insitu::launch
