// Models and scripts through the client with the real TORCH plugin (found through BACKENDSPATH =
// the build's backends directory) on a standalone server and a 3-shard cluster. Models, inputs
// and expected outputs are the files scripts/make-test-models wrote with torch (tests/models).
#include <gtest/gtest.h>

#include <insitu/client.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "../client/client_test_util.h"
#include "redis_server.h"

using namespace insitu;
using insitu::test::make_client;
using insitu::testing::RedisCluster;
using insitu::testing::RedisServer;

namespace {

std::string read_file(const std::string& name) {
    std::ifstream f(std::string(INSITU_TEST_MODELS_DIR) + "/" + name, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    if (s.str().empty()) throw std::runtime_error("missing test file " + name);
    return s.str();
}

// A float32 C-order .npy file (version 1 header), as numpy.save writes them.
struct Npy {
    std::vector<std::size_t> shape;
    std::vector<float> values;
};
Npy load_npy(const std::string& name) {
    std::string f = read_file(name);
    if (f.size() < 10 || f.compare(0, 6, "\x93NUMPY") != 0)
        throw std::runtime_error(name + " is not .npy");
    std::size_t hlen = static_cast<unsigned char>(f[8]) | (static_cast<unsigned char>(f[9]) << 8);
    std::string header = f.substr(10, hlen);
    if (header.find("'<f4'") == std::string::npos) throw std::runtime_error(name + ": not <f4");
    Npy out;
    auto open = header.find('(', header.find("'shape'"));
    auto close = header.find(')', open);
    std::stringstream dims(header.substr(open + 1, close - open - 1));
    std::string tok;
    while (std::getline(dims, tok, ','))
        if (tok.find_first_not_of(' ') != std::string::npos) out.shape.push_back(std::stoul(tok));
    out.values.resize((f.size() - 10 - hlen) / 4);
    std::memcpy(out.values.data(), f.data() + 10 + hlen, out.values.size() * 4);
    return out;
}

void expect_near(const std::vector<float>& got, const std::vector<float>& want) {
    ASSERT_EQ(got.size(), want.size());
    ASSERT_FALSE(want.empty());
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5) << i;
}

std::vector<std::string> module_args() {
    return {"BACKENDSPATH", INSITU_BACKENDS_DIR};
}

class Models : public ::testing::TestWithParam<bool> {
  protected:
    static void SetUpTestSuite() {
        RedisServer::Options o;
        o.module_args = module_args();
        server_ = new RedisServer(o);
        cluster_ = new RedisCluster(3, module_args());
    }
    static void TearDownTestSuite() {
        delete server_;
        delete cluster_;
        server_ = nullptr;
        cluster_ = nullptr;
    }
    void SetUp() override {
        for (RedisServer* s : servers()) {
            auto c = s->connect();
            ASSERT_TRUE(c->command({"FLUSHALL"}).is_status("OK"));
            c->command({"AI.CONFIG", "MODEL_CHUNK_SIZE", std::to_string(511 * 1024 * 1024)});
        }
        client_ = std::make_unique<Client>(make_client(ssdb(), cluster()));
    }
    bool cluster() const { return GetParam(); }
    std::vector<RedisServer*> servers() const {
        return cluster() ? cluster_->shards() : std::vector<RedisServer*>{server_};
    }
    std::string ssdb() const { return cluster() ? cluster_->ssdb() : server_->address(); }

