// TORCH plugin: TorchScript models and scripts, expected values from scripts/make-test-models.
#include "backend_test_util.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace insitu::test {
namespace {

constexpr int k_float = static_cast<int>(TensorType::Float);
constexpr int k_int32 = static_cast<int>(TensorType::Int32);
constexpr int k_int64 = static_cast<int>(TensorType::Int64);

class TorchTest : public ::testing::Test {
  protected:
    void SetUp() override {
        api = load_plugin(INSITU_BACKEND_TORCH_PATH).api;
        ASSERT_NE(api, nullptr);
    }
    void* model(const std::string& file) {
        return create_model(api, read_file(models_dir() + "/" + file), cpu_options());
    }
    std::string create_error(const std::string& blob, const char* device = "CPU") {
        insitu_model_options o = cpu_options();
        o.device = device;
        void* m = nullptr;
        insitu_error err{};
        int rc = api->model_create(blob.data(), blob.size(), &o, &m, &err);
        if (rc == 0) {
            api->model_free(m);
            return "";
        }
        EXPECT_EQ(m, nullptr);
        return err.message;
    }
    const insitu_backend_api* api = nullptr;
};

struct ModelGuard {
    const insitu_backend_api* api;
    void* m;
    ~ModelGuard() {
        if (m) api->model_free(m);
    }
};

TEST_F(TorchTest, TracedMlpMatchesTorch) {
    ModelGuard g{api, model("mlp_traced.pt")};
    ASSERT_NE(g.m, nullptr);
    EXPECT_EQ(api->model_num_inputs(g.m), 1);
    EXPECT_EQ(api->model_num_outputs(g.m), 1);
    check_case(api, g.m, "mlp_traced");
}

// The host's input bytes are const: a model that writes into its input works on a copy.
TEST_F(TorchTest, ModelWritingIntoItsInputLeavesTheHostBytesAlone) {
    ModelGuard g{api, model("writes_input.pt")};
    ASSERT_NE(g.m, nullptr);
    auto inputs = load_case("writes_input", "in");
    const std::string before = inputs[0].bytes;
    for (int i = 0; i < 2; ++i) {  // a second run sees the same, unchanged input
        Outputs outs(1);
        ASSERT_EQ(run_model(api, g.m, inputs, outs), "");
        expect_matches(outs.items[0], load_case("writes_input", "out")[0]);
    }
    EXPECT_EQ(inputs[0].bytes, before);
}

// An output that is the input itself owns its bytes: it outlives (and ignores) the host buffer.
TEST_F(TorchTest, OutputThatIsTheInputOwnsItsBytes) {
    ModelGuard g{api, model("returns_input.pt")};
    ASSERT_NE(g.m, nullptr);
    auto inputs = load_case("returns_input", "in");
    Outputs outs(1);
    ASSERT_EQ(run_model(api, g.m, inputs, outs), "");
    EXPECT_NE(outs.items[0].data, static_cast<const void*>(inputs[0].bytes.data()));
    std::fill(inputs[0].bytes.begin(), inputs[0].bytes.end(), '\x7f');
    expect_matches(outs.items[0], load_case("returns_input", "out")[0]);
}

TEST_F(TorchTest, TwoInputsTupleOutputs) {
    ModelGuard g{api, model("two_inputs.pt")};
    ASSERT_NE(g.m, nullptr);
    EXPECT_EQ(api->model_num_inputs(g.m), 2);
    EXPECT_EQ(api->model_num_outputs(g.m), 2);
    check_case(api, g.m, "two_inputs");
}

TEST_F(TorchTest, ScriptedModelWithControlFlow) {
    ModelGuard g{api, model("scripted.pt")};
    ASSERT_NE(g.m, nullptr);
    // forward(self, x, n: int = 3): the defaulted argument still counts as declared.
    EXPECT_EQ(api->model_num_inputs(g.m), 2);
    check_case(api, g.m, "scripted");
}

TEST_F(TorchTest, SerializeRoundTrip) {
    ModelGuard g{api, model("mlp_traced.pt")};
    ASSERT_NE(g.m, nullptr);
    insitu_output blob{};
    insitu_error err{};
    ASSERT_EQ(api->model_serialize(g.m, &blob, &err), 0) << err.message;
    std::string bytes(static_cast<const char*>(blob.data), blob.nbytes);
    if (blob.release) blob.release(blob.owner);
    EXPECT_GT(bytes.size(), 1000u);
    ModelGuard again{api, create_model(api, bytes, cpu_options())};
    ASSERT_NE(again.m, nullptr);
    check_case(api, again.m, "mlp_traced");
}

TEST_F(TorchTest, ConcurrentRuns) {
    ModelGuard g{api, model("mlp_traced.pt")};
    ASSERT_NE(g.m, nullptr);
    auto inputs = load_case("mlp_traced", "in");
    auto expected = load_case("mlp_traced", "out");
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 20; ++i) {
                Outputs outs(1);
                if (!run_model(api, g.m, inputs, outs).empty() ||
                    outs.items[0].nbytes != expected[0].bytes.size())
                    ++failures;
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures, 0);
}

