// `insitu status`: the entity, shard and model tables of a snapshot as text.
#pragma once

#include <string>

#include "telemetry/reader.h"

namespace insitu::telemetry {

// GitHub-style tables (as Experiment::summary prints): entities, then shards, then models and
// scripts; `now` (Unix time) gives running entities their runtime.
std::string status_tables(const Snapshot& s, double now);

}  // namespace insitu::telemetry