    void put(const std::string& key, const Npy& a) {
        client_->put_tensor(key, a.values.data(), a.shape, TensorType::Float,
                            MemoryLayout::Contiguous);
    }
    std::vector<float> get(const std::string& key, std::size_t n) {
        std::vector<float> out(n);
        client_->unpack_tensor(key, out.data(), {n}, TensorType::Float, MemoryLayout::Contiguous);
        return out;
    }
    // Keys on every server matching `pattern` (KEYS, read by raw connections).
    std::vector<std::string> keys(const std::string& pattern) const {
        std::vector<std::string> out;
        for (RedisServer* s : servers())
            for (const Reply& k : s->connect()->command({"KEYS", pattern}).elements)
                out.push_back(k.str);
        return out;
    }
    // Each shard holds exactly one copy of `name`, under a key whose hash tag puts it in the
    // lowest slot that shard serves (computed by the server: CLUSTER SLOTS / CLUSTER KEYSLOT).
    void expect_one_copy_per_shard(const std::string& name) {
        auto slots = cluster_->shards()[0]->connect()->command({"CLUSTER", "SLOTS"});
        for (RedisServer* s : cluster_->shards()) {
            auto c = s->connect();
            auto found = c->command({"KEYS", "*}." + name});
            ASSERT_EQ(found.elements.size(), 1u) << "shard " << s->address();
            const std::string key = found.elements[0].str;
            ASSERT_EQ(key.front(), '{');
            EXPECT_EQ(key.substr(key.find('}')), "}." + name);
            long long lowest = 1 << 20;
            for (const Reply& r : slots.elements)
                if (r.elements[2].elements[1].integer == s->port())
                    lowest = std::min(lowest, r.elements[0].integer);
            EXPECT_EQ(c->command({"CLUSTER", "KEYSLOT", key}).integer, lowest) << key;
        }
    }
    // The shard that serves `key`'s slot.
    RedisServer& owner(const std::string& key) const { return cluster_->owner_of(key); }
    std::string key_on(const RedisServer& s, const std::string& stem) const {
        for (int i = 0;; ++i)
            if (&owner(stem + std::to_string(i)) == &s) return stem + std::to_string(i);
    }

