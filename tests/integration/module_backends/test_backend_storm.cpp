// The malformed-command storm with the real backend plugins loaded: mutations of valid MODEL*,
// SCRIPT* and DAG* commands (truncated and bit-flipped model blobs for every backend, broken
// TorchScript, empty entry points, scripts run without INPUTS, broken DAG syntax). Every command
// must be answered within the connection's receive timeout, the server must stay up, sentinel
// tensors keep their bytes and a sentinel model and script keep computing the same outputs.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "redis_server.h"
#include "test_model_files.h"

using insitu::Reply;
using insitu::testing::read_test_model;
using insitu::testing::RedisServer;

namespace {

using Command = std::vector<std::string>;

std::string floats(std::size_t n, float base) {
    std::string s(n * 4, '\0');
    for (std::size_t i = 0; i < n; ++i) {
        float v = base + 0.01f * static_cast<float>(i);
        std::memcpy(&s[i * 4], &v, 4);
    }
    return s;
}

std::vector<Command> templates(const std::string& script) {
    std::vector<Command> t = {
        {"AI.MODELSTORE", "storm:m1", "TORCH", "CPU", "BLOB", read_test_model("mlp_traced.pt")},
        {"AI.MODELSTORE", "storm:m1", "TORCH", "CPU", "TAG", "v1", "BATCHSIZE", "4", "MINBATCHSIZE",
         "2", "MINBATCHTIMEOUT", "10", "BLOB", read_test_model("scripted.pt")},
        {"AI.MODELSET", "storm:m2", "TORCH", "CPU", "BLOB", read_test_model("two_inputs.pt")},
        {"AI.MODELEXECUTE", "storm:torch", "INPUTS", "1", "storm:in64", "OUTPUTS", "1", "storm:out",
         "TIMEOUT", "1000"},
        {"AI.MODELRUN", "storm:torch", "INPUTS", "storm:in64", "OUTPUTS", "storm:out"},
        {"AI.MODELGET", "storm:torch", "META", "BLOB"},
        {"AI.MODELDEL", "storm:m1"},
        {"AI.SCRIPTSTORE", "storm:s1", "CPU", "ENTRY_POINTS", "2", "scale_add", "sums", "SOURCE",
         script},
        {"AI.SCRIPTSTORE", "storm:s1", "CPU", "ENTRY_POINTS", "1", "", "SOURCE", script},
        {"AI.SCRIPTSET", "storm:s2", "CPU", "SOURCE", "def f(a):\n    return a +\n"},
        {"AI.SCRIPTSET", "storm:s2", "CPU", "SOURCE", script},
        {"AI.SCRIPTEXECUTE", "storm:script", "scale_add", "INPUTS", "2", "storm:x", "storm:y",
         "ARGS", "1", "2.5", "OUTPUTS", "1", "storm:o"},
        {"AI.SCRIPTEXECUTE", "storm:script", "scale_add"},
        {"AI.SCRIPTEXECUTE", "storm:script", "sums", "KEYS", "1", "storm:x", "INPUTS", "2",
         "storm:x", "storm:y", "OUTPUTS", "2", "storm:o", "storm:p"},
        {"AI.SCRIPTRUN", "storm:script", "legacy_add", "INPUTS", "storm:x", "storm:y", "OUTPUTS",
         "storm:o"},
        {"AI.SCRIPTRUN", "storm:script", "legacy_concat", "INPUTS", "storm:x", "$", "storm:y",
         "storm:x", "OUTPUTS", "storm:o"},
        {"AI.SCRIPTGET", "storm:script", "META", "SOURCE"},
        {"AI.DAGEXECUTE", "LOAD",    "1",
         "storm:in64",    "PERSIST", "1",
         "storm:d",       "|>",      "AI.MODELEXECUTE",
         "storm:torch",   "INPUTS",  "1",
         "storm:in64",    "OUTPUTS", "1",
         "storm:d",       "|>",      "AI.TENSORGET",
         "storm:d",       "VALUES"},
        {"AI.DAGEXECUTE_RO", "ROUTING", "storm:x", "|>", "AI.TENSORSET", "a", "FLOAT", "2", "3",
         "BLOB", floats(6, 1), "|>", "AI.TENSORGET", "a", "META"},
        {"AI.DAGRUN", "LOAD", "2", "storm:x", "storm:y", "|>", "AI.SCRIPTRUN", "storm:script",
         "legacy_add", "INPUTS", "storm:x", "storm:y", "OUTPUTS", "z", "|>", "AI.TENSORGET", "z",
         "BLOB"},
        {"AI.INFO", "storm:torch"},
        {"AI.CONFIG", "GET", "MODEL_CHUNK_SIZE"},
        {"AI.CONFIG", "MODEL_CHUNK_SIZE", "1048576"},
    };
#ifdef INSITU_HAVE_ONNX
    t.push_back({"AI.MODELSTORE", "storm:o1", "ONNX", "CPU", "BLOB", read_test_model("mlp.onnx")});
    t.push_back({"AI.MODELSTORE", "storm:o2", "ONNX", "CPU", "BLOB", read_test_model("gbr.onnx")});
    t.push_back({"AI.MODELSTORE", "storm:o3", "ONNX", "CPU", "BLOB",
                 read_test_model("rf_classifier.onnx")});
    t.push_back({"AI.MODELEXECUTE", "storm:onnx", "INPUTS", "1", "storm:in4x5", "OUTPUTS", "1",
                 "storm:out"});
#endif
#ifdef INSITU_HAVE_TFLITE
    t.push_back({"AI.MODELSTORE", "storm:l1", "TFLITE", "CPU", "BLOB",
                 read_test_model("fc_add_relu.tflite")});
#endif
#ifdef INSITU_HAVE_TF
    t.push_back({"AI.MODELSTORE", "storm:t1", "TF", "CPU", "INPUTS", "1", "x", "OUTPUTS", "1",
                 "out", "BLOB", read_test_model("mlp_tf.pb")});
#endif
    return t;
}

const std::vector<std::string> k_odd = {
    "",
    "0",
    "-1",
    "9223372036854775807",
    "18446744073709551616",
    "1e309",
    "nan",
    "BLOB",
    "INPUTS",
    "OUTPUTS",
    "KEYS",
    "ARGS",
    "TIMEOUT",
    "|>",
    "$",
    "ENTRY_POINTS",
    "SOURCE",
    "GPU",
    "GPU:99",
    "TORCH",
    "ONNX",
    "TF",
    "AI.MODELEXECUTE",
    "AI.SCRIPTRUN",
    "storm:x",
    "storm:torch",
    std::string("\0\0", 2),
    "def f(a: List[Tensor], b: List[str], c: List[str]):\n  raise ValueError('x')\n"};

class Mutator {
  public:
    explicit Mutator(unsigned seed) : rng_(seed) {}
    std::size_t pick(std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
    }
    Command mutate(Command c) {
        int rounds = 1 + static_cast<int>(pick(2));
        for (int r = 0; r < rounds; ++r) {
            if (c.size() < 2) {
                c.push_back(k_odd[pick(k_odd.size())]);
                continue;
            }
            std::size_t i = 1 + pick(c.size() - 1);
            auto longest = std::max_element(c.begin() + 1, c.end(),
                                            [](auto& a, auto& b) { return a.size() < b.size(); });
            switch (pick(9)) {
                case 0:
                    c.erase(c.begin() + static_cast<long>(i));
                    break;
                case 1:
                    std::swap(c[i], c[1 + pick(c.size() - 1)]);
                    break;
                case 2:
                    c.insert(c.begin() + static_cast<long>(i), c[i]);
                    break;
                case 3:
                    c.resize(1 + pick(c.size()));
                    break;
                case 4:
                    c[i] = k_odd[pick(k_odd.size())];
                    break;
                case 5:
                    c.insert(c.begin() + static_cast<long>(i), k_odd[pick(k_odd.size())]);
                    break;
                case 6:  // bit flips in the blob / source
                    for (int f = 0; f < 1 + static_cast<int>(pick(8)) && !longest->empty(); ++f)
                        (*longest)[pick(longest->size())] ^= static_cast<char>(1 << pick(8));
                    break;
                case 7:  // truncated blob / source
                    if (!longest->empty()) longest->resize(pick(longest->size()));
                    break;
                case 8:  // a count that lies
                    for (auto& tok : c)
                        if (tok.size() == 1 && std::isdigit(static_cast<unsigned char>(tok[0])) &&
                            pick(2)) {
                            tok = std::to_string(pick(5));
                            break;
                        }
                    break;
            }
        }
        return c;
    }