TEST_F(TorchTest, CorruptedBlobsAreErrors) {
    std::string good = read_file(models_dir() + "/mlp_traced.pt");
    EXPECT_NE(create_error(""), "");
    EXPECT_NE(create_error(good.substr(0, good.size() / 2)), "");
    EXPECT_NE(create_error(good.substr(0, 10)), "");
    EXPECT_NE(create_error("this is not a torchscript archive at all"), "");
    // Damaged zip directory (flipped weight bytes would still load: torch does not check CRCs).
    std::string flipped = good;
    for (size_t i = flipped.size() - 300; i < flipped.size(); ++i) flipped[i] ^= 0x5a;
    EXPECT_NE(create_error(flipped), "");
    std::string bad_head = good;
    for (size_t i = 0; i < 64; ++i) bad_head[i] ^= 0x5a;
    EXPECT_NE(create_error(bad_head), "");
    std::string onnx = read_file(models_dir() + "/mlp.onnx");
    EXPECT_NE(create_error(onnx), "");
}

TEST_F(TorchTest, EmptyBlobPointer) {
    void* m = nullptr;
    insitu_error err{};
    auto o = cpu_options();
    EXPECT_NE(api->model_create(nullptr, 0, &o, &m, &err), 0);
    EXPECT_STRNE(err.message, "");
}

TEST_F(TorchTest, GpuWithoutCudaIsAnError) {
    std::string good = read_file(models_dir() + "/mlp_traced.pt");
    std::string msg = create_error(good, "GPU");
    if (msg.empty()) GTEST_SKIP() << "this libtorch has CUDA and a GPU";
    EXPECT_NE(msg.find("GPU requested but Torch couldn't find CUDA"), std::string::npos) << msg;
    EXPECT_NE(create_error(good, "GPU:1"), "");
    EXPECT_NE(create_error(good, "TPU"), "");
    EXPECT_EQ(create_error(good, "CPU:0"), "");
}

TEST_F(TorchTest, WrongInputCount) {
    ModelGuard g{api, model("two_inputs.pt")};
    ASSERT_NE(g.m, nullptr);
    auto inputs = load_case("two_inputs", "in");
    Outputs outs(2);
    EXPECT_NE(run_model(api, g.m, {inputs[0]}, outs).find("Expected 2 inputs but got 1"),
              std::string::npos);
    auto three = inputs;
    three.push_back(inputs[0]);
    EXPECT_NE(run_model(api, g.m, three, outs), "");
    EXPECT_EQ(outs.items[0].data, nullptr);
}

TEST_F(TorchTest, WrongDtypeAndShape) {
    ModelGuard g{api, model("mlp_traced.pt")};
    ASSERT_NE(g.m, nullptr);
    Outputs outs(1);
    auto ints = make_array(k_int32, {1, 64}, std::vector<int32_t>(64, 1));
    EXPECT_NE(run_model(api, g.m, {ints}, outs), "");
    auto narrow = make_array(k_float, {1, 63}, std::vector<float>(63, 1.f));
    // The cause comes first, ahead of the TorchScript traceback.
    EXPECT_EQ(run_model(api, g.m, {narrow}, outs)
                  .rfind("RuntimeError: mat1 and mat2 shapes cannot be multiplied", 0),
              0u);
    // A view whose byte count disagrees with its shape is rejected before reaching torch.
    auto lying = make_array(k_float, {1, 64}, std::vector<float>(8, 1.f));
    EXPECT_NE(run_model(api, g.m, {lying}, outs).find("data length"), std::string::npos);
    auto strings = make_array(static_cast<int>(TensorType::String), {1}, std::vector<char>{'a', 0});
    EXPECT_NE(run_model(api, g.m, {strings}, outs), "");
}

