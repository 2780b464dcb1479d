// Running a small job on the calling thread (the Redis main thread) instead of a run queue's.
// For a model that runs in tens of microseconds, the queue costs more than the model: blocking
// the client, waking a worker, waking the main thread again to reply (issue #18). No Redis here.
#pragma once

#include <cstdint>
#include <optional>

#include "engine/job.h"

namespace insitu::engine {

// What the job's compute ops are expected to cost, in microseconds, or nothing when the job
// must go through the queues: a script op, an op off the CPU devices, a model that auto-batches
// (BATCHSIZE gathers requests on the queue), or an op that has not run successfully before. Each
// op's recent cost is scaled up by its inputs' size against the size it was measured with, so a
// model fed a much larger batch than usual is not run inline on a stale small estimate.
std::optional<std::int64_t> inline_cost_us(const Job& job);

// Runs the whole job here when it is expected to take at most `budget_us` and its queues are
// idle (nothing already queued is overtaken). True when it ran: the ops hold their results and
// on_complete is not called.
bool run_inline_if_cheap(Job& job, std::int64_t budget_us);

}  // namespace insitu::engine
