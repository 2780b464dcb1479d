// Starting one database shard through a launcher and waiting until it answers, with errors that
// name the shard, its port and the last lines of its log (a port in use, a bad module, a server
// binary that is not a server) within seconds rather than a hang.
#pragma once

#include <chrono>
#include <string>

#include "launch/db/server_config.h"
#include "launch/launchers/launcher.h"

namespace insitu::launch {

// Checks the ports (TCP and, for a cluster, the bus port + 10000) are free on the bind address,
// writes the config and launches `<server> <conf>` with output in <dir>/<name>.out|.err.
// Returns the step id.
std::string launch_shard(Launcher& launcher, const ShardSpec& s);
// Polls PING until +PONG. Throws (after stopping the step) if the step ends or `timeout` passes.
void wait_for_shard(Launcher& launcher, const std::string& step_id, const ShardSpec& s,
                    std::chrono::milliseconds timeout = std::chrono::seconds(30));
// The last `lines` lines of the shard's .out and .err.
std::string shard_log_tail(const ShardSpec& s, std::size_t lines = 12);
// True when a TCP listener could bind host:port now.
bool port_is_free(const std::string& host, int port);

}  // namespace insitu::launch
