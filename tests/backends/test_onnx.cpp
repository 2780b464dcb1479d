// ONNX plugin: torch-exported MLP and ai.onnx.ml models from scikit-learn fits; expected values
// come from torch / scikit-learn (scripts/make-test-models).
#include "backend_test_util.h"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace insitu::test {
namespace {

constexpr int k_float = static_cast<int>(TensorType::Float);

class OnnxTest : public ::testing::Test {
  protected:
    void SetUp() override {
        api = load_plugin(INSITU_BACKEND_ONNX_PATH).api;
        ASSERT_NE(api, nullptr);
    }
    void TearDown() override {
        for (void* m : models) api->model_free(m);
    }
    void* model(const std::string& file, insitu_model_options o = cpu_options()) {
        void* m = create_model(api, read_file(models_dir() + "/" + file), o);
        if (m) models.push_back(m);
        return m;
    }
    std::string create_error(const std::string& blob, const char* device = "CPU") {
        insitu_model_options o = cpu_options();
        o.device = device;
        void* m = nullptr;
        insitu_error err{};
        if (api->model_create(blob.data(), blob.size(), &o, &m, &err) == 0) {
            api->model_free(m);
            return "";
        }
        EXPECT_EQ(m, nullptr);
        return err.message;
    }
    const insitu_backend_api* api = nullptr;
    std::vector<void*> models;
};

TEST_F(OnnxTest, TorchExportedMlp) {
    void* m = model("mlp.onnx");
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(api->model_num_inputs(m), 1);
    EXPECT_EQ(api->model_num_outputs(m), 1);
    check_case(api, m, "mlp_onnx");
}

TEST_F(OnnxTest, LinearRegressor) {
    void* m = model("linreg.onnx");
    ASSERT_NE(m, nullptr);
    check_case(api, m, "linreg");
}

TEST_F(OnnxTest, TreeEnsembleRegressor) {
    void* m = model("gbr.onnx");
    ASSERT_NE(m, nullptr);
    check_case(api, m, "gbr");
}

TEST_F(OnnxTest, TreeEnsembleClassifier) {
    void* m = model("rf_classifier.onnx");
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(api->model_num_outputs(m), 2);
    check_case(api, m, "rf_classifier");  // int64 labels and float probabilities
}

TEST_F(OnnxTest, SerializeReturnsTheStoredBytes) {
    std::string bytes = read_file(models_dir() + "/mlp.onnx");
    void* m = model("mlp.onnx");
    ASSERT_NE(m, nullptr);
    insitu_output blob{};
    insitu_error err{};
    ASSERT_EQ(api->model_serialize(m, &blob, &err), 0) << err.message;
    EXPECT_EQ(std::string(static_cast<const char*>(blob.data), blob.nbytes), bytes);
    if (blob.release) blob.release(blob.owner);
}

TEST_F(OnnxTest, CorruptedBlobsAreErrors) {
    std::string good = read_file(models_dir() + "/mlp.onnx");
    EXPECT_NE(create_error(""), "");
    EXPECT_NE(create_error(good.substr(0, good.size() / 2)), "");
    EXPECT_NE(create_error(good.substr(0, 7)), "");
    EXPECT_NE(create_error("definitely not a protobuf \xff\xff\xff\xff"), "");
    std::string flipped = good;
    for (size_t i = 0; i < 200; ++i) flipped[i] ^= 0x5a;
    EXPECT_NE(create_error(flipped), "");
    EXPECT_NE(create_error(read_file(models_dir() + "/mlp_traced.pt")), "");
    void* m = nullptr;
    insitu_error err{};
    auto o = cpu_options();
    EXPECT_NE(api->model_create(nullptr, 0, &o, &m, &err), 0);
}

TEST_F(OnnxTest, GpuWithoutCudaIsAnError) {
    std::string good = read_file(models_dir() + "/linreg.onnx");
    std::string msg = create_error(good, "GPU");
    if (msg.empty()) GTEST_SKIP() << "ONNX Runtime has a CUDA provider and a GPU";
    EXPECT_NE(msg.find("GPU requested but ONNX Runtime couldn't find CUDA"), std::string::npos)
        << msg;
    EXPECT_NE(create_error(good, "GPU:3"), "");
    EXPECT_NE(create_error(good, "NPU"), "");
}

TEST_F(OnnxTest, InputsOptionRejected) {
    std::string good = read_file(models_dir() + "/linreg.onnx");
    auto o = cpu_options();
    const char* names[] = {"X"};
    o.n_inputs = 1;
    o.inputs = names;
    void* m = nullptr;
    insitu_error err{};
    EXPECT_NE(api->model_create(good.data(), good.size(), &o, &m, &err), 0);
}

TEST_F(OnnxTest, WrongInputCount) {
    void* m = model("linreg.onnx");
    ASSERT_NE(m, nullptr);
    auto in = load_case("linreg", "in");
    Outputs outs(1);
    EXPECT_EQ(run_model(api, m, {in[0], in[0]}, outs), "Expected 1 inputs but got 2");
    EXPECT_EQ(run_model(api, m, {}, outs), "Expected 1 inputs but got 0");
    Outputs two(2);
    EXPECT_NE(run_model(api, m, in, two).find("expected number of outputs"), std::string::npos);
}

TEST_F(OnnxTest, WrongDtypeAndShape) {
    void* m = model("mlp.onnx");
    ASSERT_NE(m, nullptr);
    Outputs outs(1);
    auto doubles =
        make_array(static_cast<int>(TensorType::Double), {1, 64}, std::vector<double>(64, 1.0));
    EXPECT_NE(run_model(api, m, {doubles}, outs), "");
    auto narrow = make_array(k_float, {1, 63}, std::vector<float>(63, 1.f));
    EXPECT_NE(run_model(api, m, {narrow}, outs), "");
    auto rank3 = make_array(k_float, {1, 1, 64}, std::vector<float>(64, 1.f));
    EXPECT_NE(run_model(api, m, {rank3}, outs), "");
    auto lying = make_array(k_float, {2, 64}, std::vector<float>(64, 1.f));
    EXPECT_NE(run_model(api, m, {lying}, outs).find("data length"), std::string::npos);
    auto strings = make_array(static_cast<int>(TensorType::String), {1}, std::vector<char>{'a', 0});
    EXPECT_NE(run_model(api, m, {strings}, outs), "");
    EXPECT_EQ(outs.items[0].data, nullptr);
}

TEST_F(OnnxTest, BatchOfZeroRows) {
    void* m = model("linreg.onnx");
    ASSERT_NE(m, nullptr);
    Outputs outs(1);
    auto empty = make_array(k_float, {0, 4}, std::vector<float>{});
    ASSERT_EQ(run_model(api, m, {empty}, outs), "");
    EXPECT_EQ(outs.items[0].nbytes, 0u);
    EXPECT_EQ(outs.items[0].shape[0], 0);
}

TEST_F(OnnxTest, ExecutionTimeoutTerminatesTheRun) {
    auto o = cpu_options();
    o.execution_timeout_ms = 5;
    void* m = model("slow_chain.onnx", o);
    ASSERT_NE(m, nullptr);
    // 50 chained MatMuls over 4M rows take far longer than 5 ms.
    auto big = make_array(k_float, {4 << 20, 4}, std::vector<float>(size_t(4 << 20) * 4, 1.f));
    Outputs outs(1);
    auto t0 = std::chrono::steady_clock::now();
    std::string msg = run_model(api, m, {big}, outs);
    auto elapsed = std::chrono::steady_clock::now() - t0;
    EXPECT_NE(msg.find("timeout"), std::string::npos) << msg;
    EXPECT_LT(elapsed, std::chrono::seconds(5));
    // Without a timeout the same run completes.
    void* m2 = model("slow_chain.onnx");
    ASSERT_NE(m2, nullptr);
    auto small = make_array(k_float, {3, 4}, std::vector<float>(12, 2.f));
    Outputs outs2(1);
    ASSERT_EQ(run_model(api, m2, {small}, outs2), "");
    expect_matches(outs2.items[0], small);
}

// One watcher thread serves every run's deadline: a short deadline registered while a longer one
// is pending must still fire on time (the watcher sleeps until its earliest deadline), and each
// run learns only about its own termination.
TEST_F(OnnxTest, ShortDeadlineFiresWhileALongerOneIsPending) {
    auto long_opts = cpu_options();
    long_opts.execution_timeout_ms = 30000;
    auto short_opts = cpu_options();
    short_opts.execution_timeout_ms = 5;
    void* slow_long = model("slow_chain.onnx", long_opts);
    void* slow_short = model("slow_chain.onnx", short_opts);
    ASSERT_NE(slow_long, nullptr);
    ASSERT_NE(slow_short, nullptr);
    auto big = make_array(k_float, {4 << 20, 4}, std::vector<float>(size_t(4 << 20) * 4, 1.f));
    std::string long_msg;
    std::thread long_run([&] {
        Outputs outs(1);
        long_msg = run_model(api, slow_long, {big}, outs);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // the 30 s deadline is pending
    // 50 MatMuls over 256K rows: tens of ms, far more than 5 ms, far less than 30 s. Had the
    // watcher slept on until the pending deadline, this run would have completed untouched.
    auto medium = make_array(k_float, {1 << 18, 4}, std::vector<float>(size_t(1 << 18) * 4, 1.f));
    Outputs outs(1);
    std::string short_msg = run_model(api, slow_short, {medium}, outs);
    long_run.join();
    EXPECT_NE(short_msg.find("exceeded the timeout of 5 ms"), std::string::npos) << short_msg;
    EXPECT_EQ(long_msg, "");  // its own deadline never came
    // Runs after a terminated one complete normally on the same model.
    auto small = make_array(k_float, {3, 4}, std::vector<float>(12, 2.f));
    Outputs ok(1);
    ASSERT_EQ(run_model(api, slow_short, {small}, ok), "");
    expect_matches(ok.items[0], small);
}

}  // namespace
}  // namespace insitu::test
