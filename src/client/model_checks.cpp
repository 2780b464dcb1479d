#include "client/model_checks.h"

#include <insitu/errors.h>

#include "core/text.h"

namespace insitu::client {

void check_name(const std::string& name, const char* call) {
    if (name.empty()) throw ParameterException(std::string(call) + ": the name must not be empty");
}

std::string check_backend(const std::string& backend, const char* call) {
    std::string up = core::to_upper(backend);
    if (up == "TF" || up == "TFLITE" || up == "TORCH" || up == "ONNX") return up;
    throw ParameterException(std::string(call) + ": unknown backend '" + backend +
                             "' (expected TF, TFLITE, TORCH or ONNX)");
}

void check_device(const std::string& device, const char* call) {
    std::string up = core::to_upper(device);
    if (up == "CPU" || up.find("GPU") != std::string::npos) return;
    throw ParameterException(std::string(call) + ": '" + device +
                             "' is not a valid device (expected CPU, GPU or GPU:<n>)");
}

void check_batching(int batch_size, int min_batch_size, int min_batch_timeout, const char* call,
                    const Logger& log) {
    const std::string c(call);
    if (batch_size < 0 || min_batch_size < 0 || min_batch_timeout < 0)
        throw ParameterException(c +
                                 ": batch_size, min_batch_size and min_batch_timeout must "
                                 "not be negative");
    if (batch_size == 0 && (min_batch_size > 0 || min_batch_timeout > 0))
        throw ParameterException(c + ": min_batch_size and min_batch_timeout need batch_size > 0");
    if (min_batch_size == 0 && min_batch_timeout > 0)
        throw ParameterException(c + ": min_batch_timeout needs min_batch_size > 0");
    if (min_batch_size > 0 && min_batch_timeout == 0)
        log.warning(c + ": min_batch_size without min_batch_timeout: requests wait until " +
                    std::to_string(min_batch_size) + " samples are queued (or their TIMEOUT)");
}

void check_model_io(const std::string& backend, const std::vector<std::string>& inputs,
                    const std::vector<std::string>& outputs, const char* call) {
    const std::string c(call);
    if (backend == "TF") {
        if (inputs.empty() || outputs.empty())
            throw ParameterException(c +
                                     ": TF models need the names of their input and output "
                                     "nodes (inputs and outputs)");
        return;
    }
    if (!inputs.empty() || !outputs.empty())
        throw ParameterException(c + ": inputs and outputs are for TF models only, not " + backend);
}

void check_gpus(int first_gpu, int num_gpus, const char* call) {
    if (first_gpu < 0)
        throw ParameterException(std::string(call) + ": first_gpu must not be negative");
    if (num_gpus <= 0) throw ParameterException(std::string(call) + ": num_gpus must be positive");
}

std::string multigpu_model_name(const std::string& name, int offset, int first_gpu, int num_gpus,
                                const char* call) {
    check_gpus(first_gpu, num_gpus, call);
    if (offset < 0) throw ParameterException(std::string(call) + ": offset must not be negative");
    return name + ".GPU:" + std::to_string(first_gpu + offset % num_gpus);
}

}  // namespace insitu::client