TEST_F(TorchTest, WrongOutputCount) {
    ModelGuard g{api, model("mlp_traced.pt")};
    ASSERT_NE(g.m, nullptr);
    Outputs outs(2);
    EXPECT_NE(run_model(api, g.m, load_case("mlp_traced", "in"), outs)
                  .find("Model did not generate the expected number of outputs"),
              std::string::npos);
    EXPECT_EQ(outs.items[0].data, nullptr);
}

// ---- scripts ---------------------------------------------------------------------------------

class TorchScriptTest : public TorchTest {
  protected:
    void SetUp() override {
        TorchTest::SetUp();
        if (HasFatalFailure()) return;
        source = read_file(models_dir() + "/script.txt");
    }
    void TearDown() override {
        if (script) api->script_free(script);
    }
    std::string create(const std::vector<const char*>& entry_points, const std::string& src = {},
                       const char* device = "CPU") {
        const std::string& s = src.empty() ? source : src;
        insitu_error err{};
        if (script) api->script_free(script);
        script = nullptr;
        int rc = api->script_create(s.data(), s.size(), device, entry_points.data(),
                                    static_cast<int>(entry_points.size()), &script, &err);
        return rc == 0 ? "" : err.message;
    }
    std::string run(const char* fn, const std::vector<Array>& inputs, Outputs& outs,
                    int* n_out = nullptr, int variadic_from = -1,
                    const std::vector<const char*>& keys = {},
                    const std::vector<const char*>& args = {}) {
        auto v = views(inputs);
        insitu_error err{};
        int n = -1;
        int rc = api->script_run(script, fn, v.data(), static_cast<int>(v.size()), variadic_from,
                                 keys.data(), static_cast<int>(keys.size()), args.data(),
                                 static_cast<int>(args.size()), outs.items.data(),
                                 static_cast<int>(outs.items.size()), &n, &err);
        if (n_out) *n_out = n;
        return rc == 0 ? "" : err.message;
    }
    void check(const char* fn, const std::string& name, const std::vector<const char*>& args = {},
               int variadic_from = -1) {
        auto inputs = load_case(name, "in");
        auto expected = load_case(name, "out");
        Outputs outs(expected.size());
        int n = 0;
        ASSERT_EQ(run(fn, inputs, outs, &n, variadic_from, {}, args), "");
        ASSERT_EQ(n, static_cast<int>(expected.size()));
        for (size_t i = 0; i < expected.size(); ++i) {
            SCOPED_TRACE(name + " output " + std::to_string(i));
            expect_matches(outs.items[i], expected[i]);
        }
    }
    std::string source;
    void* script = nullptr;
};

TEST_F(TorchScriptTest, EntryPoints) {
    ASSERT_EQ(create({"scale_add", "sums", "pair", "key_count"}), "");
    EXPECT_TRUE(api->script_has_function(script, "scale_add"));
    EXPECT_TRUE(api->script_has_function(script, "legacy_add"));
    EXPECT_FALSE(api->script_has_function(script, "nope"));
    EXPECT_FALSE(api->script_has_function(script, ""));
    check("scale_add", "script_scale_add", {"2.5"});
    check("sums", "script_sums");  // List[Tensor] result
    check("pair", "script_pair");  // tuple result, mixed dtypes
}

TEST_F(TorchScriptTest, KeysAndArgsReachTheFunction) {
    ASSERT_EQ(create({"key_count"}), "");
    Outputs outs(1);
    int n = 0;
    ASSERT_EQ(run("key_count", {}, outs, &n, -1, {"k1", "k2", "k3"}, {"a"}), "");
    ASSERT_EQ(n, 1);
    auto expected = make_array(k_int32, {2}, std::vector<int32_t>{3, 1});
    expect_matches(outs.items[0], expected);
}

TEST_F(TorchScriptTest, MoreOutputsThanSlotsAreCounted) {
    ASSERT_EQ(create({"pair"}), "");
    Outputs outs(1);
    int n = 0;
    ASSERT_EQ(run("pair", load_case("script_pair", "in"), outs, &n), "");
    EXPECT_EQ(n, 2);  // the host reports the mismatch
    EXPECT_NE(outs.items[0].data, nullptr);
}

TEST_F(TorchScriptTest, MissingEntryPoint) {
    EXPECT_EQ(create({"scale_add", "missing_fn"}),
              "Function missing_fn does not exist in the given script.");
    EXPECT_EQ(script, nullptr);
}