    static RedisServer* server_;
    static RedisCluster* cluster_;
    std::unique_ptr<Client> client_;
};
RedisServer* Models::server_ = nullptr;
RedisCluster* Models::cluster_ = nullptr;

std::string mode_name(const ::testing::TestParamInfo<bool>& p) {
    return p.param ? "Cluster" : "Standalone";
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Modes, Models, ::testing::Values(false, true), mode_name);

TEST_P(Models, SetGetRunDeleteModel) {
    client_->set_model("m", read_file("two_inputs.pt"), "torch", "CPU");
    EXPECT_TRUE(client_->model_exists("m"));
    EXPECT_TRUE(client_->poll_model("m", 5, 2));
    if (cluster()) expect_one_copy_per_shard("m");
    EXPECT_FALSE(client_->get_model("m").empty());  // re-serialized by torch: not byte-equal

    put("a", load_npy("two_inputs.in0.npy"));
    put("b", load_npy("two_inputs.in1.npy"));
    client_->run_model("m", {"a", "b"}, {"sum", "prod"});
    expect_near(get("sum", 6), load_npy("two_inputs.out0.npy").values);
    expect_near(get("prod", 6), load_npy("two_inputs.out1.npy").values);

    // What get_model returns stores and runs again.
    std::string blob(client_->get_model("m"));
    client_->set_model("m2", blob, "TORCH", "CPU");
    client_->run_model("m2", {"a", "b"}, {"sum2", "prod2"});
    expect_near(get("sum2", 6), load_npy("two_inputs.out0.npy").values);

    client_->delete_model("m");
    EXPECT_FALSE(client_->model_exists("m"));
    EXPECT_TRUE(keys("*}.m").empty());
    EXPECT_THROW(client_->run_model("m", {"a", "b"}, {"x", "y"}), Exception);
    EXPECT_THROW(client_->get_model("m"), KeyException);
    EXPECT_THROW(client_->delete_model("m"), KeyException);
}

TEST_P(Models, ChunkedSetModelUsesTheServersChunkSize) {
    const std::string blob = read_file("mlp_traced.pt");
    const int chunk = 1500;
    client_->set_model_chunk_size(chunk);
    for (RedisServer* s : servers())
        EXPECT_EQ(s->connect()->command({"AI.CONFIG", "GET", "MODEL_CHUNK_SIZE"}).integer, chunk);
    // The slow log keeps every command's argument count (each argument cut at 128 bytes).
    for (RedisServer* s : servers()) {
        auto c = s->connect();
        c->command({"CONFIG", "SET", "slowlog-log-slower-than", "0"});
        c->command({"SLOWLOG", "RESET"});
    }
    client_->set_model_from_file("mlp", std::string(INSITU_TEST_MODELS_DIR) + "/mlp_traced.pt",
                                 "TORCH", "CPU");
    const std::size_t want_chunks = (blob.size() + chunk - 1) / chunk;
    int stores = 0;
    for (RedisServer* s : servers()) {
        auto c = s->connect();
        Reply log = c->command({"SLOWLOG", "GET", "1000"});
        c->command({"CONFIG", "SET", "slowlog-log-slower-than", "10000"});
        for (const Reply& e : log.elements) {
            const auto& args = e.elements[3].elements;
            if (args.empty() || args[0].str != "AI.MODELSTORE") continue;
            ++stores;
            std::size_t blob_at = 0;
            while (blob_at < args.size() && args[blob_at].str != "BLOB") ++blob_at;
            ASSERT_LT(blob_at, args.size());
            EXPECT_EQ(args.size() - blob_at - 1, want_chunks);
        }
    }
    EXPECT_EQ(stores, cluster() ? 3 : 1);
    put("x", load_npy("mlp_traced.in0.npy"));
    client_->run_model("mlp", {"x"}, {"y"});
    expect_near(get("y", 10), load_npy("mlp_traced.out0.npy").values);
    // Served back in chunks by the server, joined by the client.
    std::string back(client_->get_model("mlp"));
    EXPECT_GT(back.size(), static_cast<std::size_t>(chunk));
    client_->set_model("mlp2", back, "TORCH", "CPU");
    client_->run_model("mlp2", {"x"}, {"y2"});
    expect_near(get("y2", 10), load_npy("mlp_traced.out0.npy").values);
    EXPECT_THROW(client_->set_model_chunk_size(0), ParameterException);
}

TEST_P(Models, ScriptsSetGetRunDelete) {
    const std::string source = read_file("script.txt");
    client_->set_script("s", "CPU", source);
    EXPECT_EQ(client_->get_script("s"), source);
    EXPECT_TRUE(client_->model_exists("s"));  // like the peer: scripts count as models here
    if (cluster()) expect_one_copy_per_shard("s");
    put("a", load_npy("script_legacy_add.in0.npy"));
    put("b", load_npy("script_legacy_add.in1.npy"));
    client_->run_script("s", "legacy_add", {"a", "b"}, {"c"});
    expect_near(get("c", 6), load_npy("script_legacy_add.out0.npy").values);
    put("c0", load_npy("script_legacy_concat.in0.npy"));
    put("c1", load_npy("script_legacy_concat.in1.npy"));
    put("c2", load_npy("script_legacy_concat.in2.npy"));
    client_->set_script_from_file("s2", "CPU", std::string(INSITU_TEST_MODELS_DIR) + "/script.txt");
    client_->run_script("s2", "legacy_concat", {"c0", "c1", "c2"}, {"cat"});
    expect_near(get("cat", 15), load_npy("script_legacy_concat.out0.npy").values);
    try {
        client_->run_script("s", "fails", {"a"}, {"z"});
        ADD_FAILURE() << "a failing script did not throw";
    } catch (const DatabaseException& e) {
        EXPECT_NE(std::string(e.what()).find("run_script 's'"), std::string::npos) << e.what();
    }
    client_->delete_script("s");
    EXPECT_FALSE(client_->model_exists("s"));
    EXPECT_TRUE(keys("*}.s").empty());
    EXPECT_THROW(client_->get_script("s"), KeyException);
    EXPECT_THROW(client_->delete_script("s"), KeyException);
}

TEST_P(Models, MultiGpuHelpersNameEveryGpuAndNeverFallBackToCpu) {
    const std::string blob = read_file("two_inputs.pt");
    // No GPU here: the store must fail with the backend's GPU error, and nothing may be stored.
    try {
        client_->set_model_multigpu("g", blob, "TORCH", 1, 2);
        ADD_FAILURE() << "a multi-GPU model was stored on a machine without a GPU";
    } catch (const DatabaseException& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("GPU"), std::string::npos) << what;
        EXPECT_NE(what.find("CUDA"), std::string::npos) << what;
    }
    EXPECT_TRUE(keys("*g*").empty());
    try {
        client_->set_script_multigpu("sg", read_file("script.txt"), 0, 2);
        ADD_FAILURE() << "a multi-GPU script was stored on a machine without a GPU";
    } catch (const DatabaseException& e) {
        EXPECT_NE(std::string(e.what()).find("GPU"), std::string::npos) << e.what();
    }

