// TORCH backend plugin: TorchScript models (torch::jit::load) and TorchScript scripts compiled
// from source. The only translation unit that includes torch headers (each costs ~8 s to build).
#include "backends/plugin_common.h"

#include <ATen/Parallel.h>
#include <torch/csrc/api/include/torch/version.h>
#include <torch/csrc/jit/frontend/resolver.h>
#include <torch/csrc/jit/frontend/sugared_value.h>
#include <torch/cuda.h>
#include <torch/script.h>

#include <atomic>
#include <cstring>
#include <istream>
#include <memory>
#include <mutex>
#include <sstream>
#include <streambuf>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace insitu::backends {
namespace {

const insitu_host_api* g_host = nullptr;

// ---- errors --------------------------------------------------------------------------------

// Interpreter errors put a long TorchScript traceback first and the cause on the last line; the
// cause goes first so that it survives the 1 KiB error buffer.
std::string readable(std::string msg) {
    static const std::string interp =
        "The following operation failed in the TorchScript interpreter.";
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    if (msg.rfind(interp, 0) != 0) return msg;
    auto nl = msg.rfind('\n');
    if (nl == std::string::npos) return msg;
    return msg.substr(nl + 1) + "\n" + msg.substr(0, nl);
}

template <class Body>
int torch_guarded(insitu_error* err, Body&& body) noexcept {
    try {
        body();
        return 0;
    } catch (const c10::Error& e) {
        // what() appends a C++ backtrace that means nothing to a Redis client.
        set_error(err, readable(e.what_without_backtrace()));
    } catch (const std::exception& e) {
        set_error(err, readable(e.what()));
    } catch (...) {
        set_error(err, "unknown exception in Torch backend");
    }
    return 1;
}

// ---- dtypes and devices --------------------------------------------------------------------

c10::ScalarType to_scalar_type(int dtype) {
    switch (static_cast<TensorType>(dtype)) {
        case TensorType::Double:
            return c10::kDouble;
        case TensorType::Float:
            return c10::kFloat;
        case TensorType::Int8:
            return c10::kChar;
        case TensorType::Int16:
            return c10::kShort;
        case TensorType::Int32:
            return c10::kInt;
        case TensorType::Int64:
            return c10::kLong;
        case TensorType::Uint8:
            return c10::kByte;
        case TensorType::Float16:
            return c10::kHalf;
        case TensorType::BFloat16:
            return c10::kBFloat16;
        case TensorType::Bool:
            return c10::kBool;
        default:
            throw BackendError(
                format("data type %s is not supported by the Torch backend", dtype_name(dtype)));
    }
}

int from_scalar_type(c10::ScalarType t) {
    switch (t) {
        case c10::kDouble:
            return static_cast<int>(TensorType::Double);
        case c10::kFloat:
            return static_cast<int>(TensorType::Float);
        case c10::kChar:
            return static_cast<int>(TensorType::Int8);
        case c10::kShort:
            return static_cast<int>(TensorType::Int16);
        case c10::kInt:
            return static_cast<int>(TensorType::Int32);
        case c10::kLong:
            return static_cast<int>(TensorType::Int64);
        case c10::kByte:
            return static_cast<int>(TensorType::Uint8);
        case c10::kHalf:
            return static_cast<int>(TensorType::Float16);
        case c10::kBFloat16:
            return static_cast<int>(TensorType::BFloat16);
        case c10::kBool:
            return static_cast<int>(TensorType::Bool);
        default:
            throw BackendError(std::string("output tensor type ") + c10::toString(t) +
                               " is not supported");
    }
}

c10::Device to_device(const char* device) {
    int id = -1;
    if (!parse_device(device, &id)) return c10::Device(c10::kCPU);
    // Never fall back to the CPU silently: the user asked for a GPU.
    if (!torch::cuda::is_available())
        throw BackendError("GPU requested but Torch couldn't find CUDA");
    auto count = static_cast<int>(torch::cuda::device_count());
    if (id >= count)
        throw BackendError(
            format("GPU:%d requested but Torch found only %d CUDA device(s)", id, count));
    return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(id < 0 ? 0 : id));
}

// ---- tensors in and out --------------------------------------------------------------------

