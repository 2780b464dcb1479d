// Client-side checks of model and script arguments, done before anything is sent (the peer's
// rules, with the backend name actually validated).
#pragma once

#include <string>
#include <vector>

#include "client/logger.h"

namespace insitu::client {

// Each throws ParameterException naming `call`.
void check_name(const std::string& name, const char* call);
// Returns the canonical (upper-case) name of TF, TFLITE, TORCH or ONNX, given in any case.
std::string check_backend(const std::string& backend, const char* call);
// "CPU", or any device naming a GPU ("GPU", "GPU:1", ...), in any case.
void check_device(const std::string& device, const char* call);
// BATCHSIZE > 0 for MINBATCHSIZE, MINBATCHSIZE > 0 for MINBATCHTIMEOUT; no negatives. Logs a
// warning for MINBATCHSIZE without MINBATCHTIMEOUT (requests wait for a full batch).
void check_batching(int batch_size, int min_batch_size, int min_batch_timeout, const char* call,
                    const Logger& log);
// INPUTS/OUTPUTS: required (non-empty) for TF, forbidden otherwise.
void check_model_io(const std::string& backend, const std::vector<std::string>& inputs,
                    const std::vector<std::string>& outputs, const char* call);
void check_gpus(int first_gpu, int num_gpus, const char* call);
// "<name>.GPU:<first_gpu + offset % num_gpus>".
std::string multigpu_model_name(const std::string& name, int offset, int first_gpu, int num_gpus,
                                const char* call);

}  // namespace insitu::client
