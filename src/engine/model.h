// A stored model: its definition (backend, device, tag, batching, TF node names) and the plugin's
// handle. Shared (shared_ptr) between the keyspace and the jobs that run it, so deleting the key
// while a run is queued is safe. No Redis here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/backend.h"
#include "engine/stats.h"
#include "engine/tensor.h"

namespace insitu::engine {

struct BatchOptions {
    std::int64_t batchsize = 0;
    std::int64_t minbatchsize = 0;
    std::int64_t minbatchtimeout = 0;  // ms
};

struct ModelDef {
    Backend backend = Backend::TORCH;
    std::string device;  // as given by the user
    std::string tag;
    BatchOptions batch;
    std::vector<std::string> inputs, outputs;  // TF node names
};

// Tensors the plugin returned, wrapped without copying; released from whichever thread drops
// the last reference (the ABI allows it).
class PluginBlob final : public Blob {
  public:
    explicit PluginBlob(const insitu_output& o) : owner_(o.owner), release_(o.release) {
        data_ = static_cast<const char*>(o.data);
        size_ = o.nbytes;
    }
    ~PluginBlob() override {
        if (release_) release_(owner_);
    }
    PluginBlob(const PluginBlob&) = delete;
    PluginBlob& operator=(const PluginBlob&) = delete;

  private:
    void* owner_;
    void (*release_)(void*);
};

// Converts a plugin output into a Tensor (takes ownership of the output's buffer).
Tensor tensor_from_output(const insitu_output& o);
// A borrowed view for the ABI; valid while `t` lives.
insitu_tensor_view view_of(const Tensor& t);

class Model {
  public:
    // Creates the model through the plugin. Throws CommandError with the backend's message.
    static std::shared_ptr<Model> create(const insitu_backend_api* api, ModelDef def,
                                         std::string_view blob, const BackendSettings& settings);
    ~Model();
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    const ModelDef& def() const { return def_; }
    // The run queue (device string, upper-cased).
    const std::string& queue() const { return queue_; }
    // -1 when the model does not say.
    int n_inputs() const { return n_inputs_; }
    int n_outputs() const { return n_outputs_; }
    // The backend's serialized form (MODELGET, RDB, AOF). Throws CommandError.
    std::string serialize() const;
    // Runs the model once. Thread-safe. Throws CommandError.
    std::vector<Tensor> run(const std::vector<const Tensor*>& inputs, int n_outputs) const;

    RunStatsPtr stats;  // set by the adapter when the model gets a key

  private:
    Model() = default;
    ModelDef def_;
    std::string queue_;
    const insitu_backend_api* api_ = nullptr;
    void* handle_ = nullptr;
    int n_inputs_ = -1, n_outputs_ = -1;
};
using ModelPtr = std::shared_ptr<Model>;

}  // namespace insitu::engine
