// TF plugin: a hand-encoded GraphDef (Placeholder -> MatMul -> BiasAdd -> Relu) run by OpenCV's
// TensorFlow importer; expected values by numpy.
#include "backend_test_util.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace insitu::test {
namespace {

constexpr int k_float = static_cast<int>(TensorType::Float);

class TfTest : public ::testing::Test {
  protected:
    void SetUp() override {
        api = load_plugin(INSITU_BACKEND_TF_PATH).api;
        ASSERT_NE(api, nullptr);
        blob = read_file(models_dir() + "/mlp_tf.pb");
    }
    void TearDown() override {
        for (void* m : models) api->model_free(m);
    }
    insitu_model_options options(const std::vector<const char*>& in,
                                 const std::vector<const char*>& out, const char* device = "CPU") {
        ins = in;
        outs_ = out;
        insitu_model_options o = cpu_options();
        o.device = device;
        o.n_inputs = static_cast<int>(ins.size());
        o.inputs = ins.data();
        o.n_outputs = static_cast<int>(outs_.size());
        o.outputs = outs_.data();
        return o;
    }
    std::string create_error(const std::string& b, const insitu_model_options& o) {
        void* m = nullptr;
        insitu_error err{};
        if (api->model_create(b.data(), b.size(), &o, &m, &err) == 0) {
            api->model_free(m);
            return "";
        }
        EXPECT_EQ(m, nullptr);
        return err.message;
    }
    void* model() {
        void* m = create_model(api, blob, options({"x"}, {"out"}));
        if (m) models.push_back(m);
        return m;
    }
    const insitu_backend_api* api = nullptr;
    std::string blob;
    std::vector<void*> models;
    std::vector<const char*> ins, outs_;
};

TEST_F(TfTest, MatMulBiasAddReluMatchesNumpy) {
    void* m = model();
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(api->model_num_inputs(m), 1);
    EXPECT_EQ(api->model_num_outputs(m), 1);
    check_case(api, m, "mlp_tf");
    check_case(api, m, "mlp_tf");
}

TEST_F(TfTest, TensorNamesWithIndexAndIntermediateOutputs) {
    void* m = create_model(api, blob, options({"x:0"}, {"matmul", "out:0"}));
    ASSERT_NE(m, nullptr);
    models.push_back(m);
    auto in = load_case("mlp_tf", "in");
    Outputs outs(2);
    ASSERT_EQ(run_model(api, m, in, outs), "");
    expect_matches(outs.items[1], load_case("mlp_tf", "out")[0]);
    EXPECT_EQ(outs.items[0].shape[0], 2);
    EXPECT_EQ(outs.items[0].shape[1], 3);
}

TEST_F(TfTest, SerializeReturnsTheStoredBytes) {
    void* m = model();
    ASSERT_NE(m, nullptr);
    insitu_output out{};
    insitu_error err{};
    ASSERT_EQ(api->model_serialize(m, &out, &err), 0) << err.message;
    EXPECT_EQ(std::string(static_cast<const char*>(out.data), out.nbytes), blob);
    if (out.release) out.release(out.owner);
}

TEST_F(TfTest, UnknownNodeNames) {
    EXPECT_EQ(create_error(blob, options({"nope"}, {"out"})),
              "Input node named \"nope\" not found in TF graph.");
    EXPECT_EQ(create_error(blob, options({"x"}, {"missing"})),
              "Output node named \"missing\" not found in TF graph.");
    EXPECT_NE(create_error(blob, options({""}, {"out"})), "");
}

TEST_F(TfTest, InputsAndOutputsRequired) {
    EXPECT_EQ(create_error(blob, options({}, {"out"})), "INPUTS not specified for TF");
    EXPECT_EQ(create_error(blob, options({"x"}, {})), "OUTPUTS not specified for TF");
}

TEST_F(TfTest, CorruptedAndUnsupportedGraphs) {
    auto o = options({"x"}, {"out"});
    EXPECT_NE(create_error("", o), "");
    EXPECT_NE(create_error(blob.substr(0, blob.size() / 2), o), "");
    EXPECT_NE(create_error(blob.substr(0, 5), o), "");
    EXPECT_NE(create_error("\xff\xff\xff\xff garbage that is not a GraphDef", o), "");
    EXPECT_NE(create_error(read_file(models_dir() + "/fc_add_relu.tflite"), o), "");
    std::string msg =
        create_error(read_file(models_dir() + "/unsupported_tf.pb"), options({"x"}, {"chol"}));
    EXPECT_NE(msg.find("Cholesky"), std::string::npos) << msg;
}

TEST_F(TfTest, GpuIsAnError) {
    EXPECT_NE(create_error(blob, options({"x"}, {"out"}, "GPU")).find("GPU"), std::string::npos);
}

TEST_F(TfTest, WrongInputCountDtypeShape) {
    void* m = model();
    ASSERT_NE(m, nullptr);
    auto in = load_case("mlp_tf", "in");
    Outputs outs(1);
    EXPECT_EQ(run_model(api, m, {in[0], in[0]}, outs), "Expected 1 inputs but got 2");
    EXPECT_EQ(run_model(api, m, {}, outs), "Expected 1 inputs but got 0");
    auto ints = make_array(static_cast<int>(TensorType::Int32), {2, 4}, std::vector<int32_t>(8, 1));
    EXPECT_NE(run_model(api, m, {ints}, outs), "");
    auto wide = make_array(k_float, {2, 5}, std::vector<float>(10, 1.f));
    EXPECT_NE(run_model(api, m, {wide}, outs), "");
    auto lying = make_array(k_float, {2, 4}, std::vector<float>(3, 1.f));
    EXPECT_NE(run_model(api, m, {lying}, outs), "");
    Outputs two(2);
    EXPECT_NE(run_model(api, m, in, two), "");
    check_case(api, m, "mlp_tf");  // still usable
}

TEST_F(TfTest, ConcurrentRuns) {
    void* m = model();
    ASSERT_NE(m, nullptr);
    auto in = load_case("mlp_tf", "in");
    auto expected = load_case("mlp_tf", "out");
    std::atomic<int> failures{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t)
        ts.emplace_back([&] {
            for (int i = 0; i < 30; ++i) {
                Outputs outs(1);
                if (!run_model(api, m, in, outs).empty() ||
                    outs.items[0].nbytes != expected[0].bytes.size())
                    ++failures;
            }
        });
    for (auto& t : ts) t.join();
    EXPECT_EQ(failures, 0);
}

}  // namespace
}  // namespace insitu::test
