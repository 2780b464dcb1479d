// TF backend plugin: frozen TensorFlow GraphDefs executed by OpenCV's DNN TensorFlow importer
// (no libtensorflow is installable on the target platform). Feeds and fetches are by node name,
// as in RedisAI; the importer covers the common dense/conv/activation ops, and a graph it cannot
// import is rejected at model_create with the importer's reason.
#include "backends/plugin_common.h"

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace insitu::backends {
namespace {

// cv::Exception::what() embeds the source path and line; `err` is the message itself.
template <class Body>
int cv_guarded(insitu_error* err, Body&& body) noexcept {
    try {
        body();
        return 0;
    } catch (const cv::Exception& e) {
        set_error(err, "TF (OpenCV DNN): " + e.err);
    } catch (const std::exception& e) {
        set_error(err, e.what());
    } catch (...) {
        set_error(err, "unknown exception in TF backend");
    }
    return 1;
}

struct TfModel {
    std::string blob;
    cv::dnn::Net net;
    std::vector<std::string> inputs, outputs;
    std::mutex mu;  // cv::dnn::Net keeps per-run state: one forward at a time
};

// RedisAI users name nodes ("out") or tensors ("out:0"); OpenCV knows nodes.
std::string node_name(const char* name) {
    std::string n = name ? name : "";
    if (n.size() > 2 && n.compare(n.size() - 2, 2, ":0") == 0) n.resize(n.size() - 2);
    return n;
}

const char* framework_version() {
    static const std::string v = "OpenCV-DNN " + std::string(CV_VERSION);
    return v.c_str();
}

int init(const insitu_host_api*, int, int intra_op, insitu_error* err) {
    return cv_guarded(err, [&] {
        cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR);
        if (intra_op > 0) cv::setNumThreads(intra_op);
    });
}

int model_create(const void* blob, size_t len, const insitu_model_options* opts, void** out,
                 insitu_error* err) {
    return cv_guarded(err, [&] {
        *out = nullptr;
        int gpu = -1;
        if (parse_device(opts ? opts->device : "CPU", &gpu))
            throw BackendError(
                "GPU requested but the TF backend (OpenCV DNN) supports only the CPU");
        if (!opts || opts->n_inputs <= 0) throw BackendError("INPUTS not specified for TF");
        if (opts->n_outputs <= 0) throw BackendError("OUTPUTS not specified for TF");
        if (!blob || len == 0) throw BackendError("TF model blob is empty");
        auto m = std::make_unique<TfModel>();
        m->blob.assign(static_cast<const char*>(blob), len);
        m->net = cv::dnn::readNetFromTensorflow(m->blob.data(), m->blob.size());
        if (m->net.empty()) throw BackendError("TF graph could not be imported");
        m->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
        m->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
        // Layers are instantiated lazily, so an op OpenCV does not implement would only fail at the
        // first run: instantiate every layer now to reject such graphs at store time.
        for (const auto& name : m->net.getLayerNames()) m->net.getLayer(name);
        // Layer 0 is the network's input layer; its outputs are the graph's Placeholders.
        cv::Ptr<cv::dnn::Layer> input_layer = m->net.getLayer(0);
        for (int i = 0; i < opts->n_inputs; ++i) {
            std::string n = node_name(opts->inputs[i]);
            if (n.empty() || input_layer->outputNameToIndex(n) < 0)
                throw BackendError("Input node named \"" + n + "\" not found in TF graph.");
            m->inputs.push_back(std::move(n));
        }
        for (int i = 0; i < opts->n_outputs; ++i) {
            std::string n = node_name(opts->outputs[i]);
            if (n.empty() || m->net.getLayerId(n) < 0)
                throw BackendError("Output node named \"" + n + "\" not found in TF graph.");
            m->outputs.push_back(std::move(n));
        }
        *out = m.release();
    });
}

int model_num_inputs(void* model) {
    return static_cast<int>(static_cast<TfModel*>(model)->inputs.size());
}
int model_num_outputs(void* model) {
    return static_cast<int>(static_cast<TfModel*>(model)->outputs.size());
}

int model_run(void* model, const insitu_tensor_view* inputs, int n_inputs, insitu_output* outputs,
              int n_outputs, insitu_error* err) {
    return cv_guarded(err, [&] {
        auto* m = static_cast<TfModel*>(model);
        int expected = static_cast<int>(m->inputs.size());
        if (n_inputs != expected)
            throw BackendError(format("Expected %d inputs but got %d", expected, n_inputs));
        if (n_outputs != static_cast<int>(m->outputs.size()))
            throw BackendError("Model did not generate the expected number of outputs");
        std::vector<cv::Mat> blobs;
        for (int i = 0; i < n_inputs; ++i) {
            check_view(inputs[i], i);
            if (inputs[i].dtype != static_cast<int>(TensorType::Float))
                throw BackendError(
                    format("input %d: the TF backend (OpenCV DNN) takes FLOAT tensors, not %s", i,
                           dtype_name(inputs[i].dtype)));
            std::vector<int> sizes;
            for (int d = 0; d < inputs[i].ndim; ++d) {
                if (inputs[i].shape[d] > INT32_MAX) throw BackendError("input dimension too large");
                sizes.push_back(static_cast<int>(inputs[i].shape[d]));
            }
            if (sizes.empty()) sizes.push_back(1);  // a scalar is a 1-element blob
            // Copy: the net keeps its input blobs after the call, the host's view does not live on.
            blobs.push_back(cv::Mat(static_cast<int>(sizes.size()), sizes.data(), CV_32F,
                                    const_cast<void*>(inputs[i].data))
                                .clone());
        }
        std::vector<cv::Mat> results;
        {
            std::lock_guard lock(m->mu);
            for (int i = 0; i < n_inputs; ++i) m->net.setInput(blobs[i], m->inputs[i]);
            std::vector<cv::String> names(m->outputs.begin(), m->outputs.end());
            m->net.forward(results, names);
            // forward() returns views of the net's internal buffers: detach them before unlocking.
            for (auto& r : results) r = r.clone();
        }
        if (static_cast<int>(results.size()) != n_outputs)
            throw BackendError("Model did not generate the expected number of outputs");
        int done = 0;
        try {
            for (; done < n_outputs; ++done) {
                cv::Mat& r = results[done];
                if (r.depth() != CV_32F || r.channels() != 1)
                    throw BackendError(
                        format("TF output %d has an unsupported element type", done));
                if (r.dims > INSITU_MAX_DIMS)
                    throw BackendError("output tensor has too many dimensions");
                auto* owner = new cv::Mat(r);
                insitu_output& o = outputs[done];
                o = insitu_output{};
                o.dtype = static_cast<int>(TensorType::Float);
                o.ndim = owner->dims;
                for (int d = 0; d < owner->dims; ++d) o.shape[d] = owner->size[d];
                o.data = owner->data;
                o.nbytes = owner->total() * owner->elemSize();
                o.owner = owner;
                o.release = [](void* p) { delete static_cast<cv::Mat*>(p); };
            }
        } catch (...) {
            clear_outputs(outputs, done);
            throw;
        }
    });
}

int model_serialize(void* model, insitu_output* blob, insitu_error* err) {
    return cv_guarded(err, [&] { set_string_output(blob, static_cast<TfModel*>(model)->blob); });
}

void model_free(void* model) {
    delete static_cast<TfModel*>(model);
}

}  // namespace
}  // namespace insitu::backends

INSITU_MODEL_BACKEND("TF")
