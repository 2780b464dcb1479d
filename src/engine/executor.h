// Runs a job's compute ops through the plugins, on a worker thread: one op of one job, or one
// model op shared by several jobs (auto-batching: inputs concatenated along dim 0, outputs
// sliced back). Errors land in the op (status + text) and in the key's AI.INFO stats.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/job.h"

namespace insitu::engine {

// The op's batch size: the common dim 0 of its inputs, or 0 when it cannot be batched (rank-0
// inputs, or inputs that disagree on dim 0).
std::int64_t request_batch_size(const Job& job);
// True when `b`'s next op can share a batch with `a`'s: same model object, same input count,
// each input with the same dtype, rank and dims except dim 0.
bool batch_compatible(const Job& a, const Job& b);

// Executes the current op (jobs[i]->ops[jobs[i]->next]) of every job, as one batch when there
// are several (all model ops on the same model), then moves each job past it.
void execute_current_op(const std::vector<Job*>& jobs);

// Concatenates tensors along dim 0 (same dtype, rank, trailing dims). Throws CommandError.
Tensor concat_dim0(const std::vector<const Tensor*>& parts);
// Rows [first, first+count) of `t`, sharing its blob (no copy).
Tensor slice_dim0(const Tensor& t, std::int64_t first, std::int64_t count);

}  // namespace insitu::engine
