// TFLITE backend plugin: the TensorFlow Lite C API, CPU only. One interpreter per model, guarded
// by a mutex (a TfLiteInterpreter is not re-entrant; its tensors are reused between runs).
#include "backends/plugin_common.h"

#include <tensorflow/lite/c/c_api.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace insitu::backends {
namespace {

int g_threads = 0;

int from_tflite_type(TfLiteType t) {
    switch (t) {
        case kTfLiteFloat32:
            return static_cast<int>(TensorType::Float);
        case kTfLiteFloat64:
            return static_cast<int>(TensorType::Double);
        case kTfLiteInt8:
            return static_cast<int>(TensorType::Int8);
        case kTfLiteInt16:
            return static_cast<int>(TensorType::Int16);
        case kTfLiteInt32:
            return static_cast<int>(TensorType::Int32);
        case kTfLiteInt64:
            return static_cast<int>(TensorType::Int64);
        case kTfLiteUInt8:
            return static_cast<int>(TensorType::Uint8);
        case kTfLiteUInt32:
            return static_cast<int>(TensorType::Uint32);
        case kTfLiteUInt64:
            return static_cast<int>(TensorType::Uint64);
        case kTfLiteFloat16:
            return static_cast<int>(TensorType::Float16);
        case kTfLiteBool:
            return static_cast<int>(TensorType::Bool);
        default:
            return static_cast<int>(TensorType::Invalid);
    }
}

struct TfliteModel {
    std::string blob;  // TfLiteModelCreate does not copy: the bytes must outlive the model
    TfLiteModel* model = nullptr;
    TfLiteInterpreter* interp = nullptr;
    std::mutex mu;
    std::string last_error;  // filled by the interpreter's error reporter, under `mu`