at::Tensor view_to_tensor(const insitu_tensor_view& v, int index, const c10::Device& device) {
    check_view(v, index);
    std::vector<int64_t> shape(v.shape, v.shape + v.ndim);
    auto opts = torch::TensorOptions().dtype(to_scalar_type(v.dtype));
    // Copied so that a model that writes into its input cannot modify the host's (const) tensor,
    // and because the host's bytes need not be aligned (a Redis string's are not). On the CPU a
    // plain memcpy into a fresh tensor: clone() would go through the dispatcher and
    // TensorIterator, several times the cost of the copy for a small input.
    if (device.is_cpu()) {
        at::Tensor t = at::empty(shape, opts);
        if (v.nbytes > 0) std::memcpy(t.data_ptr(), v.data, v.nbytes);
        return t;
    }
    return torch::from_blob(const_cast<void*>(v.data), shape, opts).to(device);
}

void flatten_outputs(const c10::IValue& v, std::vector<at::Tensor>& out) {
    if (v.isTensor()) {
        out.push_back(v.toTensor());
    } else if (v.isTensorList()) {
        for (const at::Tensor& t : v.toTensorVector()) out.push_back(t);
    } else if (v.isTuple()) {
        for (const auto& e : v.toTupleRef().elements()) flatten_outputs(e, out);
    } else if (v.isList()) {
        for (const c10::IValue& e : v.toListRef()) flatten_outputs(e, out);
    } else if (v.isNone()) {
        // A function returning None produced no outputs.
    } else {
        throw BackendError(std::string("function returned a value of type ") + v.tagKind() +
                           "; expected a Tensor, a List[Tensor] or a tuple of Tensors");
    }
}

void tensor_to_output(at::Tensor t, insitu_output* out) {
    // Each of these is a dispatched call even when it changes nothing: skip them when so.
    if (t.requires_grad()) t = t.detach();
    if (!t.device().is_cpu()) t = t.to(c10::kCPU);
    if (!t.is_contiguous()) t = t.contiguous();
    if (t.dim() > INSITU_MAX_DIMS) throw BackendError("output tensor has too many dimensions");
    int dtype = from_scalar_type(t.scalar_type());
    auto* owner = new at::Tensor(std::move(t));
    *out = insitu_output{};
    out->dtype = dtype;
    out->ndim = static_cast<int>(owner->dim());
    for (int i = 0; i < out->ndim; ++i) out->shape[i] = owner->size(i);
    out->data = owner->data_ptr();
    out->nbytes = owner->nbytes();
    out->owner = owner;
    out->release = [](void* o) { delete static_cast<at::Tensor*>(o); };
}

// Writes up to `max` outputs; on failure releases the ones already written.
void write_outputs(const std::vector<at::Tensor>& ts, insitu_output* outs, int max) {
    int n = std::min<int>(max, static_cast<int>(ts.size()));
    int done = 0;
    try {
        for (; done < n; ++done) tensor_to_output(ts[done], &outs[done]);
    } catch (...) {
        clear_outputs(outs, done);
        throw;
    }
}

// ---- memory stream for torch::jit::load ------------------------------------------------------

struct MemoryBuf : std::streambuf {
    MemoryBuf(const char* p, size_t n) {
        char* b = const_cast<char*>(p);
        setg(b, b, b + n);
    }
    pos_type seekoff(off_type off, std::ios_base::seekdir dir, std::ios_base::openmode) override {
        char* target = dir == std::ios_base::beg   ? eback() + off
                       : dir == std::ios_base::cur ? gptr() + off
                                                   : egptr() + off;
        if (target < eback() || target > egptr()) return pos_type(off_type(-1));
        setg(eback(), target, egptr());
        return pos_type(target - eback());
    }
    pos_type seekpos(pos_type pos, std::ios_base::openmode m) override {
        return seekoff(off_type(pos), std::ios_base::beg, m);
    }
};

// ---- host services exposed to scripts (redis.execute, redisAI.model_execute) ---------------

struct RespReader {
    const char* p;
    const char* end;

