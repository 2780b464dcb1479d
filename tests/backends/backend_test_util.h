// Helpers for the backend plugin tests: load a plugin by path (as the module does), read the
// .npy inputs/expected outputs written by scripts/make-test-models, run and compare.
#pragma once

#include "backends/backend_abi.h"

#include <insitu/tensor_types.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace insitu::test {

struct Plugin {
    void* handle = nullptr;
    insitu_backend_get_api_fn get_api = nullptr;
    const insitu_backend_api* api = nullptr;
};

// dlopen()s the plugin once per process (RTLD_LOCAL, like the module) and negotiates ABI v1.
const Plugin& load_plugin(const std::string& path);

std::string models_dir();
std::string read_file(const std::string& path);

struct Array {
    int dtype = 0;
    std::vector<int64_t> shape;
    std::string bytes;

    insitu_tensor_view view() const {
        return {dtype, static_cast<int>(shape.size()), shape.data(), bytes.data(), bytes.size()};
    }
};

// Reads a little-endian, C-order .npy file (the subset numpy.save writes for these tests).
Array load_npy(const std::string& path);
// <models_dir>/<case>.in<i>.npy for i = 0.. while the file exists.
std::vector<Array> load_case(const std::string& name, const char* kind);

template <class T>
Array make_array(int dtype, std::vector<int64_t> shape, const std::vector<T>& values) {
    Array a;
    a.dtype = dtype;
    a.shape = std::move(shape);
    a.bytes.assign(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
    return a;
}

// Outputs that release themselves.
struct Outputs {
    std::vector<insitu_output> items;
    explicit Outputs(size_t n) : items(n) {}
    ~Outputs() {
        for (auto& o : items)
            if (o.release) o.release(o.owner);
    }
    Outputs(const Outputs&) = delete;
    Outputs& operator=(const Outputs&) = delete;
};

std::vector<insitu_tensor_view> views(const std::vector<Array>& arrays);

// Compares one output with an expected array: dtype, shape and values (floats within tol).
void expect_matches(const insitu_output& out, const Array& expected, double tol = 1e-5);

// Creates a model from a blob or fails the test with the plugin's message.
void* create_model(const insitu_backend_api* api, const std::string& blob,
                   const insitu_model_options& opts);
insitu_model_options cpu_options();

// Runs a model and expects success; returns the error text otherwise.
std::string run_model(const insitu_backend_api* api, void* model, const std::vector<Array>& inputs,
                      Outputs& outs);

// Runs the <name> case through `model` and compares every output.
void check_case(const insitu_backend_api* api, void* model, const std::string& name,
                double tol = 1e-5);

}  // namespace insitu::test
