// The snapshot in Prometheus' text exposition format (version 0.0.4): every metric prefixed
// insitu_, with HELP and TYPE, labelled by db/shard, model and entity. docs/telemetry.md lists
// them.
#pragma once

#include <string>

#include "telemetry/reader.h"

namespace insitu::telemetry {

std::string prometheus_text(const Snapshot& s);

}  // namespace insitu::telemetry
