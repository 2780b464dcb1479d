#include "backend_test_util.h"

#include <dlfcn.h>

#include <sys/stat.h>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace insitu::test {

const Plugin& load_plugin(const std::string& path) {
    static std::mutex mu;
    static std::map<std::string, Plugin> loaded;
    std::lock_guard lock(mu);
    auto it = loaded.find(path);
    if (it != loaded.end()) return it->second;
    Plugin p;
    p.handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!p.handle) throw std::runtime_error(std::string("dlopen failed: ") + dlerror());
    p.get_api = reinterpret_cast<insitu_backend_get_api_fn>(dlsym(p.handle, INSITU_BACKEND_ENTRY));
    if (p.get_api) p.api = p.get_api(INSITU_BACKEND_ABI_VERSION);
    return loaded.emplace(path, p).first->second;
}

std::string models_dir() {
    return INSITU_TEST_MODELS_DIR;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

Array load_npy(const std::string& path) {
    std::string raw = read_file(path);
    if (raw.size() < 10 || raw.compare(0, 6, "\x93NUMPY") != 0)
        throw std::runtime_error("not npy: " + path);
    size_t header_len, header_start;
    if (raw[6] == 1) {
        header_len = static_cast<uint8_t>(raw[8]) | (static_cast<uint8_t>(raw[9]) << 8);
        header_start = 10;
    } else {
        header_len = 0;
        for (int i = 0; i < 4; ++i)
            header_len |= size_t(static_cast<uint8_t>(raw[8 + i])) << (8 * i);
        header_start = 12;
    }
    std::string header = raw.substr(header_start, header_len);
    auto field = [&](const std::string& key) {
        auto p = header.find("'" + key + "':");
        if (p == std::string::npos) throw std::runtime_error("npy header lacks " + key);
        return header.substr(p + key.size() + 3);
    };
    if (header.find("'fortran_order': True") != std::string::npos)
        throw std::runtime_error("fortran-order npy not supported");
    std::string descr = field("descr");
    descr = descr.substr(descr.find('\'') + 1);
    descr = descr.substr(0, descr.find('\''));
    static const std::map<std::string, TensorType> types = {
        {"<f4", TensorType::Float}, {"<f8", TensorType::Double}, {"<i4", TensorType::Int32},
        {"<i8", TensorType::Int64}, {"|i1", TensorType::Int8},   {"|u1", TensorType::Uint8},
        {"<i2", TensorType::Int16}, {"|b1", TensorType::Bool}};
    auto t = types.find(descr);
    if (t == types.end()) throw std::runtime_error("unsupported npy dtype " + descr);
    Array a;
    a.dtype = static_cast<int>(t->second);
    std::string shape = field("shape");
    shape = shape.substr(shape.find('(') + 1, shape.find(')') - shape.find('(') - 1);
    std::stringstream ss(shape);
    std::string dim;
    while (std::getline(ss, dim, ','))
        if (dim.find_first_of("0123456789") != std::string::npos)
            a.shape.push_back(std::stoll(dim));
    a.bytes = raw.substr(header_start + header_len);
    return a;
}

std::vector<Array> load_case(const std::string& name, const char* kind) {
    std::vector<Array> out;
    for (int i = 0;; ++i) {
        std::string path = models_dir() + "/" + name + "." + kind + std::to_string(i) + ".npy";
        struct stat st;
        if (stat(path.c_str(), &st) != 0) break;
        out.push_back(load_npy(path));
    }
    return out;
}

std::vector<insitu_tensor_view> views(const std::vector<Array>& arrays) {
    std::vector<insitu_tensor_view> v;
    for (const auto& a : arrays) v.push_back(a.view());
    return v;
}

template <class T>
static double value_at(const void* data, size_t i) {
    T v;
    std::memcpy(&v, static_cast<const char*>(data) + i * sizeof(T), sizeof(T));
    return static_cast<double>(v);
}

static double element(int dtype, const void* data, size_t i) {
    switch (static_cast<TensorType>(dtype)) {
        case TensorType::Float:
            return value_at<float>(data, i);
        case TensorType::Double:
            return value_at<double>(data, i);
        case TensorType::Int32:
            return value_at<int32_t>(data, i);
        case TensorType::Int64:
            return value_at<int64_t>(data, i);
        case TensorType::Int16:
            return value_at<int16_t>(data, i);
        case TensorType::Int8:
            return value_at<int8_t>(data, i);
        case TensorType::Uint8:
        case TensorType::Bool:
            return value_at<uint8_t>(data, i);
        default:
            throw std::runtime_error("element(): unsupported dtype");
    }
}

void expect_matches(const insitu_output& out, const Array& expected, double tol) {
    ASSERT_EQ(out.dtype, expected.dtype);
    ASSERT_EQ(std::vector<int64_t>(out.shape, out.shape + out.ndim), expected.shape);
    ASSERT_EQ(out.nbytes, expected.bytes.size());
    size_t es = element_size(static_cast<TensorType>(out.dtype));
    size_t n = out.nbytes / es;
    size_t bad = 0;
    for (size_t i = 0; i < n; ++i) {
        double got = element(out.dtype, out.data, i);
        double want = element(expected.dtype, expected.bytes.data(), i);
        if (std::fabs(got - want) > tol * (1.0 + std::fabs(want)) && bad++ < 5)
            ADD_FAILURE() << "element " << i << ": got " << got << ", expected " << want;
    }
    EXPECT_EQ(bad, 0u);
}

insitu_model_options cpu_options() {
    insitu_model_options o{};
    o.device = "CPU";
    return o;
}

void* create_model(const insitu_backend_api* api, const std::string& blob,
                   const insitu_model_options& opts) {
    void* model = nullptr;
    insitu_error err{};
    int rc = api->model_create(blob.data(), blob.size(), &opts, &model, &err);
    EXPECT_EQ(rc, 0) << err.message;
    return model;
}

std::string run_model(const insitu_backend_api* api, void* model, const std::vector<Array>& inputs,
                      Outputs& outs) {
    auto v = views(inputs);
    insitu_error err{};
    int rc = api->model_run(model, v.data(), static_cast<int>(v.size()), outs.items.data(),
                            static_cast<int>(outs.items.size()), &err);
    return rc == 0                            ? std::string()
           : std::string(err.message).empty() ? "<empty error>"
                                              : err.message;
}

void check_case(const insitu_backend_api* api, void* model, const std::string& name, double tol) {
    auto inputs = load_case(name, "in");
    auto expected = load_case(name, "out");
    ASSERT_FALSE(inputs.empty()) << name;
    ASSERT_FALSE(expected.empty()) << name;
    Outputs outs(expected.size());
    ASSERT_EQ(run_model(api, model, inputs, outs), "");
    for (size_t i = 0; i < expected.size(); ++i) {
        SCOPED_TRACE(name + " output " + std::to_string(i));
        expect_matches(outs.items[i], expected[i], tol);
    }
}

}  // namespace insitu::test
