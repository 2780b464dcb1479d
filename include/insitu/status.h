// The life cycle of a launched job (SmartSim's SmartSimStatus names).
#pragma once

#include <string>

namespace insitu {

// Queued: submitted to a workload manager, waiting for resources.
enum class Status { New, Running, Completed, Failed, Cancelled, NeverStarted, Queued };

// "New", "Running", "Completed", "Failed", "Cancelled", "NeverStarted", "Queued".
std::string to_string(Status s);
// Completed, Failed or Cancelled.
inline bool is_terminal(Status s) {
    return s == Status::Completed || s == Status::Failed || s == Status::Cancelled;
}

}  // namespace insitu