    ~TfliteModel() {
        if (interp) TfLiteInterpreterDelete(interp);
        if (model) TfLiteModelDelete(model);
    }
    [[noreturn]] void fail(const std::string& what) {
        std::string msg = what;
        if (!last_error.empty()) msg += ": " + last_error;
        last_error.clear();
        throw BackendError(msg);
    }
};

void report(void* user_data, const char* fmt, va_list args) {
    char buf[512];
    std::vsnprintf(buf, sizeof buf, fmt, args);
    auto* m = static_cast<TfliteModel*>(user_data);
    if (!m->last_error.empty()) m->last_error += "; ";
    if (m->last_error.size() < 800) m->last_error += buf;
}

const char* framework_version() {
    return TfLiteVersion();
}

int init(const insitu_host_api*, int, int intra_op, insitu_error* err) {
    return guarded(err, [&] { g_threads = intra_op; });
}

int model_create(const void* blob, size_t len, const insitu_model_options* opts, void** out,
                 insitu_error* err) {
    return guarded(err, [&] {
        *out = nullptr;
        int gpu = -1;
        if (parse_device(opts ? opts->device : "CPU", &gpu))
            throw BackendError("GPU requested but the TFLITE backend supports only the CPU");
        if (opts && (opts->n_inputs > 0 || opts->n_outputs > 0))
            throw BackendError("INPUTS argument should not be specified for this backend");
        if (!blob || len == 0) throw BackendError("TFLITE model blob is empty");
        auto m = std::make_unique<TfliteModel>();
        m->blob.assign(static_cast<const char*>(blob), len);
        // TfLiteModelCreate verifies the flatbuffer before using it.
        m->model = TfLiteModelCreate(m->blob.data(), m->blob.size());
        if (!m->model)
            throw BackendError("TFLITE could not parse the model (not a valid .tflite flatbuffer)");
        TfLiteInterpreterOptions* io = TfLiteInterpreterOptionsCreate();
        int threads = opts && opts->intra_op_threads > 0 ? opts->intra_op_threads : g_threads;
        if (threads > 0) TfLiteInterpreterOptionsSetNumThreads(io, threads);
        TfLiteInterpreterOptionsSetErrorReporter(io, report, m.get());
        m->interp = TfLiteInterpreterCreate(m->model, io);
        TfLiteInterpreterOptionsDelete(io);
        if (!m->interp) m->fail("TFLITE could not create an interpreter for the model");
        if (TfLiteInterpreterAllocateTensors(m->interp) != kTfLiteOk)
            m->fail("TFLITE could not allocate the model's tensors");
        *out = m.release();
    });
}

int model_num_inputs(void* model) {
    return TfLiteInterpreterGetInputTensorCount(static_cast<TfliteModel*>(model)->interp);
}
int model_num_outputs(void* model) {
    return TfLiteInterpreterGetOutputTensorCount(static_cast<TfliteModel*>(model)->interp);
}

std::string shape_text(const TfLiteTensor* t) {
    std::string s = "[";
    for (int d = 0; d < TfLiteTensorNumDims(t); ++d)
        s += (d ? "," : "") + std::to_string(TfLiteTensorDim(t, d));
    return s + "]";
}

// Only the batch dimension may differ from the model's declared input shape: TFLite kernels do
// not all re-check the other dimensions after a resize (FULLY_CONNECTED happily reshapes).
void check_input_shape(const TfLiteTensor* t, const insitu_tensor_view& v, int index) {
    bool ok = TfLiteTensorNumDims(t) == v.ndim;
    for (int d = 1; ok && d < v.ndim; ++d) ok = TfLiteTensorDim(t, d) == v.shape[d];
    if (!ok)
        throw BackendError(
            format("input %d has a shape incompatible with the model's %s (only the "
                   "first dimension may vary)",
                   index, shape_text(t).c_str()));
}

bool same_shape(const TfLiteTensor* t, const insitu_tensor_view& v) {
    if (TfLiteTensorNumDims(t) != v.ndim) return false;
    for (int d = 0; d < v.ndim; ++d)
        if (TfLiteTensorDim(t, d) != v.shape[d]) return false;
    return true;
}

int model_run(void* model, const insitu_tensor_view* inputs, int n_inputs, insitu_output* outputs,
              int n_outputs, insitu_error* err) {
    return guarded(err, [&] {
        auto* m = static_cast<TfliteModel*>(model);
        std::lock_guard lock(m->mu);
        m->last_error.clear();
        int expected = TfLiteInterpreterGetInputTensorCount(m->interp);
        if (n_inputs != expected)
            throw BackendError(format("Expected %d inputs but got %d", expected, n_inputs));
        if (n_outputs != TfLiteInterpreterGetOutputTensorCount(m->interp))
            throw BackendError("Model did not generate the expected number of outputs");
        // Resize first (a resize invalidates every tensor's buffer), then allocate once.
        bool resized = false;
        for (int i = 0; i < n_inputs; ++i) {
            check_view(inputs[i], i);
            const TfLiteTensor* t = TfLiteInterpreterGetInputTensor(m->interp, i);
            int want = from_tflite_type(TfLiteTensorType(t));
            if (inputs[i].dtype != want)
                throw BackendError(format("input %d has type %s but the model expects %s", i,
                                          dtype_name(inputs[i].dtype), dtype_name(want)));
            check_input_shape(t, inputs[i], i);
            if (!same_shape(t, inputs[i])) {
                std::vector<int> dims;
                for (int d = 0; d < inputs[i].ndim; ++d) {
                    if (inputs[i].shape[d] > INT32_MAX)
                        throw BackendError("input dimension too large");
                    dims.push_back(static_cast<int>(inputs[i].shape[d]));
                }
                if (TfLiteInterpreterResizeInputTensor(m->interp, i, dims.data(), inputs[i].ndim) !=
                    kTfLiteOk)
                    m->fail(format("TFLITE could not resize input %d", i));
                resized = true;
            }
        }
        if (resized && TfLiteInterpreterAllocateTensors(m->interp) != kTfLiteOk) {
            std::string why = m->last_error;
            m->last_error.clear();
            // Restore a usable interpreter for the next call, then report the shape error.
            TfLiteInterpreterAllocateTensors(m->interp);
            throw BackendError("TFLITE could not run the model with these input shapes" +
                               (why.empty() ? std::string() : ": " + why));
        }
        for (int i = 0; i < n_inputs; ++i) {
            TfLiteTensor* t = TfLiteInterpreterGetInputTensor(m->interp, i);
            if (TfLiteTensorByteSize(t) != inputs[i].nbytes)
                throw BackendError(
                    format("input %d: data length does not match the model's input", i));
            if (inputs[i].nbytes &&
                TfLiteTensorCopyFromBuffer(t, inputs[i].data, inputs[i].nbytes) != kTfLiteOk)
                m->fail(format("TFLITE could not copy input %d", i));
        }
        if (TfLiteInterpreterInvoke(m->interp) != kTfLiteOk)
            m->fail("TFLITE model execution failed");
        int done = 0;
        try {
            for (; done < n_outputs; ++done) {
                const TfLiteTensor* t = TfLiteInterpreterGetOutputTensor(m->interp, done);
                int dtype = from_tflite_type(TfLiteTensorType(t));
                if (dtype == static_cast<int>(TensorType::Invalid))
                    throw BackendError(format("TFLITE output %d has an unsupported type", done));
                int nd = TfLiteTensorNumDims(t);
                if (nd > INSITU_MAX_DIMS)
                    throw BackendError("output tensor has too many dimensions");
                const char* data = static_cast<const char*>(TfLiteTensorData(t));
                size_t n = TfLiteTensorByteSize(t);
                // Copy out: the interpreter reuses its buffers on the next run.
                set_string_output(&outputs[done], data ? std::string(data, n) : std::string());
                outputs[done].dtype = dtype;
                outputs[done].ndim = nd;
                for (int d = 0; d < nd; ++d) outputs[done].shape[d] = TfLiteTensorDim(t, d);
            }
        } catch (...) {
            clear_outputs(outputs, done);
            throw;
        }
    });
}

int model_serialize(void* model, insitu_output* blob, insitu_error* err) {
    return guarded(err, [&] { set_string_output(blob, static_cast<TfliteModel*>(model)->blob); });
}

void model_free(void* model) {
    delete static_cast<TfliteModel*>(model);
}

}  // namespace
}  // namespace insitu::backends

INSITU_MODEL_BACKEND("TFLITE")
