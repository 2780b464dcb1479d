#include "engine/model.h"

#include "core/text.h"

namespace insitu::engine {

Tensor tensor_from_output(const insitu_output& o) {
    Tensor t;
    t.dtype = static_cast<TensorType>(o.dtype);
    int nd = o.ndim < 0 ? 0 : (o.ndim > INSITU_MAX_DIMS ? INSITU_MAX_DIMS : o.ndim);
    t.dims.assign(o.shape, o.shape + nd);
    t.blob = std::make_shared<PluginBlob>(o);
    return t;
}

insitu_tensor_view view_of(const Tensor& t) {
    insitu_tensor_view v{};
    v.dtype = static_cast<int>(t.dtype);
    v.ndim = static_cast<int>(t.dims.size());
    v.shape = t.dims.data();
    v.data = t.data().data();
    v.nbytes = t.data().size();
    return v;
}

std::shared_ptr<Model> Model::create(const insitu_backend_api* api, ModelDef def,
                                     std::string_view blob, const BackendSettings& settings) {
    std::shared_ptr<Model> m(new Model());
    m->def_ = std::move(def);
    m->queue_ = core::to_upper(m->def_.device);
    m->api_ = api;
    std::vector<const char*> ins, outs;
    for (const auto& s : m->def_.inputs) ins.push_back(s.c_str());
    for (const auto& s : m->def_.outputs) outs.push_back(s.c_str());
    insitu_model_options opts{};
    opts.device = m->queue_.c_str();
    opts.n_inputs = static_cast<int>(ins.size());
    opts.inputs = ins.data();
    opts.n_outputs = static_cast<int>(outs.size());
    opts.outputs = outs.data();
    opts.inter_op_threads = settings.inter_op_threads;
    opts.intra_op_threads = settings.intra_op_threads;
    opts.execution_timeout_ms = settings.execution_timeout_ms;
    opts.memory_limit_mb = settings.memory_limit_mb;
    insitu_error err{};
    if (api->model_create(blob.data(), blob.size(), &opts, &m->handle_, &err) != 0 || !m->handle_) {
        m->handle_ = nullptr;
        throw CommandError(backend_error_text(err));
    }
    // TF declares its counts through node names; the others say what the graph takes.
    if (m->def_.backend == Backend::TF) {
        m->n_inputs_ = static_cast<int>(m->def_.inputs.size());
        m->n_outputs_ = static_cast<int>(m->def_.outputs.size());
    } else {
        m->n_inputs_ = api->model_num_inputs ? api->model_num_inputs(m->handle_) : -1;
        m->n_outputs_ = api->model_num_outputs ? api->model_num_outputs(m->handle_) : -1;
    }
    return m;
}

Model::~Model() {
    if (handle_ && api_->model_free) api_->model_free(handle_);
}

std::string Model::serialize() const {
    insitu_output out{};
    insitu_error err{};
    if (!api_->model_serialize || api_->model_serialize(handle_, &out, &err) != 0)
        throw CommandError(backend_error_text(err));
    std::string s(static_cast<const char*>(out.data), out.nbytes);
    if (out.release) out.release(out.owner);
    return s;
}

std::vector<Tensor> Model::run(const std::vector<const Tensor*>& inputs, int n_outputs) const {
    std::vector<insitu_tensor_view> views;
    views.reserve(inputs.size());
    for (const Tensor* t : inputs) views.push_back(view_of(*t));
    std::vector<insitu_output> outs(static_cast<std::size_t>(n_outputs));
    insitu_error err{};
    if (api_->model_run(handle_, views.data(), static_cast<int>(views.size()), outs.data(),
                        n_outputs, &err) != 0) {
        throw CommandError(backend_error_text(err));
    }
    std::vector<Tensor> result;
    result.reserve(outs.size());
    for (const auto& o : outs) result.push_back(tensor_from_output(o));
    return result;
}

}  // namespace insitu::engine