TEST_F(TorchScriptTest, WrongEntryPointSignature) {
    std::string msg = create({"legacy_add"});
    EXPECT_EQ(msg.rfind("Wrong inputs type in function legacy_add", 0), 0u) << msg;
    EXPECT_NE(msg.find("(tensors: List[Tensor], keys: List[str], args: List[str])"),
              std::string::npos);
    EXPECT_NE(create({"wrong_signature"}).find("Wrong inputs type in function wrong_signature"),
              std::string::npos);
}

TEST_F(TorchScriptTest, EmptyEntryPointName) {
    EXPECT_NE(create({""}), "");
    EXPECT_NE(create({nullptr}), "");
}

TEST_F(TorchScriptTest, CompileErrors) {
    EXPECT_NE(create({}, "def broken(:\n  return"), "");
    EXPECT_NE(create({}, "def f(a: Tensor):\n    return undefined_name(a)\n"), "");
    insitu_error err{};
    void* s = nullptr;
    EXPECT_NE(api->script_create("", 0, "CPU", nullptr, 0, &s, &err), 0);
    EXPECT_EQ(s, nullptr);
}

TEST_F(TorchScriptTest, GpuWithoutCuda) {
    std::string msg = create({"scale_add"}, {}, "GPU");
    if (msg.empty()) GTEST_SKIP() << "this libtorch has CUDA and a GPU";
    EXPECT_NE(msg.find("GPU requested but Torch couldn't find CUDA"), std::string::npos) << msg;
}

TEST_F(TorchScriptTest, ScriptThatRaises) {
    ASSERT_EQ(create({"fails"}), "");
    Outputs outs(1);
    std::string msg = run("fails", load_case("script_pair", "in"), outs);
    EXPECT_EQ(msg.rfind("RuntimeError: ValueError: deliberate failure in script", 0), 0u) << msg;
    EXPECT_EQ(outs.items[0].data, nullptr);
}

TEST_F(TorchScriptTest, ScriptRuntimeErrorFromTorch) {
    ASSERT_EQ(create({"scale_add"}), "");
    Outputs outs(1);
    // Only one tensor: tensors[1] is out of range inside the script.
    EXPECT_NE(run("scale_add", {load_case("script_scale_add", "in")[0]}, outs), "");
    // Shapes that do not broadcast.
    auto a = make_array(k_float, {2, 3}, std::vector<float>(6, 1.f));
    auto b = make_array(k_float, {4}, std::vector<float>(4, 1.f));
    EXPECT_NE(run("scale_add", {a, b}, outs), "");
    // An argument that is not a number.
    EXPECT_NE(run("scale_add", load_case("script_scale_add", "in"), outs, nullptr, -1, {}, {"abc"}),
              "");
}

TEST_F(TorchScriptTest, UnknownFunctionAtRun) {
    ASSERT_EQ(create({"scale_add"}), "");
    Outputs outs(1);
    EXPECT_EQ(run("nope", {}, outs), "Function nope does not exist in the given script.");
    EXPECT_NE(run("", {}, outs), "");
}

TEST_F(TorchScriptTest, LegacyPositionalAndVariadic) {
    ASSERT_EQ(create({}), "");  // SCRIPTSET: no entry points
    check("legacy_add", "script_legacy_add");
    check("legacy_concat", "script_legacy_concat");  // trailing List[Tensor]
    check("legacy_concat", "script_legacy_concat", {}, /*variadic_from=*/1);  // explicit '$'
    // Entry-point-shaped functions still get (tensors, keys, args) without being declared.
    check("scale_add", "script_scale_add", {"2.5"});
}

TEST_F(TorchScriptTest, LegacyWrongInputCount) {
    ASSERT_EQ(create({}), "");
    auto in = load_case("script_legacy_add", "in");
    Outputs outs(1);
    EXPECT_NE(run("legacy_add", {in[0]}, outs).find("Wrong number of inputs provided to function"),
              std::string::npos);
    EXPECT_NE(run("legacy_add", {in[0], in[1], in[0]}, outs), "");
    EXPECT_NE(run("legacy_concat", {}, outs).find("Wrong number of inputs"), std::string::npos);
    EXPECT_NE(run("legacy_add", in, outs, nullptr, /*variadic_from=*/1), "");  // no List[Tensor]
}

