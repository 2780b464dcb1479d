#include "engine/script.h"

#include "core/text.h"
#include "engine/model.h"

namespace insitu::engine {

std::shared_ptr<Script> Script::create(const insitu_backend_api* api, ScriptDef def) {
    if (!api->script_create) throw CommandError("ERR this backend does not support scripts");
    std::shared_ptr<Script> s(new Script());
    s->def_ = std::move(def);
    s->queue_ = core::to_upper(s->def_.device);
    s->api_ = api;
    std::vector<const char*> eps;
    for (const auto& e : s->def_.entry_points) eps.push_back(e.c_str());
    insitu_error err{};
    if (api->script_create(s->def_.source.data(), s->def_.source.size(), s->queue_.c_str(),
                           eps.data(), static_cast<int>(eps.size()), &s->handle_, &err) != 0 ||
        !s->handle_) {
        s->handle_ = nullptr;
        throw CommandError(backend_error_text(err));
    }
    return s;
}

Script::~Script() {
    if (handle_ && api_->script_free) api_->script_free(handle_);
}

bool Script::has_function(const std::string& fn) const {
    return api_->script_has_function && api_->script_has_function(handle_, fn.c_str()) != 0;
}

std::vector<Tensor> Script::run(const ScriptCall& c) const {
    std::vector<insitu_tensor_view> views;
    for (const Tensor* t : c.inputs) views.push_back(view_of(*t));
    std::vector<const char*> keys, args;
    for (const auto& k : c.keys) keys.push_back(k.c_str());
    for (const auto& a : c.args) args.push_back(a.c_str());
    std::vector<insitu_output> outs(static_cast<std::size_t>(c.n_outputs) + 1);
    int n_out = 0;
    insitu_error err{};
    if (api_->script_run(handle_, c.function.c_str(), views.data(), static_cast<int>(views.size()),
                         c.variadic_from, keys.data(), static_cast<int>(keys.size()), args.data(),
                         static_cast<int>(args.size()), outs.data(), c.n_outputs, &n_out,
                         &err) != 0) {
        throw CommandError(backend_error_text(err));
    }
    std::vector<Tensor> result;
    int written = n_out < c.n_outputs ? n_out : c.n_outputs;
    for (int i = 0; i < written; ++i) result.push_back(tensor_from_output(outs[i]));
    if (n_out != c.n_outputs)
        throw CommandError("Function returned unexpected number of outputs - " + c.function);
    return result;
}

}  // namespace insitu::engine