    // Key naming, checked with CPU copies stored under the names the helpers use.
    for (const char* k : {"g", "g.GPU:1", "g.GPU:2"}) client_->set_model(k, blob, "TORCH", "CPU");
    put("a", load_npy("two_inputs.in0.npy"));
    put("b", load_npy("two_inputs.in1.npy"));
    client_->run_model_multigpu("g", {"a", "b"}, {"s", "p"}, 3, 1, 2);  // 1 + 3 % 2 = GPU:2
    expect_near(get("s", 6), load_npy("two_inputs.out0.npy").values);
    client_->delete_model("g.GPU:2");
    EXPECT_THROW(client_->run_model_multigpu("g", {"a", "b"}, {"s", "p"}, 5, 1, 2), Exception);
    client_->run_model_multigpu("g", {"a", "b"}, {"s", "p"}, 4, 1, 2);  // GPU:1
    client_->set_model("g.GPU:2", blob, "TORCH", "CPU");
    // Deletes GPU:1 and GPU:2 (first_gpu .. first_gpu + num_gpus - 1) and the plain name.
    client_->delete_model_multigpu("g", 1, 2);
    EXPECT_FALSE(client_->model_exists("g"));
    EXPECT_FALSE(client_->model_exists("g.GPU:1"));
    EXPECT_FALSE(client_->model_exists("g.GPU:2"));
    EXPECT_TRUE(keys("*g*").empty());

    const std::string src = read_file("script.txt");
    for (const char* k : {"sg", "sg.GPU:0", "sg.GPU:1"}) client_->set_script(k, "CPU", src);
    client_->run_script_multigpu("sg", "legacy_add", {"a", "b"}, {"c"}, 1, 0, 2);  // GPU:1
    expect_near(get("c", 6), load_npy("two_inputs.out0.npy").values);  // legacy_add: a + b
    client_->delete_script_multigpu("sg", 0, 2);
    EXPECT_TRUE(keys("*sg*").empty());

    EXPECT_THROW(client_->set_model_multigpu("g", blob, "TORCH", 0, 0), ParameterException);
    EXPECT_THROW(client_->run_model_multigpu("g", {"a"}, {"b"}, -1, 0, 1), ParameterException);
}

TEST_P(Models, AiInfo) {
    client_->set_model("m", read_file("two_inputs.pt"), "TORCH", "CPU", 0, 0, 0, "v1");
    put("a", load_npy("two_inputs.in0.npy"));
    put("b", load_npy("two_inputs.in1.npy"));
    client_->run_model("m", {"a", "b"}, {"s", "p"});
    client_->run_model("m", {"a", "b"}, {"s", "p"});
    // The node that ran it: the owner of the first input's slot.
    std::string node = cluster() ? owner("a").address() : server_->address();
    auto info = client_->get_ai_info(node, "m", false);
    EXPECT_EQ(info["key"], "m");
    EXPECT_EQ(info["type"], "MODEL");
    EXPECT_EQ(info["backend"], "TORCH");
    EXPECT_EQ(info["device"], "CPU");
    EXPECT_EQ(info["tag"], "v1");
    EXPECT_EQ(info["calls"], "2");
    EXPECT_EQ(info["errors"], "0");
    EXPECT_TRUE(client_->get_ai_info(node, "m", true).empty());
    EXPECT_EQ(client_->get_ai_info(node, "m", false)["calls"], "0");
    EXPECT_THROW(client_->get_ai_info(node, "nothing", false), KeyException);
    EXPECT_THROW(client_->get_ai_info("127.0.0.1:1", "m", false), ParameterException);
}