// ---- host services: redis.execute and redisAI.model_execute ---------------------------------

struct FakeHost {
    std::string reply;
    std::vector<std::string> last_argv;
};

int fake_execute(void* ctx, int argc, const char* const* argv, const size_t* lens,
                 const char** resp, size_t* resp_len) {
    auto* h = static_cast<FakeHost*>(ctx);
    h->last_argv.clear();
    for (int i = 0; i < argc; ++i) h->last_argv.emplace_back(argv[i], lens[i]);
    if (h->last_argv[0] == "FAIL") h->reply = "-ERR no such thing\r\n";
    *resp = h->reply.data();
    *resp_len = h->reply.size();
    return 0;
}

// A "model" that doubles its one FLOAT input.
int fake_model_execute(void*, const char* key, const insitu_tensor_view* in, int n_in,
                       insitu_output* out, int n_out, insitu_error* err) {
    if (std::string(key) != "m" || n_in != 1 || n_out != 1 || in[0].dtype != k_float) {
        std::snprintf(err->message, sizeof err->message, "bad model call");
        return 1;
    }
    auto* buf = new std::vector<float>(in[0].nbytes / 4);
    const auto* src = static_cast<const float*>(in[0].data);
    for (size_t i = 0; i < buf->size(); ++i) (*buf)[i] = src[i] * 2;
    out[0] = insitu_output{};
    out[0].dtype = k_float;
    out[0].ndim = in[0].ndim;
    std::copy(in[0].shape, in[0].shape + in[0].ndim, out[0].shape);
    out[0].data = buf->data();
    out[0].nbytes = in[0].nbytes;
    out[0].owner = buf;
    out[0].release = [](void* o) { delete static_cast<std::vector<float>*>(o); };
    return 0;
}

TEST_F(TorchScriptTest, RedisExecuteAndModelExecute) {
    FakeHost host_state;
    insitu_host_api host{&host_state, fake_execute, fake_model_execute};
    insitu_error err{};
    ASSERT_EQ(api->init(&host, 0, 0, &err), 0) << err.message;
    const std::string src = R"(
def get_int(tensors: List[Tensor], keys: List[str], args: List[str]):
    v = redis.execute("GET", keys)
    return torch.tensor([int(str(v))])

def list_len(tensors: List[Tensor], keys: List[str], args: List[str]):
    v = redis.asList(redis.execute("LRANGE", [keys[0], "0", "-1"]))
    return torch.tensor([len(v)])

def fail(tensors: List[Tensor], keys: List[str], args: List[str]):
    redis.execute("FAIL", keys)
    return tensors[0]

def double(tensors: List[Tensor], keys: List[str], args: List[str]):
    return redisAI.model_execute("m", tensors, 1)
)";
    std::string msg = create({"get_int", "list_len", "fail", "double"}, src);
    ASSERT_EQ(msg, "");
    Outputs outs(1);
    host_state.reply = "$2\r\n42\r\n";
    ASSERT_EQ(run("get_int", {}, outs, nullptr, -1, {"counter"}), "");
    EXPECT_EQ((host_state.last_argv), (std::vector<std::string>{"GET", "counter"}));
    expect_matches(outs.items[0], make_array(k_int64, {1}, std::vector<int64_t>{42}));

    Outputs outs2(1);
    host_state.reply = "*3\r\n$1\r\na\r\n:5\r\n$-1\r\n";
    ASSERT_EQ(run("list_len", {}, outs2, nullptr, -1, {"l"}), "");
    expect_matches(outs2.items[0], make_array(k_int64, {1}, std::vector<int64_t>{3}));

    Outputs outs3(1);
    auto x = make_array(k_float, {2}, std::vector<float>{1.5f, -2.f});
    msg = run("fail", {x}, outs3, nullptr, -1, {"k"});
    EXPECT_NE(msg.find("Redis command returned an error: ERR no such thing"), std::string::npos)
        << msg;

    Outputs outs4(1);
    ASSERT_EQ(run("double", {x}, outs4), "");
    expect_matches(outs4.items[0], make_array(k_float, {2}, std::vector<float>{3.f, -4.f}));
    ASSERT_EQ(api->init(nullptr, 0, 0, &err), 0);
    Outputs outs5(1);
    EXPECT_NE(run("double", {x}, outs5), "");  // no host: an error, not a crash
}

}  // namespace
}  // namespace insitu::test