    std::string line() {
        const char* s = p;
        while (p + 1 < end && !(p[0] == '\r' && p[1] == '\n')) ++p;
        if (p + 1 >= end) throw BackendError("malformed reply from Redis");
        std::string r(s, p);
        p += 2;
        return r;
    }
    c10::IValue value() {
        if (p >= end) throw BackendError("malformed reply from Redis");
        char type = *p++;
        switch (type) {
            case '+':
                return c10::IValue(line());
            case '-':
                throw BackendError("Redis command returned an error: " + line());
            case ':':
                return c10::IValue(static_cast<int64_t>(std::stoll(line())));
            case ',':
                return c10::IValue(std::stod(line()));
            case '#':
                return c10::IValue(line() == "t");
            case '_':
                line();
                return c10::IValue();
            case '$': {
                long long n = std::stoll(line());
                if (n < 0) return c10::IValue();
                if (end - p < n + 2) throw BackendError("malformed reply from Redis");
                std::string s(p, static_cast<size_t>(n));
                p += n + 2;
                return c10::IValue(std::move(s));
            }
            case '*':
            case '~':
            case '>':
            case '%': {
                long long n = std::stoll(line());
                if (n < 0) return c10::IValue();
                if (type == '%') n *= 2;  // maps become flat [k, v, ...] lists, as in RESP2
                c10::impl::GenericList list(c10::AnyType::get());
                for (long long i = 0; i < n; ++i) list.push_back(value());
                return c10::IValue(list);
            }
            default:
                throw BackendError("unsupported reply type from Redis");
        }
    }
};