  private:
    std::mt19937 rng_;
};

std::string key_of(const Command& c) {
    std::string s;
    for (const auto& t : c) s += std::to_string(t.size()) + ":" + t + "|";
    return s;
}

}  // namespace

TEST(BackendStorm, ServerSurvivesMalformedExecutionCommands) {
    RedisServer::Options o;
    o.module_args = {"BACKENDSPATH", INSITU_BACKENDS_DIR, "TORCH", "libinsitu_backend_torch.so"};
    RedisServer server(o);
    auto c = server.connect();
    const std::string script = read_test_model("script.txt");
    auto ok = [&](const Command& cmd) {
        Reply r = c->command(cmd);
        ASSERT_FALSE(r.is_error()) << cmd[0] << ": " << r.str;
    };
    // Objects the templates run against, and sentinels the storm never names.
    ok({"AI.TENSORSET", "storm:in64", "FLOAT", "1", "64", "BLOB", floats(64, 0.5f)});
    ok({"AI.TENSORSET", "storm:in4x5", "FLOAT", "5", "4", "BLOB", floats(20, 0.1f)});
    ok({"AI.TENSORSET", "storm:x", "FLOAT", "2", "3", "BLOB", floats(6, 1)});
    ok({"AI.TENSORSET", "storm:y", "FLOAT", "2", "3", "BLOB", floats(6, 2)});
    ok({"AI.MODELSTORE", "storm:torch", "TORCH", "CPU", "BLOB", read_test_model("mlp_traced.pt")});
    ok({"AI.SCRIPTSTORE", "storm:script", "CPU", "ENTRY_POINTS", "3", "scale_add", "sums", "pair",
        "SOURCE", script});
#ifdef INSITU_HAVE_ONNX
    ok({"AI.MODELSTORE", "storm:onnx", "ONNX", "CPU", "BLOB", read_test_model("linreg.onnx")});
#endif
    ok({"AI.TENSORSET", "sentinel:in", "FLOAT", "1", "64", "BLOB", floats(64, 0.25f)});
    ok({"AI.TENSORSET", "sentinel:a", "FLOAT", "2", "3", "BLOB", floats(6, 3)});
    ok({"AI.MODELSTORE", "sentinel:model", "TORCH", "CPU", "BLOB",
        read_test_model("mlp_traced.pt")});
    ok({"AI.SCRIPTSTORE", "sentinel:script", "CPU", "ENTRY_POINTS", "1", "scale_add", "SOURCE",
        script});
    ok({"SET", "sentinel:plain", "value"});
    auto sentinel_outputs = [&] {
        ok({"AI.MODELEXECUTE", "sentinel:model", "INPUTS", "1", "sentinel:in", "OUTPUTS", "1",
            "sentinel:out"});
        ok({"AI.SCRIPTEXECUTE", "sentinel:script", "scale_add", "INPUTS", "2", "sentinel:a",
            "sentinel:a", "ARGS", "1", "3", "OUTPUTS", "1", "sentinel:sout"});
        return std::make_pair(c->command({"AI.TENSORGET", "sentinel:out", "BLOB"}).str,
                              c->command({"AI.TENSORGET", "sentinel:sout", "BLOB"}).str);
    };
    auto outputs_before = sentinel_outputs();
    ASSERT_EQ(outputs_before.first.size(), 40u);
    const Command digest = {"DEBUG", "DIGEST-VALUE", "sentinel:in", "sentinel:a", "sentinel:plain"};
    Reply digest_before = c->command(digest);

    Mutator m(4242);
    auto base = templates(script);
    std::set<std::string> seen;
    int answered = 0, errors = 0;
    for (int attempt = 0; attempt < 20000 && seen.size() < 600; ++attempt) {
        Command cmd = m.mutate(base[m.pick(base.size())]);
        if (!seen.insert(key_of(cmd)).second) continue;
        bool names_sentinel = false;
        for (const auto& tok : cmd)
            names_sentinel = names_sentinel || tok.find("sentinel:") != std::string::npos;
        if (names_sentinel) continue;
        Reply r;
        try {
            r = c->command(cmd);
        } catch (const std::exception& e) {
            FAIL() << "no answer to command #" << answered << " (" << cmd[0] << "): " << e.what()
                   << "\nserver alive: " << server.alive() << "\n"
                   << server.log().substr(0, 4000);
        }
        ++answered;
        errors += r.is_error();
    }
    EXPECT_GE(answered, 500);
    EXPECT_GT(errors, answered / 3);
    ASSERT_TRUE(server.alive());
    EXPECT_TRUE(c->command({"PING"}).is_status("PONG"));
    EXPECT_EQ(c->command(digest).elements.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i)
        EXPECT_EQ(c->command(digest).elements[i].str, digest_before.elements[i].str);
    EXPECT_EQ(sentinel_outputs(), outputs_before);
}