TEST_P(Models, ClientSideValidation) {
    const std::string blob = read_file("two_inputs.pt");
    EXPECT_THROW(client_->set_model("m", blob, "PYTORCH", "CPU"), ParameterException);
    EXPECT_THROW(client_->set_model("m", blob, "TORCH", "TPU"), ParameterException);
    EXPECT_THROW(client_->set_model("m", blob, "TORCH", "CPU", 0, 0, 0, "", {"x"}, {"y"}),
                 ParameterException);
    EXPECT_THROW(client_->set_model("m", blob, "TF", "CPU"), ParameterException);
    EXPECT_THROW(client_->set_model("m", blob, "TORCH", "CPU", 0, 2), ParameterException);
    EXPECT_THROW(client_->set_model("m", blob, "TORCH", "CPU", 4, 0, 10), ParameterException);
    EXPECT_THROW(client_->set_model("m", blob, "TORCH", "CPU", -1), ParameterException);
    EXPECT_THROW(client_->set_model("m", "", "TORCH", "CPU"), ParameterException);
    EXPECT_THROW(client_->set_model("", blob, "TORCH", "CPU"), ParameterException);
    EXPECT_THROW(client_->set_model_from_file("m", "/nonexistent/m.pt", "TORCH", "CPU"),
                 ParameterException);
    EXPECT_THROW(client_->set_script("s", "XPU", "def f(a): return a"), ParameterException);
    EXPECT_THROW(client_->run_model("m", {}, {"y"}), ParameterException);
    EXPECT_FALSE(client_->model_exists("m"));
    // Accepted: batching options, a GPU-like device name is left to the server.
    client_->set_model("m", blob, "TORCH", "CPU", 4, 2, 10, "tag");
    EXPECT_TRUE(client_->model_exists("m"));
}

// ---- the one-round-trip run_model (inputs and output buffers in one AI.DAGEXECUTE) ----------

namespace {

long long total_keys(const std::vector<RedisServer*>& servers) {
    long long n = 0;
    for (RedisServer* s : servers) n += s->connect()->command({"DBSIZE"}).integer;
    return n;
}

}  // namespace

TEST_P(Models, InlineRunEqualsPutRunUnpackBitForBitAndLeavesNoKeys) {
    client_->set_model("mlp", read_file("mlp_traced.pt"), "TORCH", "CPU");
    client_->set_model("m", read_file("two_inputs.pt"), "TORCH", "CPU");
    const Npy x = load_npy("mlp_traced.in0.npy");
    put("x", x);
    client_->run_model("mlp", {"x"}, {"y"});
    const std::vector<float> three_calls = get("y", 10);

    const long long keys_before = total_keys(servers());
    std::vector<float> inline_out(10, -1.0f);
    client_->run_model("mlp", {{x.values.data(), x.shape, TensorType::Float}},
                       {{inline_out.data(), {1, 10}, TensorType::Float}});
    EXPECT_EQ(std::memcmp(inline_out.data(), three_calls.data(), 10 * sizeof(float)), 0);
    expect_near(inline_out, load_npy("mlp_traced.out0.npy").values);
    // Nothing was written: the request's tensors never become keys.
    EXPECT_EQ(total_keys(servers()), keys_before);
    EXPECT_TRUE(keys("in0").empty());
    EXPECT_TRUE(keys("out0").empty());

    // Two inputs, two outputs; the second output read with a Fortran-ordered buffer.
    const Npy a = load_npy("two_inputs.in0.npy"), b = load_npy("two_inputs.in1.npy");
    put("a", a);
    put("b", b);
    client_->run_model("m", {"a", "b"}, {"sum", "prod"});
    std::vector<float> sum(6), prod_f(6), prod_f3(6);
    client_->unpack_tensor("prod", prod_f3.data(), {2, 3}, TensorType::Float,
                           MemoryLayout::FortranContiguous);
    client_->run_model(
        "m",
        {{a.values.data(), a.shape, TensorType::Float},
         {b.values.data(), b.shape, TensorType::Float}},
        {{sum.data(), {2, 3}, TensorType::Float},
         {prod_f.data(), {2, 3}, TensorType::Float, MemoryLayout::FortranContiguous}});
    const std::vector<float> sum3 = get("sum", 6);
    EXPECT_EQ(std::memcmp(sum.data(), sum3.data(), sizeof(float) * 6), 0);
    EXPECT_EQ(std::memcmp(prod_f.data(), prod_f3.data(), sizeof(float) * 6), 0);
    expect_near(sum, load_npy("two_inputs.out0.npy").values);

    // Outputs allocated once their dtype and shape are known (what the Python binding uses).
    std::vector<std::vector<float>> got(2);
    std::vector<std::vector<std::size_t>> got_dims(2);
    client_->run_model_into("m",
                            {{a.values.data(), a.shape, TensorType::Float},
                             {b.values.data(), b.shape, TensorType::Float}},
                            2, [&](std::size_t i, TensorType t, const std::vector<std::size_t>& d) {
                                EXPECT_EQ(t, TensorType::Float);
                                got_dims[i] = d;
                                got[i].resize(6);
                                return static_cast<void*>(got[i].data());
                            });
    EXPECT_EQ(got_dims[0], (std::vector<std::size_t>{2, 3}));
    EXPECT_EQ(std::memcmp(got[0].data(), sum3.data(), sizeof(float) * 6), 0);
    const std::vector<float> prod3 = get("prod", 6);
    EXPECT_EQ(std::memcmp(got[1].data(), prod3.data(), sizeof(float) * 6), 0);
    // An allocator that throws: its exception comes through, the connection stays in step.
    EXPECT_THROW(client_->run_model_into(
                     "m",
                     {{a.values.data(), a.shape, TensorType::Float},
                      {b.values.data(), b.shape, TensorType::Float}},
                     2,
                     [](std::size_t, TensorType, const std::vector<std::size_t>&) -> void* {
                         throw std::runtime_error("no memory here");
                     }),
                 std::runtime_error);
    EXPECT_EQ(get("sum", 6), sum3);

    // Many clients (each draws its shard in a cluster): every run is right, no key is left.
    const long long keys_now = total_keys(servers());
    for (int i = 0; i < 6; ++i) {
        Client other = make_client(ssdb(), cluster());
        std::vector<float> out(10, 0.0f);
        other.run_model("mlp", {{x.values.data(), x.shape, TensorType::Float}},
                        {{out.data(), {1, 10}, TensorType::Float}});
        EXPECT_EQ(std::memcmp(out.data(), three_calls.data(), 10 * sizeof(float)), 0) << i;
    }
    EXPECT_EQ(total_keys(servers()), keys_now);
}

