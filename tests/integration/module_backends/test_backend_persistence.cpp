// Restarts with every persistence mode: RDB, and AOF with aof-use-rdb-preamble yes and no (half of
// the data written before a BGREWRITEAOF, so the rewritten base file, half after, so the replayed
// commands). Models of every built backend, scripts and tensors of every dtype must come back
// bit-exactly (AI.MODELGET META BLOB, AI.SCRIPTGET META SOURCE, AI.TENSORGET META BLOB/VALUES
// compared byte for byte) and every model and script must compute the same output bytes. A model's
// BLOB is the file it was stored from, byte for byte, before and after (RedisAI's behaviour; a
// backend's re-serialization differs).
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "redis_server.h"
#include "test_model_files.h"

using insitu::Reply;
using insitu::testing::RawConnection;
using insitu::testing::read_test_model;
using insitu::testing::RedisServer;
using namespace std::chrono_literals;

namespace {

using Command = std::vector<std::string>;

std::string floats(std::size_t n, float base) {
    std::string s(n * 4, '\0');
    for (std::size_t i = 0; i < n; ++i) {
        float v = base + 0.37f * static_cast<float>(i % 17) - 0.011f * static_cast<float>(i);
        std::memcpy(&s[i * 4], &v, 4);
    }
    return s;
}

// Every byte value the dtype allows, in a deterministic pattern.
std::string blob_of(const std::string& dtype, std::size_t bytes) {
    std::string s(bytes, '\0');
    for (std::size_t i = 0; i < bytes; ++i)
        s[i] = dtype == "BOOL" ? static_cast<char>(i % 3 == 0)
                               : static_cast<char>((i * 167 + 13) ^ (i >> 5));
    return s;
}

// A canonical, exact text of a reply (bytes kept as they are).
std::string dump(const Reply& r) {
    std::string out = std::to_string(static_cast<int>(r.type)) + ":";
    if (r.type == Reply::Type::integer || r.type == Reply::Type::boolean)
        return out + std::to_string(r.integer);
    out += std::to_string(r.str.size()) + ":" + r.str + "[";
    for (const Reply& e : r.elements) out += dump(e) + ",";
    return out + "]";
}

enum class Mode { rdb, aof_preamble, aof_plain };

struct Names {
    std::vector<std::string> tensors, models, scripts;
    std::vector<Command> runs;         // commands whose outputs are compared
    std::vector<std::string> outputs;  // tensors the runs write
};

// Stores the first or the second half of the data set.
void store(RawConnection& c, Names& names, int half) {
    auto ok = [&](const Command& cmd) {
        Reply r = c.command(cmd);
        ASSERT_TRUE(r.is_status("OK")) << cmd[0] << " " << cmd[1] << ": " << r.str;
    };
    const std::vector<std::pair<std::string, std::size_t>> dtypes = {
        {"FLOAT", 4}, {"DOUBLE", 8},  {"INT8", 1},    {"INT16", 2},  {"INT32", 4},
        {"INT64", 8}, {"UINT8", 1},   {"UINT16", 2},  {"UINT32", 4}, {"UINT64", 8},
        {"BOOL", 1},  {"FLOAT16", 2}, {"BFLOAT16", 2}};
    for (std::size_t i = 0; i < dtypes.size(); ++i) {
        if (static_cast<int>(i % 2) != half) continue;
        const auto& [dt, es] = dtypes[i];
        std::string key = "t:" + dt;
        ok({"AI.TENSORSET", key, dt, "3", "5", "7", "BLOB", blob_of(dt, 105 * es)});
        ok({"AI.TENSORSET", key + ":scalar", dt, "BLOB", blob_of(dt, es)});  // rank 0
        names.tensors.insert(names.tensors.end(), {key, key + ":scalar"});
    }
    if (half == 0) {
        ok({"AI.TENSORSET", "t:STRING", "STRING", "3", "VALUES", "alpha", "", "\xff\x01 bytes"});
        std::string big = blob_of("UINT8", 3 << 20);
        ok({"AI.TENSORSET", "t:big", "UINT8", std::to_string(big.size()), "BLOB", big});
        names.tensors.insert(names.tensors.end(), {"t:STRING", "t:big"});

        ok({"AI.TENSORSET", "in:1x64", "FLOAT", "1", "64", "BLOB", floats(64, 0.1f)});
        ok({"AI.TENSORSET", "in:2x3a", "FLOAT", "2", "3", "BLOB", floats(6, 1.5f)});
        ok({"AI.TENSORSET", "in:2x3b", "FLOAT", "2", "3", "BLOB", floats(6, -2.f)});
        ok({"AI.TENSORSET", "in:2x4", "FLOAT", "2", "4", "BLOB", floats(8, 0.3f)});
        names.tensors.insert(names.tensors.end(), {"in:1x64", "in:2x3a", "in:2x3b", "in:2x4"});

        ok({"AI.MODELSTORE", "m:torch", "TORCH", "CPU", "TAG", "v7", "BATCHSIZE", "4",
            "MINBATCHSIZE", "2", "MINBATCHTIMEOUT", "20", "BLOB",
            read_test_model("mlp_traced.pt")});
        ok({"AI.MODELSTORE", "m:two", "TORCH", "CPU", "BLOB", read_test_model("two_inputs.pt")});
        ok({"AI.SCRIPTSTORE", "s:script", "CPU", "TAG", "st", "ENTRY_POINTS", "3", "scale_add",
            "sums", "pair", "SOURCE", read_test_model("script.txt")});
        names.models.insert(names.models.end(), {"m:torch", "m:two"});
        names.scripts.push_back("s:script");
        names.runs.push_back(
            {"AI.MODELEXECUTE", "m:torch", "INPUTS", "1", "in:1x64", "OUTPUTS", "1", "o:torch"});
        names.runs.push_back({"AI.MODELEXECUTE", "m:two", "INPUTS", "2", "in:2x3a", "in:2x3b",
                              "OUTPUTS", "2", "o:two0", "o:two1"});
        names.runs.push_back({"AI.SCRIPTEXECUTE", "s:script", "scale_add", "INPUTS", "2", "in:2x3a",
                              "in:2x3b", "ARGS", "1", "2.5", "OUTPUTS", "1", "o:sa"});
        names.runs.push_back({"AI.SCRIPTEXECUTE", "s:script", "pair", "INPUTS", "1", "in:2x3a",
                              "OUTPUTS", "2", "o:p0", "o:p1"});
        names.outputs.insert(names.outputs.end(),
                             {"o:torch", "o:two0", "o:two1", "o:sa", "o:p0", "o:p1"});
    } else {
        // Stored and compared, not run: its forward() takes an optional int the module counts
        // as a second input.
        ok({"AI.MODELSTORE", "m:scripted", "TORCH", "CPU", "BLOB", read_test_model("scripted.pt")});
        ok({"AI.SCRIPTSET", "s:legacy", "CPU", "SOURCE", read_test_model("script.txt")});
        names.models.push_back("m:scripted");
        names.scripts.push_back("s:legacy");
        names.runs.push_back({"AI.SCRIPTRUN", "s:legacy", "legacy_add", "INPUTS", "in:2x3a",
                              "in:2x3b", "OUTPUTS", "o:legacy"});
        names.outputs.push_back("o:legacy");
#ifdef INSITU_HAVE_ONNX
        ok({"AI.TENSORSET", "in:2x64", "FLOAT", "2", "64", "BLOB", floats(128, -0.4f)});
        ok({"AI.TENSORSET", "in:5x4", "FLOAT", "5", "4", "BLOB", floats(20, 0.2f)});
        ok({"AI.MODELSTORE", "m:onnx", "ONNX", "CPU", "TAG", "o", "BLOB",
            read_test_model("mlp.onnx")});
        ok({"AI.MODELSTORE", "m:rf", "ONNX", "CPU", "BLOB", read_test_model("rf_classifier.onnx")});
        names.tensors.insert(names.tensors.end(), {"in:2x64", "in:5x4"});
        names.models.insert(names.models.end(), {"m:onnx", "m:rf"});
        names.runs.push_back(
            {"AI.MODELEXECUTE", "m:onnx", "INPUTS", "1", "in:2x64", "OUTPUTS", "1", "o:onnx"});
        names.runs.push_back(
            {"AI.MODELEXECUTE", "m:rf", "INPUTS", "1", "in:5x4", "OUTPUTS", "2", "o:rf0", "o:rf1"});
        names.outputs.insert(names.outputs.end(), {"o:onnx", "o:rf0", "o:rf1"});
#endif
#ifdef INSITU_HAVE_TFLITE
        ok({"AI.TENSORSET", "in:1x4", "FLOAT", "1", "4", "BLOB", floats(4, 0.7f)});
        ok({"AI.TENSORSET", "in:1x3", "FLOAT", "1", "3", "BLOB", floats(3, -0.2f)});
        ok({"AI.MODELSTORE", "m:tflite", "TFLITE", "CPU", "BLOB",
            read_test_model("fc_add_relu.tflite")});
        names.tensors.insert(names.tensors.end(), {"in:1x4", "in:1x3"});
        names.models.push_back("m:tflite");
        names.runs.push_back({"AI.MODELEXECUTE", "m:tflite", "INPUTS", "2", "in:1x4", "in:1x3",
                              "OUTPUTS", "1", "o:tflite"});
        names.outputs.push_back("o:tflite");
#endif
#ifdef INSITU_HAVE_TF
        ok({"AI.MODELSTORE", "m:tf", "TF", "CPU", "INPUTS", "1", "x", "OUTPUTS", "1", "out", "BLOB",
            read_test_model("mlp_tf.pb")});
        names.models.push_back("m:tf");
        names.runs.push_back(
            {"AI.MODELEXECUTE", "m:tf", "INPUTS", "1", "in:2x4", "OUTPUTS", "1", "o:tf"});
        names.outputs.push_back("o:tf");
#endif
    }
}

// The file each model key is stored from.
const std::map<std::string, std::string>& model_files() {
    static const std::map<std::string, std::string> files = {
        {"m:torch", "mlp_traced.pt"},   {"m:two", "two_inputs.pt"},
        {"m:scripted", "scripted.pt"},  {"m:onnx", "mlp.onnx"},
        {"m:rf", "rf_classifier.onnx"}, {"m:tflite", "fc_add_relu.tflite"},
        {"m:tf", "mlp_tf.pb"}};
    return files;
}

// AI.MODELGET BLOB as one string (a blob above MODEL_CHUNK_SIZE comes as an array of chunks).
std::string model_blob(RawConnection& c, const std::string& key) {
    Reply r = c.command({"AI.MODELGET", key, "BLOB"});
    if (r.type != Reply::Type::array) return r.str;
    std::string out;
    for (const Reply& e : r.elements) out += e.str;
    return out;
}

void expect_stored_bytes(RawConnection& c, const Names& names, const std::string& when) {
    for (const auto& m : names.models) {
        std::string blob = model_blob(c, m);
        std::string file = read_test_model(model_files().at(m));
        EXPECT_EQ(blob.size(), file.size()) << m << " " << when;
        EXPECT_TRUE(blob == file) << m << ": AI.MODELGET BLOB is not the stored file " << when;
    }
}

std::map<std::string, std::string> snapshot(RawConnection& c, const Names& names) {
    std::map<std::string, std::string> out;
    for (const auto& t : names.tensors) {
        bool text = t == "t:STRING";
        out[t] = dump(c.command({"AI.TENSORGET", t, "META", text ? "VALUES" : "BLOB"}));
    }
    for (const auto& m : names.models) out[m] = dump(c.command({"AI.MODELGET", m, "META", "BLOB"}));
    for (const auto& s : names.scripts)
        out[s] = dump(c.command({"AI.SCRIPTGET", s, "META", "SOURCE"}));
    return out;
}

std::map<std::string, std::string> run_all(RawConnection& c, const Names& names) {
    std::map<std::string, std::string> out;
    for (const auto& run : names.runs) {
        Reply r = c.command(run);
        EXPECT_TRUE(r.is_status("OK")) << run[0] << " " << run[1] << ": " << r.str;
    }
    for (const auto& o : names.outputs)
        out[o] = dump(c.command({"AI.TENSORGET", o, "META", "BLOB"}));
    std::vector<std::string> del = {"DEL"};
    del.insert(del.end(), names.outputs.begin(), names.outputs.end());
    c.command(del);
    return out;
}

void wait_rewrite(RawConnection& c) {
    for (int i = 0; i < 1000; ++i) {
        std::string info = c.command({"INFO", "persistence"}).str;
        if (info.find("aof_rewrite_in_progress:0") != std::string::npos &&
            info.find("aof_rewrite_scheduled:0") != std::string::npos) {
            ASSERT_NE(info.find("aof_last_bgrewrite_status:ok"), std::string::npos) << info;
            return;
        }
        std::this_thread::sleep_for(10ms);
    }
    FAIL() << "BGREWRITEAOF did not finish";
}

class BackendPersistence : public ::testing::TestWithParam<Mode> {};

}  // namespace

