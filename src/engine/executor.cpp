#include "engine/executor.h"

#include <chrono>
#include <cstring>

#include "engine/errors.h"

namespace insitu::engine {
namespace {

// A window into another blob, keeping the parent alive.
class SliceBlob final : public Blob {
  public:
    SliceBlob(BlobPtr parent, std::size_t offset, std::size_t size) : parent_(std::move(parent)) {
        data_ = parent_->data() + offset;
        size_ = size;
    }

  private:
    BlobPtr parent_;
};

std::vector<const Tensor*> op_inputs(const Job& job, const JobOp& op) {
    std::vector<const Tensor*> ins;
    for (const auto& name : op.inputs) {
        const Tensor* t = job.find_tensor(name);
        if (!t) throw CommandError("ERR INPUT key cannot be found in DAG");
        ins.push_back(t);
    }
    return ins;
}

std::int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

RunStats* stats_of(const JobOp& op) {
    if (op.model) return op.model->stats.get();
    if (op.script) return op.script->stats.get();
    return nullptr;
}

void record_error(Job& job, JobOp& op, const std::string& what) {
    op.status = JobOp::Status::error;
    op.error = what;
    job.failed = true;
    if (auto* s = stats_of(op)) s->add_error();
}

std::int64_t bytes_of(const std::vector<const Tensor*>& ins) {
    std::int64_t n = 0;
    for (const Tensor* t : ins) n += static_cast<std::int64_t>(t->data().size());
    return n;
}

void finish_ok(Job& job, JobOp& op, std::vector<Tensor> outs, std::int64_t us) {
    std::int64_t samples = -1;  // scripts report -1, like RedisAI
    if (op.is_model()) samples = (!outs.empty() && !outs[0].dims.empty()) ? outs[0].dims[0] : 0;
    for (std::size_t i = 0; i < outs.size() && i < op.outputs.size(); ++i)
        job.set_tensor(op.outputs[i], std::move(outs[i]));
    op.status = JobOp::Status::ok;
    if (auto* s = stats_of(op)) s->add_run(us, op.is_model() ? samples : 0);
}

void execute_one(Job& job) {
    JobOp& op = job.ops[job.next];
    try {
        auto ins = op_inputs(job, op);
        std::int64_t t0 = now_us();
        std::vector<Tensor> outs;
        if (op.is_model()) {
            if (op.model->n_inputs() >= 0 &&
                static_cast<std::size_t>(op.model->n_inputs()) != ins.size())
                throw CommandError(
                    "Number of keys given as INPUTS here does not match model "
                    "definition");
            outs = op.model->run(ins, static_cast<int>(op.outputs.size()));
            std::int64_t bs = op.model->def().batch.batchsize > 0 ? request_batch_size(job) : 0;
            for (const auto& o : outs)
                if (bs > 0 && (o.dims.empty() || o.dims[0] != bs))
                    throw CommandError("ERR Model did not generate the expected batch size");
        } else {
            ScriptCall call;
            call.function = op.function;
            call.inputs = ins;
            call.variadic_from = op.variadic_from;
            call.keys = op.keys;
            call.args = op.args;
            call.n_outputs = static_cast<int>(op.outputs.size());
            outs = op.script->run(call);
        }
        std::int64_t us = now_us() - t0;
        if (auto* s = stats_of(op)) s->note_cost(us, bytes_of(ins));  // before outputs replace ins
        finish_ok(job, op, std::move(outs), us);
    } catch (const CommandError& e) {
        record_error(job, op, e.what());
    } catch (const std::exception& e) {
        record_error(job, op, std::string("ERR ") + e.what());
    }
}

void execute_batch(const std::vector<Job*>& jobs) {
    const JobOp& first = jobs[0]->ops[jobs[0]->next];
    const Model& model = *first.model;
    std::vector<std::int64_t> sizes;
    std::int64_t total = 0;
    for (Job* j : jobs) {
        sizes.push_back(request_batch_size(*j));
        total += sizes.back();
    }
    try {
        std::vector<Tensor> merged;
        for (std::size_t i = 0; i < first.inputs.size(); ++i) {
            std::vector<const Tensor*> parts;
            for (Job* j : jobs) parts.push_back(op_inputs(*j, j->ops[j->next])[i]);
            merged.push_back(concat_dim0(parts));
        }
        std::vector<const Tensor*> ins;
        for (const auto& t : merged) ins.push_back(&t);
        std::int64_t t0 = now_us();
        auto outs = model.run(ins, static_cast<int>(first.outputs.size()));
        std::int64_t us = now_us() - t0;
        for (const auto& o : outs)
            if (o.dims.empty() || o.dims[0] != total)
                throw CommandError("ERR Model did not generate the expected batch size");
        std::int64_t row = 0;
        for (std::size_t k = 0; k < jobs.size(); ++k) {
            std::vector<Tensor> mine;
            for (const auto& o : outs) mine.push_back(slice_dim0(o, row, sizes[k]));
            row += sizes[k];
            finish_ok(*jobs[k], jobs[k]->ops[jobs[k]->next], std::move(mine), us);
        }
    } catch (const std::exception& e) {
        std::string what =
            dynamic_cast<const CommandError*>(&e) ? e.what() : std::string("ERR ") + e.what();
        for (Job* j : jobs) record_error(*j, j->ops[j->next], what);
    }
}

}  // namespace

std::int64_t request_batch_size(const Job& job) {
    const JobOp& op = job.ops[job.next];
    std::int64_t bs = -1;
    for (const auto& name : op.inputs) {
        const Tensor* t = job.find_tensor(name);
        if (!t || t->dims.empty()) return 0;
        if (bs < 0)
            bs = t->dims[0];
        else if (bs != t->dims[0])
            return 0;
    }
    return bs < 0 ? 0 : bs;
}

bool batch_compatible(const Job& a, const Job& b) {
    const JobOp& x = a.ops[a.next];
    const JobOp& y = b.ops[b.next];
    if (!x.is_model() || !y.is_model() || x.model != y.model) return false;
    if (x.inputs.size() != y.inputs.size() || x.outputs.size() != y.outputs.size()) return false;
    if (request_batch_size(b) <= 0) return false;
    for (std::size_t i = 0; i < x.inputs.size(); ++i) {
        const Tensor* s = a.find_tensor(x.inputs[i]);
        const Tensor* t = b.find_tensor(y.inputs[i]);
        if (!s || !t || s->dtype != t->dtype || s->dims.size() != t->dims.size()) return false;
        for (std::size_t d = 1; d < s->dims.size(); ++d)
            if (s->dims[d] != t->dims[d]) return false;
    }
    return true;
}

void execute_current_op(const std::vector<Job*>& jobs) {
    if (jobs.size() == 1)
        execute_one(*jobs[0]);
    else
        execute_batch(jobs);
    for (Job* j : jobs) ++j->next;
}

Tensor concat_dim0(const std::vector<const Tensor*>& parts) {
    const Tensor& f = *parts.at(0);
    if (f.dtype == TensorType::String) throw CommandError("ERR cannot batch STRING tensors");
    Tensor out;
    out.dtype = f.dtype;
    out.dims = f.dims;
    std::size_t bytes = 0;
    std::int64_t rows = 0;
    for (const Tensor* p : parts) {
        bytes += p->data().size();
        rows += p->dims.at(0);
    }
    out.dims[0] = rows;
    auto blob = std::make_shared<HeapBlob>(bytes);
    std::size_t off = 0;
    for (const Tensor* p : parts) {
        std::memcpy(blob->mutable_data() + off, p->data().data(), p->data().size());
        off += p->data().size();
    }
    out.blob = std::move(blob);
    return out;
}

Tensor slice_dim0(const Tensor& t, std::int64_t first, std::int64_t count) {
    Tensor out;
    out.dtype = t.dtype;
    out.dims = t.dims;
    out.dims[0] = count;
    std::size_t row = t.dims[0] ? t.data().size() / static_cast<std::size_t>(t.dims[0]) : 0;
    out.blob = std::make_shared<SliceBlob>(t.blob, row * static_cast<std::size_t>(first),
                                           row * static_cast<std::size_t>(count));
    return out;
}

}  // namespace insitu::engine
