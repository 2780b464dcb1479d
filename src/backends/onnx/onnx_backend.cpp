// ONNX backend plugin: ONNX Runtime sessions created from the stored bytes, positional inputs and
// outputs. ai.onnx.ml operators (LinearRegressor, TreeEnsemble*) come with ORT's default build.
#include "backends/plugin_common.h"

#include <onnxruntime_cxx_api.h>

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace insitu::backends {
namespace {

int g_inter_op = 0;
int g_intra_op = 0;

// One environment per process, created on first use (ORT allows only one).
Ort::Env& env() {
    static Ort::Env e(ORT_LOGGING_LEVEL_ERROR, "insitu");
    return e;
}

ONNXTensorElementDataType to_ort_type(int dtype) {
    switch (static_cast<TensorType>(dtype)) {
        case TensorType::Float:
            return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
        case TensorType::Double:
            return ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE;
        case TensorType::Int8:
            return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8;
        case TensorType::Int16:
            return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16;
        case TensorType::Int32:
            return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32;
        case TensorType::Int64:
            return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;
        case TensorType::Uint8:
            return ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8;
        case TensorType::Uint16:
            return ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16;
        case TensorType::Uint32:
            return ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32;
        case TensorType::Uint64:
            return ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64;
        case TensorType::Float16:
            return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16;
        case TensorType::BFloat16:
            return ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16;
        case TensorType::Bool:
            return ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL;
        default:
            throw BackendError(
                format("data type %s is not supported by the ONNX backend", dtype_name(dtype)));
    }
}

int from_ort_type(ONNXTensorElementDataType t) {
    switch (t) {
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT:
            return static_cast<int>(TensorType::Float);
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE:
            return static_cast<int>(TensorType::Double);
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8:
            return static_cast<int>(TensorType::Int8);
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16:
            return static_cast<int>(TensorType::Int16);
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32:
            return static_cast<int>(TensorType::Int32);
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64:
            return static_cast<int>(TensorType::Int64);
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8:
            return static_cast<int>(TensorType::Uint8);
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16:
            return static_cast<int>(TensorType::Uint16);
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32:
            return static_cast<int>(TensorType::Uint32);
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64:
            return static_cast<int>(TensorType::Uint64);
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16:
            return static_cast<int>(TensorType::Float16);
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16:
            return static_cast<int>(TensorType::BFloat16);
        case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL:
            return static_cast<int>(TensorType::Bool);
        default:
            throw BackendError(
                format("ONNX output element type %d is not supported", static_cast<int>(t)));
    }
}

struct OnnxModel {
    std::string blob;  // MODELGET returns what was stored
    std::unique_ptr<Ort::Session> session;
    std::vector<std::string> input_names, output_names;
    std::vector<const char*> input_ptrs, output_ptrs;
    int64_t timeout_ms = 0;
    // Describes the host's input buffers; the same for every run, so made once.
    Ort::MemoryInfo cpu_memory = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
};

const char* framework_version() {
    static const std::string v = Ort::GetVersionString();
    return v.c_str();
}

int init(const insitu_host_api*, int inter_op, int intra_op, insitu_error* err) {
    return guarded(err, [&] {
        g_inter_op = inter_op;
        g_intra_op = intra_op;
        // ONNX Runtime 1.29's Linux build reports usage to Microsoft unless this is set before its
        // environment exists: it writes a device id and an event cache under $HOME/.cache, a
        // /tmp/mat-debug-<pid>.log per process, and starts an uploader thread. A database on a
        // compute node must do none of that (a shared home file system, no egress); a user who
        // wants it sets the variable to 0 (overwrite = 0 keeps their value).
        ::setenv("ORT_DISABLE_TELEMETRY", "1", 0);
        env();
    });
}

void configure_device(Ort::SessionOptions& so, const insitu_model_options* opts) {
    int gpu = -1;
    if (!parse_device(opts ? opts->device : "CPU", &gpu)) return;
    auto providers = Ort::GetAvailableProviders();
    if (std::find(providers.begin(), providers.end(), "CUDAExecutionProvider") == providers.end())
        throw BackendError("GPU requested but ONNX Runtime couldn't find CUDA");
    OrtCUDAProviderOptions cuda;
    cuda.device_id = gpu < 0 ? 0 : gpu;
    if (opts && opts->memory_limit_mb > 0)
        cuda.gpu_mem_limit = static_cast<size_t>(opts->memory_limit_mb) * 1024 * 1024;
    // Throws when the provider library (or CUDA itself) cannot be loaded: an error, not a fallback.
    so.AppendExecutionProvider_CUDA(cuda);
}

int model_create(const void* blob, size_t len, const insitu_model_options* opts, void** out,
                 insitu_error* err) {
    return guarded(err, [&] {
        *out = nullptr;
        if (!blob || len == 0) throw BackendError("ONNX model blob is empty");
        if (opts && (opts->n_inputs > 0 || opts->n_outputs > 0))
            throw BackendError("INPUTS argument should not be specified for this backend");
        auto m = std::make_unique<OnnxModel>();
        m->blob.assign(static_cast<const char*>(blob), len);
        m->timeout_ms = opts ? opts->execution_timeout_ms : 0;
        Ort::SessionOptions so;
        int inter = opts && opts->inter_op_threads > 0 ? opts->inter_op_threads : g_inter_op;
        int intra = opts && opts->intra_op_threads > 0 ? opts->intra_op_threads : g_intra_op;
        if (inter > 0) so.SetInterOpNumThreads(inter);
        if (intra > 0) so.SetIntraOpNumThreads(intra);
        // Idle pool threads sleep instead of spinning: the server shares its CPUs with the Redis
        // main thread, the clients and, co-located, the simulation itself, and a spinning thread
        // takes a CPU from them (a small model's run is over before spinning would pay off).
        so.AddConfigEntry("session.intra_op.allow_spinning", "0");
        so.AddConfigEntry("session.inter_op.allow_spinning", "0");
        configure_device(so, opts);
        m->session = std::make_unique<Ort::Session>(env(), m->blob.data(), m->blob.size(), so);
        Ort::AllocatorWithDefaultOptions alloc;
        for (size_t i = 0; i < m->session->GetInputCount(); ++i)
            m->input_names.emplace_back(m->session->GetInputNameAllocated(i, alloc).get());
        for (size_t i = 0; i < m->session->GetOutputCount(); ++i)
            m->output_names.emplace_back(m->session->GetOutputNameAllocated(i, alloc).get());
        for (auto& n : m->input_names) m->input_ptrs.push_back(n.c_str());
        for (auto& n : m->output_names) m->output_ptrs.push_back(n.c_str());
        *out = m.release();
    });
}

int model_num_inputs(void* model) {
    return static_cast<int>(static_cast<OnnxModel*>(model)->input_names.size());
}
int model_num_outputs(void* model) {
    return static_cast<int>(static_cast<OnnxModel*>(model)->output_names.size());
}

// Terminates runs that outlive their model's execution timeout. One thread for every run of the
// plugin: a run registers its deadline and unregisters when done (a mutex, no thread start: a
// thread per run cost more than the small models' own run time).
class RunDeadlines {
  public:
    struct Entry {
        Ort::RunOptions* options;
        bool fired = false;
    };
    using Handle = std::multimap<std::chrono::steady_clock::time_point, Entry>::iterator;

    static RunDeadlines& instance() {
        static RunDeadlines d;
        return d;
    }
    ~RunDeadlines() {
        {
            std::lock_guard lock(mu_);
            stopping_ = true;
        }
        cv_.notify_one();
        if (thread_.joinable()) thread_.join();
    }

    Handle add(Ort::RunOptions& ro, std::chrono::milliseconds timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        std::lock_guard lock(mu_);
        if (!thread_.joinable()) thread_ = std::thread([this] { watch(); });
        Handle h = runs_.emplace(deadline, Entry{&ro});
        // The watcher sleeps until its earliest deadline; only an earlier one must wake it.
        if (deadline < wake_at_) cv_.notify_one();
        return h;
    }
    // True if the run was terminated for its deadline.
    bool remove(Handle h) {
        std::lock_guard lock(mu_);
        bool fired = h->second.fired;
        runs_.erase(h);
        return fired;
    }

  private:
    RunDeadlines() = default;
    void watch() {
        std::unique_lock lock(mu_);
        while (!stopping_) {
            auto now = std::chrono::steady_clock::now();
            for (auto& [deadline, e] : runs_) {
                if (deadline > now) break;
                if (!e.fired) {
                    e.options->SetTerminate();
                    e.fired = true;
                }
            }
            wake_at_ = std::chrono::steady_clock::time_point::max();
            for (auto& [deadline, e] : runs_)
                if (!e.fired) {
                    wake_at_ = deadline;
                    break;
                }
            if (wake_at_ == std::chrono::steady_clock::time_point::max())
                cv_.wait(lock);
            else
                cv_.wait_until(lock, wake_at_);
        }
    }

    std::mutex mu_;
    std::condition_variable cv_;
    std::multimap<std::chrono::steady_clock::time_point, Entry> runs_;
    std::chrono::steady_clock::time_point wake_at_ = std::chrono::steady_clock::time_point::max();
    bool stopping_ = false;
    std::thread thread_;
};

// A run's registration with RunDeadlines, for the duration of Session::Run.
class Watchdog {
  public:
    Watchdog(Ort::RunOptions& ro, int64_t ms) {
        if (ms > 0) handle_ = RunDeadlines::instance().add(ro, std::chrono::milliseconds(ms));
    }
    ~Watchdog() { stop(); }
    bool stop() {
        if (handle_) {
            fired_ = RunDeadlines::instance().remove(*handle_);
            handle_.reset();
        }
        return fired_;
    }

  private:
    std::optional<RunDeadlines::Handle> handle_;
    bool fired_ = false;
};

int model_run(void* model, const insitu_tensor_view* inputs, int n_inputs, insitu_output* outputs,
              int n_outputs, insitu_error* err) {
    return guarded(err, [&] {
        auto* m = static_cast<OnnxModel*>(model);
        int expected = static_cast<int>(m->input_names.size());
        if (n_inputs != expected)
            throw BackendError(format("Expected %d inputs but got %d", expected, n_inputs));
        if (n_outputs != static_cast<int>(m->output_names.size()))
            throw BackendError("Model did not generate the expected number of outputs");
        std::vector<Ort::Value> in;
        in.reserve(static_cast<size_t>(n_inputs));
        static char empty_tensor_data;  // ORT rejects a null pointer even for zero elements
        for (int i = 0; i < n_inputs; ++i) {
            check_view(inputs[i], i);
            void* data = inputs[i].nbytes ? const_cast<void*>(inputs[i].data) : &empty_tensor_data;
            in.push_back(Ort::Value::CreateTensor(
                m->cpu_memory, data, inputs[i].nbytes, inputs[i].shape,
                static_cast<size_t>(inputs[i].ndim), to_ort_type(inputs[i].dtype)));
        }
        Ort::RunOptions ro;
        std::vector<Ort::Value> result;
        {
            Watchdog dog(ro, m->timeout_ms);
            try {
                result = m->session->Run(ro, m->input_ptrs.data(), in.data(), in.size(),
                                         m->output_ptrs.data(), m->output_ptrs.size());
            } catch (const Ort::Exception&) {
                if (dog.stop())
                    throw BackendError(
                        format("ONNX model execution exceeded the timeout of %lld ms",
                               static_cast<long long>(m->timeout_ms)));
                throw;
            }
        }
        if (static_cast<int>(result.size()) != n_outputs)
            throw BackendError("Model did not generate the expected number of outputs");
        int done = 0;
        try {
            for (; done < n_outputs; ++done) {
                Ort::Value& v = result[done];
                if (!v.IsTensor())
                    throw BackendError(
                        format("ONNX output %d is not a tensor (sequence or map outputs, "
                               "e.g. ZipMap, are not supported)",
                               done));
                auto info = v.GetTensorTypeAndShapeInfo();
                int dtype = from_ort_type(info.GetElementType());
                auto shape = info.GetShape();
                if (shape.size() > INSITU_MAX_DIMS)
                    throw BackendError("output tensor has too many dimensions");
                insitu_output& o = outputs[done];
                o = insitu_output{};
                o.dtype = dtype;
                o.ndim = static_cast<int>(shape.size());
                std::copy(shape.begin(), shape.end(), o.shape);
                o.nbytes = info.GetElementCount() * dtype_size(dtype);
                auto* owner = new Ort::Value(std::move(v));
                o.data = owner->GetTensorRawData();
                o.owner = owner;
                o.release = [](void* p) { delete static_cast<Ort::Value*>(p); };
            }
        } catch (...) {
            clear_outputs(outputs, done);
            throw;
        }
    });
}

int model_serialize(void* model, insitu_output* blob, insitu_error* err) {
    return guarded(err, [&] { set_string_output(blob, static_cast<OnnxModel*>(model)->blob); });
}

void model_free(void* model) {
    delete static_cast<OnnxModel*>(model);
}

}  // namespace
}  // namespace insitu::backends

INSITU_MODEL_BACKEND("ONNX")
