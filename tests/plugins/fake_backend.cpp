// A deterministic stand-in for an ML backend plugin (the backend_abi.h C ABI), so the module's
// execution engine (queues, batching, timeouts, DAGs, errors, persistence) is tested without a
// framework. Built as tests' libinsitu_test_backend.so and loaded with `TORCH <path>`; the unit
// tests call it in-process. Models and scripts are short texts:
//   model "fake:double"      1 input, 2 outputs: in*2, and per row the batch's total rows
//   model "fake:add"         2 inputs, 1 output: a+b
//   model "fake:sleep:<ms>"  1 input, 1 output: a copy, after sleeping
//   model "fake:fail"        1 input, 1 output: every run fails
//   model "fake:badbatch"    1 input, 1 output: a 1-row output whatever the batch
//   script functions (found by "def <name>(" in the source): sum (all inputs), two (in, in*2),
//   meta ([n_keys, n_args, variadic_from, sum of numeric args]), fail.
// All tensors are FLOAT.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "backends/backend_abi.h"

namespace {

struct FakeModel {
    std::string text, op;
    int sleep_ms = 0;
};
struct FakeScript {
    std::string source;
};
struct Buffer {
    std::vector<float> v;
};

void set_err(insitu_error* e, const std::string& m) {
    std::snprintf(e->message, sizeof e->message, "%s", m.c_str());
}

void release(void* owner) {
    delete static_cast<Buffer*>(owner);
}

void make_output(insitu_output* o, std::vector<float> v, std::vector<int64_t> shape) {
    auto* b = new Buffer{std::move(v)};
    o->dtype = 2;  // FLOAT
    o->ndim = static_cast<int>(shape.size());
    for (std::size_t i = 0; i < shape.size(); ++i) o->shape[i] = shape[i];
    o->data = b->v.data();
    o->nbytes = b->v.size() * sizeof(float);
    o->owner = b;
    o->release = release;
}

bool floats(const insitu_tensor_view& t, std::vector<float>& out, insitu_error* err) {
    if (t.dtype != 2) {
        set_err(err, "fake backend: only FLOAT tensors");
        return false;
    }
    out.resize(t.nbytes / sizeof(float));
    std::memcpy(out.data(), t.data, t.nbytes);
    return true;
}

std::vector<int64_t> shape_of(const insitu_tensor_view& t) {
    return {t.shape, t.shape + t.ndim};
}

const char* version() {
    return "fake-1";
}

int init(const insitu_host_api*, int, int, insitu_error*) {
    return 0;
}

int model_create(const void* blob, size_t len, const insitu_model_options* opts, void** model,
                 insitu_error* err) {
    std::string s(static_cast<const char*>(blob), len);
    if (opts->device && std::strncmp(opts->device, "GPU", 3) == 0) {
        set_err(err, "GPU requested but the fake backend has no GPU");
        return 1;
    }
    auto* m = new FakeModel{s, "", 0};
    if (s == "fake:double" || s == "fake:add" || s == "fake:fail" || s == "fake:badbatch") {
        m->op = s.substr(5);
    } else if (s.rfind("fake:sleep:", 0) == 0) {
        m->op = "sleep";
        m->sleep_ms = std::atoi(s.c_str() + 11);
    } else {
        delete m;
        set_err(err, "fake backend: cannot parse the model blob");
        return 1;
    }
    *model = m;
    return 0;
}

int model_num_inputs(void* model) {
    return static_cast<FakeModel*>(model)->op == "add" ? 2 : 1;
}
int model_num_outputs(void* model) {
    return static_cast<FakeModel*>(model)->op == "double" ? 2 : 1;
}

int model_run(void* model, const insitu_tensor_view* in, int n_in, insitu_output* out, int n_out,
              insitu_error* err) {
    auto* m = static_cast<FakeModel*>(model);
    if (n_in != model_num_inputs(model) || n_out != model_num_outputs(model)) {
        set_err(err, "fake backend: wrong number of inputs or outputs");
        return 1;
    }
    std::vector<float> a;
    if (!floats(in[0], a, err)) return 1;
    auto shape = shape_of(in[0]);
    if (m->op == "fail") {
        set_err(err, "fake backend: this model always fails");
        return 1;
    }
    if (m->op == "sleep") {
        std::this_thread::sleep_for(std::chrono::milliseconds(m->sleep_ms));
        make_output(&out[0], a, shape);
    } else if (m->op == "double") {
        std::vector<float> d(a);
        for (auto& x : d) x *= 2;
        make_output(&out[0], d, shape);
        int64_t rows = shape.empty() ? 1 : shape[0];
        make_output(&out[1], std::vector<float>(static_cast<size_t>(rows), float(rows)), {rows});
    } else if (m->op == "add") {
        std::vector<float> b;
        if (!floats(in[1], b, err)) return 1;
        if (b.size() != a.size()) {
            set_err(err, "fake backend: shapes differ");
            return 1;
        }
        for (size_t i = 0; i < a.size(); ++i) a[i] += b[i];
        make_output(&out[0], a, shape);
    } else if (m->op == "badbatch") {
        make_output(&out[0], {1.0f}, {1});
    }
    return 0;
}

int model_serialize(void* model, insitu_output* blob, insitu_error*) {
    auto* b = new Buffer;
    auto& t = static_cast<FakeModel*>(model)->text;
    b->v.resize((t.size() + 3) / 4);
    std::memcpy(b->v.data(), t.data(), t.size());
    blob->data = b->v.data();
    blob->nbytes = t.size();
    blob->owner = b;
    blob->release = release;
    return 0;
}

void model_free(void* model) {
    delete static_cast<FakeModel*>(model);
}

int script_has_function(void* script, const char* fn) {
    return static_cast<FakeScript*>(script)->source.find(std::string("def ") + fn + "(") !=
           std::string::npos;
}

int script_create(const char* src, size_t len, const char* device, const char* const* eps,
                  int n_eps, void** script, insitu_error* err) {
    if (device && std::strncmp(device, "GPU", 3) == 0) {
        set_err(err, "GPU requested but the fake backend has no GPU");
        return 1;
    }
    auto* s = new FakeScript{std::string(src, len)};
    if (s->source.find("def ") == std::string::npos) {
        delete s;
        set_err(err, "fake backend: script does not compile");
        return 1;
    }
    for (int i = 0; i < n_eps; ++i) {
        if (!script_has_function(s, eps[i])) {
            set_err(err,
                    std::string("Function ") + eps[i] + " does not exist in the given script.");
            delete s;
            return 1;
        }
    }
    *script = s;
    return 0;
}

int script_run(void* script, const char* fn, const insitu_tensor_view* in, int n_in,
               int variadic_from, const char* const*, int n_keys, const char* const* args,
               int n_args, insitu_output* out, int max_out, int* n_out, insitu_error* err) {
    if (!script_has_function(script, fn)) {
        set_err(err, std::string("function ") + fn + " does not exist");
        return 1;
    }
    std::string f(fn);
    std::vector<std::vector<float>> results;
    std::vector<std::vector<int64_t>> shapes;
    if (f == "fail") {
        set_err(err, "fake script failure");
        return 1;
    } else if (f == "sum" || f == "two") {
        if (n_in < 1) {
            set_err(err, "Wrong number of inputs provided to function");
            return 1;
        }
        std::vector<float> acc;
        if (!floats(in[0], acc, err)) return 1;
        for (int i = 1; f == "sum" && i < n_in; ++i) {
            std::vector<float> b;
            if (!floats(in[i], b, err)) return 1;
            if (b.size() != acc.size()) {
                set_err(err, "fake script: shapes differ");
                return 1;
            }
            for (size_t k = 0; k < acc.size(); ++k) acc[k] += b[k];
        }
        results.push_back(acc);
        shapes.push_back(shape_of(in[0]));
        if (f == "two") {
            for (auto& x : acc) x *= 2;
            results.push_back(acc);
            shapes.push_back(shape_of(in[0]));
        }
    } else if (f == "meta") {
        float s = 0;
        for (int i = 0; i < n_args; ++i) s += std::strtof(args[i], nullptr);
        results.push_back({float(n_keys), float(n_args), float(variadic_from), s});
        shapes.push_back({4});
    } else {
        set_err(err, "fake script: unknown function");
        return 1;
    }
    *n_out = static_cast<int>(results.size());
    for (int i = 0; i < *n_out && i < max_out; ++i) make_output(&out[i], results[i], shapes[i]);
    return 0;
}

void script_free(void* script) {
    delete static_cast<FakeScript*>(script);
}

const insitu_backend_api k_api = {
    INSITU_BACKEND_ABI_VERSION,
    "TORCH",
    version,
    init,
    model_create,
    model_num_inputs,
    model_num_outputs,
    model_run,
    model_serialize,
    model_free,
    script_create,
    script_has_function,
    script_run,
    script_free,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const insitu_backend_api* insitu_backend_get_api(
    uint32_t host_abi_version) {
    return host_abi_version == INSITU_BACKEND_ABI_VERSION ? &k_api : nullptr;
}
