// One execution request: a DAG of ops over a job-local tensor context. AI.MODELEXECUTE and
// AI.SCRIPTEXECUTE are one-op jobs. The Redis adapter builds the job on the main thread (inputs
// already looked up), the run queues execute its compute ops on worker threads, and the adapter
// writes outputs and replies on the main thread after on_complete. No Redis here.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/dag_args.h"
#include "engine/model.h"
#include "engine/script.h"
#include "engine/tensor_args.h"

namespace insitu::engine {

struct JobOp {
    DagOpKind kind = DagOpKind::modelexecute;
    ModelPtr model;                            // modelexecute / modelrun
    ScriptPtr script;                          // scriptexecute / scriptrun
    std::vector<std::string> inputs, outputs;  // names in the job's tensor context
    // Scripts only.
    std::string function;
    std::vector<std::string> keys, args;
    int variadic_from = -1;
    // TENSORGET only: the format, and the tensor as it was at this point of the DAG (unset
    // when it was not produced because an earlier op failed).
    TensorGetArgs get_format;
    std::optional<Tensor> snapshot;

    enum class Status { pending, ok, error } status = Status::pending;
    std::string error;

    bool is_compute() const {
        return kind == DagOpKind::modelexecute || kind == DagOpKind::modelrun ||
               kind == DagOpKind::scriptexecute || kind == DagOpKind::scriptrun;
    }
    bool is_model() const { return kind == DagOpKind::modelexecute || kind == DagOpKind::modelrun; }
    // The run queue this op runs on (upper-cased device).
    const std::string& queue() const;
};

struct Job {
    using Clock = std::chrono::steady_clock;

    std::vector<JobOp> ops;
    std::unordered_map<std::string, Tensor> tensors;
    // Tensors replaced in `tensors` while running. They may share a blob with the keyspace
    // (a retained Redis string), so they are released with the job, on the main thread.
    std::vector<Tensor> replaced;
    std::int64_t timeout_ms = 0;  // 0 = none

    // Called exactly once when the job is done (from a worker, or from submit() when there is
    // nothing to run). The engine never touches the job afterwards; the callee owns it.
    std::function<void(Job&)> on_complete;

    // Execution state, owned by the run queues.
    Clock::time_point enqueued{};
    bool submitted = false;
    std::size_t next = 0;  // index of the next op to look at
    bool timed_out = false;
    bool failed = false;

    // Stores an op output, keeping any tensor it replaces alive (see `replaced`).
    void set_tensor(const std::string& name, Tensor t);
    const Tensor* find_tensor(const std::string& name) const;
    // Skips ops that need no worker (TENSORSET ran at parse time, TENSORGET is answered at
    // reply time) and every op after a failure. True when a compute op is next.
    bool advance_to_compute();
};

}  // namespace insitu::engine