TEST_P(Models, InlineRunErrorsNameTheModelAndKeepTheConnection) {
    client_->set_model("mlp", read_file("mlp_traced.pt"), "TORCH", "CPU");
    const Npy x = load_npy("mlp_traced.in0.npy");
    const std::vector<InputTensor> in{{x.values.data(), x.shape, TensorType::Float}};
    std::vector<float> out(10, -7.0f);
    const std::vector<float> untouched = out;
    auto message = [](auto&& fn) {
        try {
            fn();
        } catch (const Exception& e) {
            return std::string(e.what());
        }
        return std::string("no exception");
    };

    // A missing model.
    EXPECT_THROW(client_->run_model("nosuch", in, {{out.data(), {1, 10}, TensorType::Float}}),
                 KeyException);
    EXPECT_NE(message([&] {
                  client_->run_model("nosuch", in, {{out.data(), {1, 10}, TensorType::Float}});
              }).find("nosuch"),
              std::string::npos);

    // A wrong input shape: the backend's error, naming the model.
    std::vector<float> short_in(32, 1.0f);
    const std::string bad_shape = message([&] {
        client_->run_model("mlp", {{short_in.data(), {1, 32}, TensorType::Float}},
                           {{out.data(), {1, 10}, TensorType::Float}});
    });
    EXPECT_NE(bad_shape.find("run_model 'mlp' failed"), std::string::npos) << bad_shape;
    EXPECT_THROW(client_->run_model("mlp", {{short_in.data(), {1, 32}, TensorType::Float}},
                                    {{out.data(), {1, 10}, TensorType::Float}}),
                 DatabaseException);

    // Output buffers of the wrong dtype or shape: checked before any byte is written there.
    std::vector<double> as_double(10);
    EXPECT_THROW(client_->run_model("mlp", in, {{as_double.data(), {1, 10}, TensorType::Double}}),
                 TypeException);
    const std::string wrong_shape = message([&] {
        client_->run_model("mlp", in, {{out.data(), {1, 5}, TensorType::Float}});
    });
    EXPECT_NE(wrong_shape.find("output 0 has shape [1, 10]"), std::string::npos) << wrong_shape;
    EXPECT_EQ(out, untouched);
    EXPECT_NE(message([&] {
                  client_->run_model("mlp", in, {{nullptr, {1, 10}, TensorType::Float}});
              }).find("run_model"),
              std::string::npos);
    EXPECT_THROW(client_->run_model("mlp", {}, {{out.data(), {1, 10}, TensorType::Float}}),
                 ParameterException);

    // The same connection still serves the next run, and nothing was left behind.
    client_->run_model("mlp", in, {{out.data(), {1, 10}, TensorType::Float}});
    expect_near(out, load_npy("mlp_traced.out0.npy").values);
    EXPECT_EQ(total_keys(servers()), cluster() ? 3 : 1);  // the model copies only
}