c10::IValue redis_execute(const std::string& cmd, const std::vector<std::string>& args) {
    if (!g_host || !g_host->execute_command)
        throw BackendError("redis.execute is not available in this context");
    std::vector<const char*> argv{cmd.c_str()};
    std::vector<size_t> lens{cmd.size()};
    for (const auto& a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    const char* reply = nullptr;
    size_t reply_len = 0;
    if (g_host->execute_command(g_host->ctx, static_cast<int>(argv.size()), argv.data(),
                                lens.data(), &reply, &reply_len) != 0)
        throw BackendError("redis.execute failed to run " + cmd);
    RespReader r{reply, reply + reply_len};
    return r.value();
}

c10::List<c10::IValue> redis_as_list(const c10::IValue& v) {
    if (!v.isList()) throw BackendError("redis.asList: value is not a list");
    return v.toList();
}

std::vector<at::Tensor> redisai_model_execute(const std::string& key,
                                              const std::vector<at::Tensor>& inputs,
                                              int64_t num_outputs) {
    if (!g_host || !g_host->model_execute)
        throw BackendError("redisAI.model_execute is not available in this context");
    if (num_outputs < 0 || num_outputs > 1024) throw BackendError("invalid number of outputs");
    std::vector<at::Tensor> cpu;
    std::vector<std::vector<int64_t>> shapes;
    std::vector<insitu_tensor_view> views;
    for (const auto& t : inputs) {
        cpu.push_back(t.detach().to(c10::kCPU).contiguous());
        shapes.emplace_back(cpu.back().sizes().begin(), cpu.back().sizes().end());
    }
    for (size_t i = 0; i < cpu.size(); ++i)
        views.push_back({from_scalar_type(cpu[i].scalar_type()), static_cast<int>(cpu[i].dim()),
                         shapes[i].data(), cpu[i].data_ptr(), cpu[i].nbytes()});
    std::vector<insitu_output> outs(static_cast<size_t>(num_outputs));
    insitu_error err{};
    if (g_host->model_execute(g_host->ctx, key.c_str(), views.data(),
                              static_cast<int>(views.size()), outs.data(),
                              static_cast<int>(num_outputs), &err) != 0)
        throw BackendError(err.message);
    std::vector<at::Tensor> result;
    for (auto& o : outs) {
        std::vector<int64_t> shape(o.shape, o.shape + o.ndim);
        auto opts = torch::TensorOptions().dtype(to_scalar_type(o.dtype));
        result.push_back(torch::from_blob(const_cast<void*>(o.data), shape, opts).clone());
    }
    clear_outputs(outs.data(), static_cast<int>(outs.size()));
    return result;
}

// Registered once when the plugin is loaded; scripts reach them as redis.* / redisAI.*.
const auto g_registry = torch::RegisterOperators()
                            .op("redis::execute", &redis_execute)
                            .op("redis::asList", &redis_as_list)
                            .op("redisAI::model_execute", &redisai_model_execute);

// `torch` in script source. The C++ frontend maps it to the aten builtins only, so dtype
// constants (torch.float32, torch.int64, ...) that Python resolves itself are added here; in
// TorchScript a dtype is its ScalarType's integer value.
struct TorchModuleValue : torch::jit::BuiltinModule {
    TorchModuleValue() : BuiltinModule("aten") {}
    std::shared_ptr<torch::jit::SugaredValue> attr(const torch::jit::SourceRange& loc,
                                                   torch::jit::GraphFunction& m,
                                                   const std::string& field) override {
        static const std::unordered_map<std::string, c10::ScalarType> dtypes = {
            {"float32", c10::kFloat},     {"float", c10::kFloat},  {"float64", c10::kDouble},
            {"double", c10::kDouble},     {"float16", c10::kHalf}, {"half", c10::kHalf},
            {"bfloat16", c10::kBFloat16}, {"int64", c10::kLong},   {"long", c10::kLong},
            {"int32", c10::kInt},         {"int", c10::kInt},      {"int16", c10::kShort},
            {"short", c10::kShort},       {"int8", c10::kChar},    {"uint8", c10::kByte},
            {"bool", c10::kBool}};
        auto it = dtypes.find(field);
        if (it != dtypes.end())
            return std::make_shared<torch::jit::SimpleValue>(
                m.graph()->insertConstant(static_cast<int64_t>(it->second), loc));
        return BuiltinModule::attr(loc, m, field);
    }
};

// Resolves the `redis` and `redisAI` names in script source to the operators above.
struct ScriptResolver : torch::jit::Resolver {
    std::shared_ptr<torch::jit::SugaredValue> resolveValue(
        const std::string& name, torch::jit::GraphFunction& m,
        const torch::jit::SourceRange& loc) override {
        if (name == "redis" || name == "redisAI")
            return std::make_shared<torch::jit::BuiltinModule>(name);
        if (name == "torch") return std::make_shared<TorchModuleValue>();
        // Python's resolver supplies the builtin exception classes; the C++ one does not.
        static const std::unordered_set<std::string> exceptions = {
            "Exception",  "RuntimeError",   "ValueError",          "TypeError",        "KeyError",
            "IndexError", "AssertionError", "NotImplementedError", "ZeroDivisionError"};
        if (exceptions.count(name)) return std::make_shared<torch::jit::ExceptionValue>(name);
        return torch::jit::nativeResolver()->resolveValue(name, m, loc);
    }
    c10::TypePtr resolveType(const std::string& name, const torch::jit::SourceRange& loc) override {
        return torch::jit::nativeResolver()->resolveType(name, loc);
    }
};

// ---- models --------------------------------------------------------------------------------

struct TorchModel {
    torch::jit::Module module;
    // Looked up once: Module::forward searches the class's methods by name on every call.
    c10::optional<torch::jit::Method> forward;
    c10::Device device{c10::kCPU};
    int min_inputs = 0;
    int max_inputs = 0;
    int n_outputs = -1;
};

int declared_outputs(const c10::TypePtr& t) {
    if (t->kind() == c10::TypeKind::TensorType) return 1;
    if (auto tuple = t->cast<c10::TupleType>()) {
        for (const auto& e : tuple->elements())
            if (e->kind() != c10::TypeKind::TensorType) return -1;
        return static_cast<int>(tuple->elements().size());
    }
    return -1;  // List[Tensor] and friends: only known after running
}

const char* framework_version() {
    return TORCH_VERSION;
}

int init(const insitu_host_api* host, int inter_op, int intra_op, insitu_error* err) {
    return torch_guarded(err, [&] {
        g_host = host;
        // set_num_interop_threads throws if called twice or after the pool started.
        static std::once_flag interop_once;
        if (inter_op > 0)
            std::call_once(interop_once, [&] {
                try {
                    at::set_num_interop_threads(inter_op);
                } catch (const c10::Error&) {
                }
            });
        if (intra_op > 0) at::set_num_threads(intra_op);
    });
}

int model_create(const void* blob, size_t len, const insitu_model_options* opts, void** out,
                 insitu_error* err) {
    return torch_guarded(err, [&] {
        *out = nullptr;
        if (!blob || len == 0) throw BackendError("Torch model blob is empty");
        if (opts && (opts->n_inputs > 0 || opts->n_outputs > 0))
            throw BackendError("INPUTS argument should not be specified for this backend");
        auto m = std::make_unique<TorchModel>();
        m->device = to_device(opts ? opts->device : "CPU");
        MemoryBuf buf(static_cast<const char*>(blob), len);
        std::istream in(&buf);
        m->module = torch::jit::load(in, m->device);
        m->module.eval();
        m->forward = m->module.find_method("forward");
        if (!m->forward) throw BackendError("Torch model has no forward method");
        const auto& schema = m->forward->function().getSchema();
        const auto& args = schema.arguments();
        m->max_inputs = static_cast<int>(args.size()) - 1;  // minus self
        m->min_inputs = 0;
        for (size_t i = 1; i < args.size(); ++i)
            if (!args[i].default_value()) m->min_inputs = static_cast<int>(i);
        if (schema.returns().size() == 1)
            m->n_outputs = declared_outputs(schema.returns()[0].type());
        *out = m.release();
    });
}

int model_num_inputs(void* model) {
    return static_cast<TorchModel*>(model)->max_inputs;
}
int model_num_outputs(void* model) {
    return static_cast<TorchModel*>(model)->n_outputs;
}

int model_run(void* model, const insitu_tensor_view* inputs, int n_inputs, insitu_output* outputs,
              int n_outputs, insitu_error* err) {
    return torch_guarded(err, [&] {
        auto* m = static_cast<TorchModel*>(model);
        if (n_inputs < m->min_inputs || n_inputs > m->max_inputs)
            throw BackendError(format("Expected %d inputs but got %d", m->max_inputs, n_inputs));
        c10::InferenceMode guard;
        std::vector<c10::IValue> stack;
        for (int i = 0; i < n_inputs; ++i)
            stack.emplace_back(view_to_tensor(inputs[i], i, m->device));
        c10::IValue result = (*m->forward)(std::move(stack));
        std::vector<at::Tensor> ts;
        flatten_outputs(result, ts);
        if (static_cast<int>(ts.size()) != n_outputs)
            throw BackendError("Model did not generate the expected number of outputs");
        write_outputs(ts, outputs, n_outputs);
    });
}

int model_serialize(void* model, insitu_output* blob, insitu_error* err) {
    return torch_guarded(err, [&] {
        std::ostringstream os;
        static_cast<TorchModel*>(model)->module.save(os);
        set_string_output(blob, std::move(os).str());
    });
}

void model_free(void* model) {
    delete static_cast<TorchModel*>(model);
}

// ---- scripts -------------------------------------------------------------------------------

struct TorchScript {
    std::shared_ptr<torch::jit::CompilationUnit> cu;
    c10::Device device{c10::kCPU};
    std::unordered_set<std::string> entry_points;
};

bool is_list_of(const c10::TypePtr& t, c10::TypeKind elem) {
    auto list = t->cast<c10::ListType>();
    return list && list->getElementType()->kind() == elem;
}

bool has_entry_signature(const c10::FunctionSchema& s) {
    const auto& a = s.arguments();
    return a.size() == 3 && is_list_of(a[0].type(), c10::TypeKind::TensorType) &&
           is_list_of(a[1].type(), c10::TypeKind::StringType) &&
           is_list_of(a[2].type(), c10::TypeKind::StringType);
}

int script_create(const char* source, size_t len, const char* device,
                  const char* const* entry_points, int n_entry_points, void** out,
                  insitu_error* err) {
    return torch_guarded(err, [&] {
        *out = nullptr;
        auto s = std::make_unique<TorchScript>();
        s->device = to_device(device);
        if (!source || len == 0) throw BackendError("script source is empty");
        s->cu = std::make_shared<torch::jit::CompilationUnit>();
        s->cu->define(c10::nullopt, std::string(source, len), std::make_shared<ScriptResolver>(),
                      nullptr);
        for (int i = 0; i < n_entry_points; ++i) {
            std::string name = entry_points[i] ? entry_points[i] : "";
            if (name.empty()) throw BackendError("Entry point name must not be empty.");
            auto* fn = s->cu->find_function(name);
            if (!fn)
                throw BackendError("Function " + name + " does not exist in the given script.");
            if (!has_entry_signature(fn->getSchema()))
                throw BackendError("Wrong inputs type in function " + name +
                                   ". Expected signature similar to: def " + name +
                                   "(tensors: List[Tensor], keys: List[str], args: List[str])");
            s->entry_points.insert(std::move(name));
        }
        *out = s.release();
    });
}

int script_has_function(void* script, const char* fn) {
    auto* s = static_cast<TorchScript*>(script);
    return fn && *fn && s->cu->find_function(fn) != nullptr;
}

// Legacy (SCRIPTSET) calling convention: tensors positionally, a trailing List[Tensor] taking the
// rest (or the inputs from `variadic_from` on).
std::vector<c10::IValue> legacy_stack(const std::string& name, const c10::FunctionSchema& schema,
                                      std::vector<at::Tensor> tensors, int variadic_from) {
    const auto& args = schema.arguments();
    size_t n_params = args.size();
    bool has_list = n_params > 0 && is_list_of(args.back().type(), c10::TypeKind::TensorType);
    size_t fixed = has_list ? n_params - 1 : n_params;
    for (size_t i = 0; i < fixed; ++i)
        if (args[i].type()->kind() != c10::TypeKind::TensorType)
            throw BackendError("Function " + name +
                               " must take only Tensor arguments (and a trailing "
                               "List[Tensor]) to be called without an entry-point signature");
    size_t split = variadic_from >= 0 ? static_cast<size_t>(variadic_from) : fixed;
    if (variadic_from >= 0 && !has_list)
        throw BackendError("Function " + name + " takes no List[Tensor] for variadic inputs");
    if (tensors.size() < fixed || split != fixed || split > tensors.size() ||
        (!has_list && tensors.size() != fixed))
        throw BackendError("Wrong number of inputs provided to function " + name);
    std::vector<c10::IValue> stack(tensors.begin(), tensors.begin() + static_cast<long>(fixed));
    if (has_list) {
        c10::List<at::Tensor> rest;
        for (size_t i = fixed; i < tensors.size(); ++i) rest.push_back(tensors[i]);
        stack.emplace_back(std::move(rest));
    }
    return stack;
}

int script_run(void* script, const char* fn, const insitu_tensor_view* inputs, int n_inputs,
               int variadic_from, const char* const* keys, int n_keys, const char* const* args,
               int n_args, insitu_output* outputs, int max_outputs, int* n_outputs,
               insitu_error* err) {
    return torch_guarded(err, [&] {
        auto* s = static_cast<TorchScript*>(script);
        if (n_outputs) *n_outputs = 0;
        std::string name = fn ? fn : "";
        auto* function = name.empty() ? nullptr : s->cu->find_function(name);
        if (!function)
            throw BackendError("Function " + name + " does not exist in the given script.");
        c10::InferenceMode guard;
        std::vector<at::Tensor> tensors;
        for (int i = 0; i < n_inputs; ++i)
            tensors.push_back(view_to_tensor(inputs[i], i, s->device));
        const auto& schema = function->getSchema();
        std::vector<c10::IValue> stack;
        if (s->entry_points.count(name) || has_entry_signature(schema)) {
            c10::List<at::Tensor> ts;
            for (auto& t : tensors) ts.push_back(t);
            c10::List<std::string> ks, as;
            for (int i = 0; i < n_keys; ++i) ks.push_back(keys[i] ? keys[i] : "");
            for (int i = 0; i < n_args; ++i) as.push_back(args[i] ? args[i] : "");
            stack = {c10::IValue(std::move(ts)), c10::IValue(std::move(ks)),
                     c10::IValue(std::move(as))};
        } else {
            stack = legacy_stack(name, schema, std::move(tensors), variadic_from);
        }
        c10::IValue result = (*function)(std::move(stack));
        std::vector<at::Tensor> ts;
        flatten_outputs(result, ts);
        write_outputs(ts, outputs, max_outputs);
        if (n_outputs) *n_outputs = static_cast<int>(ts.size());
    });
}

void script_free(void* script) {
    delete static_cast<TorchScript*>(script);
}

}  // namespace
}  // namespace insitu::backends

INSITU_SCRIPT_BACKEND("TORCH")
