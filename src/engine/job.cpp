#include "engine/job.h"

namespace insitu::engine {

const std::string& JobOp::queue() const {
    static const std::string none;
    if (model) return model->queue();
    if (script) return script->queue();
    return none;
}

void Job::set_tensor(const std::string& name, Tensor t) {
    auto it = tensors.find(name);
    if (it != tensors.end()) {
        replaced.push_back(std::move(it->second));
        it->second = std::move(t);
    } else {
        tensors.emplace(name, std::move(t));
    }
}

const Tensor* Job::find_tensor(const std::string& name) const {
    auto it = tensors.find(name);
    return it == tensors.end() ? nullptr : &it->second;
}

bool Job::advance_to_compute() {
    if (failed || timed_out) {
        next = ops.size();
        return false;
    }
    for (; next < ops.size() && !ops[next].is_compute(); ++next) {
        JobOp& op = ops[next];
        if (op.kind != DagOpKind::tensorget) continue;
        if (const Tensor* t = find_tensor(op.inputs.at(0))) op.snapshot = *t;
    }
    return next < ops.size();
}

}  // namespace insitu::engine
