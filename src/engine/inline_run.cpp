#include "engine/inline_run.h"

#include "engine/executor.h"
#include "engine/run_queue.h"

namespace insitu::engine {
namespace {

bool on_cpu(const std::string& queue) {
    return queue.rfind("CPU", 0) == 0;
}

}  // namespace

std::optional<std::int64_t> inline_cost_us(const Job& job) {
    double total = 0;
    for (std::size_t i = job.next; i < job.ops.size(); ++i) {
        const JobOp& op = job.ops[i];
        if (!op.is_compute()) continue;
        // Scripts stay queued: their host calls (redis.execute, model_execute) take the server
        // lock, which the main thread already holds, and their cost depends on their function.
        if (!op.is_model()) return std::nullopt;
        if (!on_cpu(op.queue())) return std::nullopt;
        if (op.model->def().batch.batchsize > 0) return std::nullopt;
        const RunStats* s = op.model->stats.get();
        if (!s) return std::nullopt;
        std::int64_t us = s->recent_us.load(std::memory_order_relaxed);
        if (us < 0) return std::nullopt;
        // Inputs made by an earlier op of a DAG are not known yet: their op's estimate stands.
        std::int64_t bytes = 0;
        for (const auto& name : op.inputs)
            if (const Tensor* t = job.find_tensor(name))
                bytes += static_cast<std::int64_t>(t->data().size());
        std::int64_t usual = s->recent_input_bytes.load(std::memory_order_relaxed);
        double scale = (usual > 0 && bytes > usual) ? static_cast<double>(bytes) / usual : 1.0;
        total += static_cast<double>(us) * scale;
    }
    return static_cast<std::int64_t>(total);
}

bool run_inline_if_cheap(Job& job, std::int64_t budget_us) {
    if (budget_us <= 0) return false;
    auto cost = inline_cost_us(job);
    if (!cost || *cost > budget_us) return false;
    for (std::size_t i = job.next; i < job.ops.size(); ++i)
        if (job.ops[i].is_compute() && !run_queues().idle(job.ops[i].queue())) return false;
    job.submitted = true;
    job.enqueued = Job::Clock::now();
    while (job.advance_to_compute()) execute_current_op({&job});
    return true;
}

}  // namespace insitu::engine