TEST_P(BackendPersistence, EveryDtypeBackendAndScriptBitExact) {
    const Mode mode = GetParam();
    RedisServer::Options o;
    o.module_args = {"BACKENDSPATH", INSITU_BACKENDS_DIR, "THREADS_PER_QUEUE", "1"};
    o.appendonly = mode != Mode::rdb;
    if (mode != Mode::rdb)
        o.extra_args = {"--aof-use-rdb-preamble", mode == Mode::aof_preamble ? "yes" : "no"};
    RedisServer s(o);
    Names names;
    std::map<std::string, std::string> before, outputs_before;
    std::string digest;
    {
        auto c = s.connect();
        store(*c, names, 0);
        if (mode != Mode::rdb) {
            // The first half goes into the rewritten base file (RDB or AOF commands), the second
            // stays in the incremental AOF as the commands that were sent.
            ASSERT_EQ(c->command({"BGREWRITEAOF"}).type, Reply::Type::status);
            wait_rewrite(*c);
        }
        store(*c, names, 1);
        if (::testing::Test::HasFatalFailure()) return;
        before = snapshot(*c, names);
        expect_stored_bytes(*c, names, "as stored");
        outputs_before = run_all(*c, names);
        digest = c->command({"DEBUG", "DIGEST"}).str;
    }
    // RDB: SHUTDOWN SAVE. AOF: SHUTDOWN NOSAVE, so only the AOF can bring the data back.
    s.restart(/*save=*/mode == Mode::rdb);
    auto c = s.connect();
    const std::size_t keys = names.tensors.size() + names.models.size() + names.scripts.size();
    EXPECT_EQ(c->command({"DBSIZE"}).integer, static_cast<long long>(keys));
    EXPECT_EQ(c->command({"DEBUG", "DIGEST"}).str, digest);
    auto after = snapshot(*c, names);
    std::size_t bytes = 0;
    for (const auto& [k, v] : before) {
        EXPECT_EQ(after[k], v) << k << " differs after the restart";
        bytes += v.size();
    }
    EXPECT_GT(bytes, std::size_t(3) << 20);
    expect_stored_bytes(*c, names, "after the restart");
    // DEBUG RELOAD: save and load the RDB in place.
    ASSERT_TRUE(c->command({"DEBUG", "RELOAD"}).is_status("OK"));
    expect_stored_bytes(*c, names, "after DEBUG RELOAD");
    // Restored models and scripts compute exactly what they computed before.
    auto outputs_after = run_all(*c, names);
    for (const auto& [k, v] : outputs_before) EXPECT_EQ(outputs_after[k], v) << k;
    EXPECT_EQ(outputs_after.size(), outputs_before.size());
}

INSTANTIATE_TEST_SUITE_P(Modes, BackendPersistence,
                         ::testing::Values(Mode::rdb, Mode::aof_preamble, Mode::aof_plain),
                         [](const auto& info) {
                             switch (info.param) {
                                 case Mode::rdb:
                                     return std::string("Rdb");
                                 case Mode::aof_preamble:
                                     return std::string("AofRdbPreamble");
                                 default:
                                     return std::string("AofPlain");
                             }
                         });
