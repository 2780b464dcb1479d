// C API: models and scripts.
#include "handles.h"

using namespace insitu;
using namespace insitu::capi;

namespace {

// A string list given as pointers plus lengths.
std::vector<std::string> strings(const char** p, const size_t* lengths, size_t n,
                                 const char* what) {
    std::vector<std::string> v;
    if (n == 0) return v;
    if (p == nullptr || lengths == nullptr)
        throw ParameterException(std::string(what) + " is null but its count is " +
                                 std::to_string(n));
    for (size_t i = 0; i < n; ++i)
        v.push_back(
            str(p[i], lengths[i], (std::string(what) + "[" + std::to_string(i) + "]").c_str()));
    return v;
}

}  // namespace

extern "C" {

SRError set_model(void* c_client, const char* name, size_t name_length, const char* model,
                  size_t model_length, const char* backend, size_t backend_length,
                  const char* device, size_t device_length, int batch_size, int min_batch_size,
                  int min_batch_timeout, const char* tag, size_t tag_length, const char** inputs,
                  const size_t* input_lengths, size_t n_inputs, const char** outputs,
                  const size_t* output_lengths, size_t n_outputs) {
    return guard("set_model", [&] {
        if (model == nullptr) throw ParameterException("model is null");
        client(c_client).set_model(
            str(name, name_length, "name"), std::string_view(model, model_length),
            str(backend, backend_length, "backend"), str(device, device_length, "device"),
            batch_size, min_batch_size, min_batch_timeout, str(tag, tag_length, "tag"),
            strings(inputs, input_lengths, n_inputs, "inputs"),
            strings(outputs, output_lengths, n_outputs, "outputs"));
    });
}

SRError set_model_from_file(void* c_client, const char* name, size_t name_length,
                            const char* model_file, size_t model_file_length, const char* backend,
                            size_t backend_length, const char* device, size_t device_length,
                            int batch_size, int min_batch_size, int min_batch_timeout,
                            const char* tag, size_t tag_length, const char** inputs,
                            const size_t* input_lengths, size_t n_inputs, const char** outputs,
                            const size_t* output_lengths, size_t n_outputs) {
    return guard("set_model_from_file", [&] {
        client(c_client).set_model_from_file(
            str(name, name_length, "name"), str(model_file, model_file_length, "model_file"),
            str(backend, backend_length, "backend"), str(device, device_length, "device"),
            batch_size, min_batch_size, min_batch_timeout, str(tag, tag_length, "tag"),
            strings(inputs, input_lengths, n_inputs, "inputs"),
            strings(outputs, output_lengths, n_outputs, "outputs"));
    });
}

SRError set_model_multigpu(void* c_client, const char* name, size_t name_length, const char* model,
                           size_t model_length, const char* backend, size_t backend_length,
                           int first_gpu, int num_gpus, int batch_size, int min_batch_size,
                           int min_batch_timeout, const char* tag, size_t tag_length,
                           const char** inputs, const size_t* input_lengths, size_t n_inputs,
                           const char** outputs, const size_t* output_lengths, size_t n_outputs) {
    return guard("set_model_multigpu", [&] {
        if (model == nullptr) throw ParameterException("model is null");
        client(c_client).set_model_multigpu(
            str(name, name_length, "name"), std::string_view(model, model_length),
            str(backend, backend_length, "backend"), first_gpu, num_gpus, batch_size,
            min_batch_size, min_batch_timeout, str(tag, tag_length, "tag"),
            strings(inputs, input_lengths, n_inputs, "inputs"),
            strings(outputs, output_lengths, n_outputs, "outputs"));
    });
}

SRError get_model(void* c_client, const char* name, size_t name_length, size_t* model_length,
                  const char** model) {
    return guard("get_model", [&] {
        size_t* l = out(model_length, "model_length");
        const char** m = out(model, "model");
        std::string_view v = client(c_client).get_model(str(name, name_length, "name"));
        *l = v.size();
        *m = v.data();
    });
}

SRError run_model(void* c_client, const char* name, size_t name_length, const char** inputs,
                  const size_t* input_lengths, size_t n_inputs, const char** outputs,
                  const size_t* output_lengths, size_t n_outputs) {
    return guard("run_model", [&] {
        client(c_client).run_model(str(name, name_length, "name"),
                                   strings(inputs, input_lengths, n_inputs, "inputs"),
                                   strings(outputs, output_lengths, n_outputs, "outputs"));
    });
}

SRError run_model_inline(void* c_client, const char* name, size_t name_length,
                         const void* const* inputs, const size_t* const* input_dims,
                         const size_t* input_n_dims, const SRTensorType* input_types,
                         size_t n_inputs, void* const* outputs, const size_t* const* output_dims,
                         const size_t* output_n_dims, const SRTensorType* output_types,
                         size_t n_outputs, SRMemoryLayout mem_layout) {
    return guard("run_model_inline", [&] {
        auto need = [](const void* p, size_t n, const char* what) {
            if (n > 0 && p == nullptr)
                throw ParameterException(std::string(what) + " is null but its count is " +
                                         std::to_string(n));
        };
        need(inputs, n_inputs, "inputs");
        need(input_dims, n_inputs, "input_dims");
        need(input_n_dims, n_inputs, "input_n_dims");
        need(input_types, n_inputs, "input_types");
        need(outputs, n_outputs, "outputs");
        need(output_dims, n_outputs, "output_dims");
        need(output_n_dims, n_outputs, "output_n_dims");
        need(output_types, n_outputs, "output_types");
        auto shape = [&](const size_t* dims, size_t n, const char* what, size_t i) {
            if (n > 0 && dims == nullptr)
                throw ParameterException(std::string(what) + "[" + std::to_string(i) + "] is null");
            return std::vector<std::size_t>(dims, dims + n);
        };
        const auto layout = static_cast<MemoryLayout>(mem_layout);
        std::vector<InputTensor> ins;
        for (size_t i = 0; i < n_inputs; ++i)
            ins.push_back({inputs[i], shape(input_dims[i], input_n_dims[i], "input_dims", i),
                           static_cast<TensorType>(input_types[i]), layout});
        std::vector<OutputTensor> outs;
        for (size_t i = 0; i < n_outputs; ++i)
            outs.push_back({outputs[i], shape(output_dims[i], output_n_dims[i], "output_dims", i),
                            static_cast<TensorType>(output_types[i]), layout});
        client(c_client).run_model(str(name, name_length, "name"), ins, outs);
    });
}

SRError run_model_multigpu(void* c_client, const char* name, size_t name_length,
                           const char** inputs, const size_t* input_lengths, size_t n_inputs,
                           const char** outputs, const size_t* output_lengths, size_t n_outputs,
                           int offset, int first_gpu, int num_gpus) {
    return guard("run_model_multigpu", [&] {
        client(c_client).run_model_multigpu(
            str(name, name_length, "name"), strings(inputs, input_lengths, n_inputs, "inputs"),
            strings(outputs, output_lengths, n_outputs, "outputs"), offset, first_gpu, num_gpus);
    });
}

SRError delete_model(void* c_client, const char* name, size_t name_length) {
    return guard("delete_model",
                 [&] { client(c_client).delete_model(str(name, name_length, "name")); });
}

SRError delete_model_multigpu(void* c_client, const char* name, size_t name_length, int first_gpu,
                              int num_gpus) {
    return guard("delete_model_multigpu", [&] {
        client(c_client).delete_model_multigpu(str(name, name_length, "name"), first_gpu, num_gpus);
    });
}

SRError model_exists(void* c_client, const char* name, size_t name_length, bool* exists) {
    return guard("model_exists", [&] {
        bool* o = out(exists, "exists");
        *o = client(c_client).model_exists(str(name, name_length, "name"));
    });
}

SRError poll_model(void* c_client, const char* name, size_t name_length, int poll_frequency_ms,
                   int num_tries, bool* exists) {
    return guard("poll_model", [&] {
        bool* o = out(exists, "exists");
        *o = client(c_client).poll_model(str(name, name_length, "name"), poll_frequency_ms,
                                         num_tries);
    });
}

SRError set_model_chunk_size(void* c_client, int chunk_size) {
    return guard("set_model_chunk_size",
                 [&] { client(c_client).set_model_chunk_size(chunk_size); });
}

SRError set_script(void* c_client, const char* name, size_t name_length, const char* device,
                   size_t device_length, const char* script, size_t script_length) {
    return guard("set_script", [&] {
        client(c_client).set_script(str(name, name_length, "name"),
                                    str(device, device_length, "device"),
                                    str(script, script_length, "script"));
    });
}

SRError set_script_from_file(void* c_client, const char* name, size_t name_length,
                             const char* device, size_t device_length, const char* script_file,
                             size_t script_file_length) {
    return guard("set_script_from_file", [&] {
        client(c_client).set_script_from_file(str(name, name_length, "name"),
                                              str(device, device_length, "device"),
                                              str(script_file, script_file_length, "script_file"));
    });
}

SRError set_script_multigpu(void* c_client, const char* name, size_t name_length,
                            const char* script, size_t script_length, int first_gpu, int num_gpus) {
    return guard("set_script_multigpu", [&] {
        client(c_client).set_script_multigpu(str(name, name_length, "name"),
                                             str(script, script_length, "script"), first_gpu,
                                             num_gpus);
    });
}

SRError get_script(void* c_client, const char* name, size_t name_length, const char** script,
                   size_t* script_length) {
    return guard("get_script", [&] {
        const char** s = out(script, "script");
        size_t* l = out(script_length, "script_length");
        std::string_view v = client(c_client).get_script(str(name, name_length, "name"));
        *s = v.data();
        *l = v.size();
    });
}

SRError run_script(void* c_client, const char* name, size_t name_length, const char* function,
                   size_t function_length, const char** inputs, const size_t* input_lengths,
                   size_t n_inputs, const char** outputs, const size_t* output_lengths,
                   size_t n_outputs) {
    return guard("run_script", [&] {
        client(c_client).run_script(str(name, name_length, "name"),
                                    str(function, function_length, "function"),
                                    strings(inputs, input_lengths, n_inputs, "inputs"),
                                    strings(outputs, output_lengths, n_outputs, "outputs"));
    });
}

SRError run_script_multigpu(void* c_client, const char* name, size_t name_length,
                            const char* function, size_t function_length, const char** inputs,
                            const size_t* input_lengths, size_t n_inputs, const char** outputs,
                            const size_t* output_lengths, size_t n_outputs, int offset,
                            int first_gpu, int num_gpus) {
    return guard("run_script_multigpu", [&] {
        client(c_client).run_script_multigpu(
            str(name, name_length, "name"), str(function, function_length, "function"),
            strings(inputs, input_lengths, n_inputs, "inputs"),
            strings(outputs, output_lengths, n_outputs, "outputs"), offset, first_gpu, num_gpus);
    });
}

SRError delete_script(void* c_client, const char* name, size_t name_length) {
    return guard("delete_script",
                 [&] { client(c_client).delete_script(str(name, name_length, "name")); });
}

SRError delete_script_multigpu(void* c_client, const char* name, size_t name_length, int first_gpu,
                               int num_gpus) {
    return guard("delete_script_multigpu", [&] {
        client(c_client).delete_script_multigpu(str(name, name_length, "name"), first_gpu,
                                                num_gpus);
    });
}

}  // extern "C"