TEST_P(Models, InlineRunUsesModelPrefixing) {
    Client producer = make_client(ssdb(), cluster(), {{"SSKEYOUT", "ens1"}, {"SSKEYIN", "ens1"}});
    producer.use_model_ensemble_prefix(true);
    producer.set_model("pm", read_file("mlp_traced.pt"), "TORCH", "CPU");
    const Npy x = load_npy("mlp_traced.in0.npy");
    std::vector<float> out(10);
    producer.run_model("pm", {{x.values.data(), x.shape, TensorType::Float}},
                       {{out.data(), {1, 10}, TensorType::Float}});
    expect_near(out, load_npy("mlp_traced.out0.npy").values);
    // Without the prefix the model is not found; with it spelled out it is.
    client_->run_model("ens1.pm", {{x.values.data(), x.shape, TensorType::Float}},
                       {{out.data(), {1, 10}, TensorType::Float}});
    EXPECT_THROW(client_->run_model("pm", {{x.values.data(), x.shape, TensorType::Float}},
                                    {{out.data(), {1, 10}, TensorType::Float}}),
                 KeyException);
}

TEST_P(Models, ModelPrefixing) {
    Client producer = make_client(ssdb(), cluster(), {{"SSKEYOUT", "ens1"}, {"SSKEYIN", "ens1"}});
    producer.use_model_ensemble_prefix(true);
    producer.set_model("pm", read_file("two_inputs.pt"), "TORCH", "CPU");
    EXPECT_EQ(keys(cluster() ? "*}.ens1.pm" : "ens1.pm").size(), cluster() ? 3u : 1u);
    producer.put_tensor("a", load_npy("two_inputs.in0.npy").values.data(), {2, 3},
                        TensorType::Float, MemoryLayout::Contiguous);
    producer.put_tensor("b", load_npy("two_inputs.in1.npy").values.data(), {2, 3},
                        TensorType::Float, MemoryLayout::Contiguous);
    producer.run_model("pm", {"a", "b"}, {"s", "p"});
    EXPECT_EQ(keys("ens1.s").size(), 1u);
    // Model prefixing is off by default: a plain client does not see it.
    EXPECT_FALSE(client_->model_exists("pm"));
    EXPECT_TRUE(client_->model_exists("ens1.pm"));
}

// ---- cluster execution goes to the data --------------------------------------------------------

class ClusterRuns : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { cluster_ = new RedisCluster(3, module_args()); }
    static void TearDownTestSuite() {
        delete cluster_;
        cluster_ = nullptr;
    }
    void SetUp() override {
        for (RedisServer* s : cluster_->shards())
            ASSERT_TRUE(s->connect()->command({"FLUSHALL"}).is_status("OK"));
        client_ = std::make_unique<Client>(make_client(cluster_->ssdb(), true));
        client_->set_model("m", read_file("two_inputs.pt"), "TORCH", "CPU");
        client_->set_script("s", "CPU", read_file("script.txt"));
        a_ = load_npy("two_inputs.in0.npy");
        b_ = load_npy("two_inputs.in1.npy");
    }
    void put(const std::string& key, const Npy& v) {
        client_->put_tensor(key, v.values.data(), v.shape, TensorType::Float,
                            MemoryLayout::Contiguous);
    }
    std::vector<float> get(const std::string& key) {
        std::vector<float> out(6);
        client_->unpack_tensor(key, out.data(), {6}, TensorType::Float, MemoryLayout::Contiguous);
        return out;
    }
    std::vector<std::string> temporaries() const {
        std::vector<std::string> out;
        for (RedisServer* s : cluster_->shards())
            for (const Reply& k : s->connect()->command({"KEYS", "*.TMP"}).elements)
                out.push_back(k.str);
        return out;
    }
    static RedisCluster* cluster_;
    std::unique_ptr<Client> client_;
    Npy a_, b_;
};
RedisCluster* ClusterRuns::cluster_ = nullptr;

