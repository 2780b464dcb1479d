// TFLITE plugin: a hand-written FULLY_CONNECTED + ADD + RELU flatbuffer; expected values by numpy.
#include "backend_test_util.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace insitu::test {
namespace {

constexpr int k_float = static_cast<int>(TensorType::Float);

class TfliteTest : public ::testing::Test {
  protected:
    void SetUp() override {
        api = load_plugin(INSITU_BACKEND_TFLITE_PATH).api;
        ASSERT_NE(api, nullptr);
        blob = read_file(models_dir() + "/fc_add_relu.tflite");
    }
    void TearDown() override {
        for (void* m : models) api->model_free(m);
    }
    void* model() {
        void* m = create_model(api, blob, cpu_options());
        if (m) models.push_back(m);
        return m;
    }
    std::string create_error(const std::string& b, const char* device = "CPU") {
        insitu_model_options o = cpu_options();
        o.device = device;
        void* m = nullptr;
        insitu_error err{};
        if (api->model_create(b.data(), b.size(), &o, &m, &err) == 0) {
            api->model_free(m);
            return "";
        }
        EXPECT_EQ(m, nullptr);
        return err.message;
    }
    const insitu_backend_api* api = nullptr;
    std::string blob;
    std::vector<void*> models;
};

TEST_F(TfliteTest, FcAddReluMatchesNumpy) {
    void* m = model();
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(api->model_num_inputs(m), 2);
    EXPECT_EQ(api->model_num_outputs(m), 1);
    check_case(api, m, "fc_add_relu");
    check_case(api, m, "fc_add_relu");  // the interpreter is reusable
}

TEST_F(TfliteTest, BlobCopiedAndSerialized) {
    std::string copy = blob;
    void* m = create_model(api, copy, cpu_options());
    ASSERT_NE(m, nullptr);
    models.push_back(m);
    copy.assign(copy.size(), '\0');  // the plugin must not keep pointing at the caller's bytes
    check_case(api, m, "fc_add_relu");
    insitu_output out{};
    insitu_error err{};
    ASSERT_EQ(api->model_serialize(m, &out, &err), 0) << err.message;
    EXPECT_EQ(std::string(static_cast<const char*>(out.data), out.nbytes), blob);
    if (out.release) out.release(out.owner);
}

TEST_F(TfliteTest, BatchDimensionMayVary) {
    void* m = model();
    ASSERT_NE(m, nullptr);
    auto in = load_case("fc_add_relu", "in");
    auto expected = load_case("fc_add_relu", "out");
    // Three copies of the single row give three copies of the expected row.
    auto tile = [](const Array& a) {
        Array t = a;
        t.shape[0] = 3;
        t.bytes = a.bytes + a.bytes + a.bytes;
        return t;
    };
    Outputs outs(1);
    ASSERT_EQ(run_model(api, m, {tile(in[0]), tile(in[1])}, outs), "");
    expect_matches(outs.items[0], tile(expected[0]));
    check_case(api, m, "fc_add_relu");  // and back to batch 1
}

TEST_F(TfliteTest, ConcurrentRuns) {
    void* m = model();
    ASSERT_NE(m, nullptr);
    auto in = load_case("fc_add_relu", "in");
    std::atomic<int> failures{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t)
        ts.emplace_back([&] {
            for (int i = 0; i < 50; ++i) {
                Outputs outs(1);
                if (!run_model(api, m, in, outs).empty()) ++failures;
            }
        });
    for (auto& t : ts) t.join();
    EXPECT_EQ(failures, 0);
}

TEST_F(TfliteTest, CorruptedBlobsAreErrors) {
    EXPECT_NE(create_error(""), "");
    EXPECT_NE(create_error(blob.substr(0, blob.size() / 2)), "");
    EXPECT_NE(create_error(blob.substr(0, 8)), "");
    EXPECT_NE(create_error("garbage garbage garbage garbage"), "");
    std::string flipped = blob;
    for (size_t i = 0; i < 16; ++i) flipped[i] ^= 0x5a;
    EXPECT_NE(create_error(flipped), "");
    EXPECT_NE(create_error(read_file(models_dir() + "/mlp.onnx")), "");
}

TEST_F(TfliteTest, GpuIsAnError) {
    EXPECT_NE(create_error(blob, "GPU").find("GPU"), std::string::npos);
    EXPECT_NE(create_error(blob, "GPU:0"), "");
    EXPECT_EQ(create_error(blob, "CPU"), "");
}

TEST_F(TfliteTest, WrongInputCountDtypeShape) {
    void* m = model();
    ASSERT_NE(m, nullptr);
    auto in = load_case("fc_add_relu", "in");
    Outputs outs(1);
    EXPECT_EQ(run_model(api, m, {in[0]}, outs), "Expected 2 inputs but got 1");
    EXPECT_EQ(run_model(api, m, {in[0], in[1], in[1]}, outs), "Expected 2 inputs but got 3");
    auto ints = make_array(static_cast<int>(TensorType::Int32), {1, 4}, std::vector<int32_t>(4, 1));
    EXPECT_NE(run_model(api, m, {ints, in[1]}, outs).find("expects FLOAT"), std::string::npos);
    auto wide = make_array(k_float, {1, 5}, std::vector<float>(5, 1.f));
    EXPECT_NE(run_model(api, m, {wide, in[1]}, outs).find("incompatible"), std::string::npos);
    auto rank1 = make_array(k_float, {4}, std::vector<float>(4, 1.f));
    EXPECT_NE(run_model(api, m, {rank1, in[1]}, outs), "");
    auto lying = make_array(k_float, {1, 4}, std::vector<float>(2, 1.f));
    EXPECT_NE(run_model(api, m, {lying, in[1]}, outs), "");
    Outputs two(2);
    EXPECT_NE(run_model(api, m, in, two), "");
    // After all of that the model still runs.
    check_case(api, m, "fc_add_relu");
}

}  // namespace
}  // namespace insitu::test
