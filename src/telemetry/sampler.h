// One sample of one database shard: the INFO fields the dashboard charts and the AI.INFO run
// statistics of every model and script stored on it (listed with AI._MODELSCAN / AI._SCRIPTSCAN).
#pragma once

#include <string>

#include "launch/db/db_command.h"

namespace insitu::telemetry {

// Which shard of which database, for the record.
struct ShardTarget {
    std::string db;       // db_identifier, or "<model>-db" for a co-located database
    std::string shard;    // shard name (orchestrator_0, ...)
    std::string address;  // host:port or unix:///path
};

// The "shard" record (a JSON object, docs/telemetry.md). `session` is (re)opened as needed and
// kept for the next sample; an unreachable shard gives a record with "up": false and the reason.
std::string sample_shard(launch::DbSession& session, const ShardTarget& target,
                         const launch::DbAuth& auth, const std::string& driver, int timeout_ms);

}  // namespace insitu::telemetry
