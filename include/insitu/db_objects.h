// ML models and scripts attached to a Model or Ensemble (SmartSim's add_ml_model / add_script /
// add_function). The Experiment stores them into the standalone or clustered database before the
// application starts; a co-located database gets them from its start-up step (run-colocated).
#pragma once

#include <string>
#include <vector>

namespace insitu {

struct DBModel {
    std::string name;
    std::string backend;     // TORCH, ONNX, TFLITE or TF
    std::string model;       // the serialized model, or empty with model_path
    std::string model_path;  // a file, or empty with model
    std::string device = "CPU";
    int devices_per_node = 1;
    int first_device = 0;
    int batch_size = 0;
    int min_batch_size = 0;
    int min_batch_timeout = 0;
    std::string tag;
    std::vector<std::string> inputs, outputs;  // TF only
    bool operator==(const DBModel&) const = default;
};

// A TorchScript script. add_function stores one function's source the same way.
struct DBScript {
    std::string name;
    std::string script;       // the source, or empty with script_path
    std::string script_path;  // a file, or empty with script
    std::string device = "CPU";
    int devices_per_node = 1;
    int first_device = 0;
    bool operator==(const DBScript&) const = default;
};

}  // namespace insitu