TEST_F(ClusterRuns, ShardKeysPutTensorsNextToTheModelCopies) {
    std::set<const RedisServer*> shards;
    for (int rank = 0; rank < 6; ++rank) {
        const std::string a = client_->shard_key("a", rank), b = client_->shard_key("b", rank);
        const std::string s = client_->shard_key("sum", rank), p = client_->shard_key("prod", rank);
        shards.insert(&cluster_->owner_of(a));
        put(a, a_);
        put(b, b_);
        client_->run_model("m", {a, b}, {s, p});
        expect_near(get(s), load_npy("two_inputs.out0.npy").values);
        expect_near(get(p), load_npy("two_inputs.out1.npy").values);
        client_->run_script("s", "legacy_add", {a, b}, {s});
        expect_near(get(s), load_npy("two_inputs.out0.npy").values);  // legacy_add: a + b
    }
    EXPECT_EQ(shards.size(), 3u);  // ranks spread over every shard
    EXPECT_EQ(client_->bytes_moved(), 0u);
    EXPECT_TRUE(temporaries().empty());
}

// EXPECTATION ON THE MODULE: in a cluster, insitu's AI.MODELEXECUTE / AI.SCRIPTRUN declare a
// model or script key to Redis only when it shares the tensors' slot (not the shard-local copy
// "{P}.<name>"), so a run whose tensors share any one slot executes where they are. If this fails
// with bytes_moved > 0, the module reports the model key (src/module/commands/key_access.cpp):
// the client then falls back to copying, like the peer.
TEST_F(ClusterRuns, SlotAlignedRunMovesNoTensor) {
    for (const std::string tag : {"rank0", "rank1", "rank2", "rank3"}) {
        const std::string a = hash_tagged(tag, "a"), b = hash_tagged(tag, "b");
        const std::string s = hash_tagged(tag, "sum"), p = hash_tagged(tag, "prod");
        put(a, a_);
        put(b, b_);
        client_->run_model("m", {a, b}, {s, p});
        expect_near(get(s), load_npy("two_inputs.out0.npy").values);
        expect_near(get(p), load_npy("two_inputs.out1.npy").values);
        client_->run_script("s", "legacy_add", {a, b}, {s});
        expect_near(get(s), load_npy("two_inputs.out0.npy").values);  // legacy_add: a + b
    }
    EXPECT_EQ(client_->bytes_moved(), 0u)
        << "slot-aligned runs copied tensors: the module declares the model/script key of "
           "AI.MODELEXECUTE / AI.SCRIPTRUN to Redis Cluster";
    EXPECT_TRUE(temporaries().empty());
}

TEST_F(ClusterRuns, CrossSlotRunCopiesThroughTheClientAndCleansUp) {
    auto shards = cluster_->shards();
    auto key_on = [&](RedisServer* s, const std::string& stem) {
        for (int i = 0;; ++i)
            if (&cluster_->owner_of(stem + std::to_string(i)) == s) return stem + std::to_string(i);
    };
    const std::string a = key_on(shards[0], "a"), b = key_on(shards[1], "b");
    const std::string s = key_on(shards[2], "sum"), p = key_on(shards[1], "prod");
    put(a, a_);
    put(b, b_);
    client_->run_model("m", {a, b}, {s, p});
    expect_near(get(s), load_npy("two_inputs.out0.npy").values);
    expect_near(get(p), load_npy("two_inputs.out1.npy").values);
    const auto after_model = client_->bytes_moved();
    // At least every input and output crossed twice (read from one shard, written to another),
    // minus any that already sat in the model copy's slot.
    EXPECT_GT(after_model, 2u * 24u);
    client_->run_script("s", "legacy_add", {a, b}, {s});
    expect_near(get(s), load_npy("two_inputs.out0.npy").values);  // legacy_add: a + b
    EXPECT_GT(client_->bytes_moved(), after_model);
    EXPECT_TRUE(temporaries().empty());
    client_->reset_bytes_moved();
    EXPECT_EQ(client_->bytes_moved(), 0u);
    // A failing run leaves no temporaries behind either.
    EXPECT_THROW(client_->run_script("s", "fails", {a}, {s}), DatabaseException);
    EXPECT_TRUE(temporaries().empty());
    EXPECT_THROW(client_->run_model("m", {a, "missing"}, {s, p}), KeyException);
    EXPECT_TRUE(temporaries().empty());
}
