// The execution commands with the real TORCH plugin (libinsitu_backend_torch.so, found through
// BACKENDSPATH = the build's backends directory). The TorchScript model, script, inputs and
// expected outputs are written by torch itself (/usr/bin/python3 with python3-torch) at test
// time: if either is missing these tests fail, they are never skipped.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "redis_server.h"

using insitu::Reply;
using insitu::testing::RedisServer;

namespace {

const char* k_generator = R"PY(
import os, struct, sys, torch
d = sys.argv[1]
class M(torch.nn.Module):
    def forward(self, a, b):
        return torch.matmul(a, b) + 1.0
torch.jit.script(M()).save(os.path.join(d, "model.pt"))
class Scale(torch.nn.Module):
    def forward(self, x):
        return x * 3.0 + 1.0
torch.jit.script(Scale()).save(os.path.join(d, "scale.pt"))
src = """
def add_two(tensors: List[Tensor], keys: List[str], args: List[str]):
    return tensors[0] + tensors[1] * float(args[0])
"""
open(os.path.join(d, "script.txt"), "w").write(src)
a = torch.arange(6, dtype=torch.float32).reshape(2, 3) / 7.0
b = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 10.0
c = torch.arange(6, dtype=torch.float32).reshape(2, 3) * 0.5
def dump(name, t):
    v = t.contiguous().flatten().tolist()
    open(os.path.join(d, name + ".bin"), "wb").write(struct.pack("%df" % len(v), *v))
dump("a", a); dump("b", b); dump("c", c)
dump("mm", torch.matmul(a, b) + 1.0)
dump("scaled", a * 3.0 + 1.0)
dump("script", a + c * 2.5)
)PY";

std::string read_file(const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

std::vector<float> floats(const std::string& s) {
    std::vector<float> v(s.size() / 4);
    std::memcpy(v.data(), s.data(), s.size());
    return v;
}

void expect_near(const std::string& got, const std::string& want) {
    auto g = floats(got), w = floats(want);
    ASSERT_EQ(g.size(), w.size());
    ASSERT_FALSE(w.empty());
    for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], w[i], 1e-5) << i;
}

class TorchExec : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = insitu::testing::make_temp_dir("torch-models");
        std::ofstream(dir_ + "/gen.py") << k_generator;
        std::string cmd = "/usr/bin/python3 " + dir_ + "/gen.py " + dir_;
        ASSERT_EQ(std::system(cmd.c_str()), 0) << "python3-torch is needed to write test models";
    }
    RedisServer::Options options() {
        RedisServer::Options o;
        o.module_args = {"BACKENDSPATH", INSITU_BACKENDS_DIR};
        return o;
    }
    std::string file(const std::string& n) { return read_file(dir_ + "/" + n); }
    static std::string dir_;
};
std::string TorchExec::dir_;

}  // namespace

TEST_F(TorchExec, ModelStoreExecuteGetRoundTripWithTorchsNumbers) {
    RedisServer s(options());
    auto c = s.connect();
    Reply st = c->command({"AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", file("model.pt")});
    ASSERT_TRUE(st.is_status("OK")) << st.str;
    ASSERT_TRUE(c->command({"AI.TENSORSET", "a", "FLOAT", "2", "3", "BLOB", file("a.bin")})
                    .is_status("OK"));
    ASSERT_TRUE(c->command({"AI.TENSORSET", "b", "FLOAT", "3", "4", "BLOB", file("b.bin")})
                    .is_status("OK"));
    Reply r = c->command({"AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "o"});
    ASSERT_TRUE(r.is_status("OK")) << r.str;
    expect_near(c->command({"AI.TENSORGET", "o", "BLOB"}).str, file("mm.bin"));
    // The re-serialized model stores and runs again.
    Reply blob = c->command({"AI.MODELGET", "m", "BLOB"});
    ASSERT_EQ(blob.type, Reply::Type::bulk);
    ASSERT_TRUE(
        c->command({"AI.MODELSTORE", "m2", "TORCH", "CPU", "BLOB", blob.str}).is_status("OK"));
    ASSERT_TRUE(c->command({"AI.MODELEXECUTE", "m2", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "o2"})
                    .is_status("OK"));
    expect_near(c->command({"AI.TENSORGET", "o2", "BLOB"}).str, file("mm.bin"));
    EXPECT_EQ(c->command({"AI.MODELEXECUTE", "m", "INPUTS", "1", "a", "OUTPUTS", "1", "o"}).str,
              "Number of keys given as INPUTS here does not match model definition");
    // Wrong shapes: the backend's error, counted by AI.INFO.
    Reply bad = c->command({"AI.MODELEXECUTE", "m", "INPUTS", "2", "a", "a", "OUTPUTS", "1", "o"});
    EXPECT_TRUE(bad.is_error());
    EXPECT_EQ(c->command({"AI.INFO", "m"}).elements[17].integer, 1);
}

TEST_F(TorchExec, CorruptedModelIsAnErrorAndTheServerKeepsItsData) {
    RedisServer s(options());
    auto c = s.connect();
    ASSERT_TRUE(c->command({"AI.TENSORSET", "keep", "FLOAT", "1", "VALUES", "1"}).is_status("OK"));
    std::string blob = file("model.pt");
    std::string corrupt = blob.substr(0, blob.size() / 2);
    for (std::size_t i = 0; i < corrupt.size(); i += 97)
        corrupt[i] = static_cast<char>(~corrupt[i]);
    Reply r = c->command({"AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", corrupt});
    EXPECT_TRUE(r.is_error());
    EXPECT_EQ(r.str.rfind("ERR", 0), 0u);
    EXPECT_TRUE(s.alive());
    EXPECT_EQ(c->command({"EXISTS", "m"}).integer, 0);
    EXPECT_EQ(c->command({"AI.TENSORGET", "keep", "VALUES"}).elements[0].str, "1");
}

TEST_F(TorchExec, ScriptEntryPointWithArgs) {
    RedisServer s(options());
    auto c = s.connect();
    Reply st = c->command({"AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", "1", "add_two", "SOURCE",
                           file("script.txt")});
    ASSERT_TRUE(st.is_status("OK")) << st.str;
    ASSERT_TRUE(c->command({"AI.TENSORSET", "a", "FLOAT", "2", "3", "BLOB", file("a.bin")})
                    .is_status("OK"));
    ASSERT_TRUE(c->command({"AI.TENSORSET", "c", "FLOAT", "2", "3", "BLOB", file("c.bin")})
                    .is_status("OK"));
    Reply r = c->command({"AI.SCRIPTEXECUTE", "s", "add_two", "INPUTS", "2", "a", "c", "ARGS", "1",
                          "2.5", "OUTPUTS", "1", "o"});
    ASSERT_TRUE(r.is_status("OK")) << r.str;
    expect_near(c->command({"AI.TENSORGET", "o", "BLOB"}).str, file("script.bin"));
}

TEST_F(TorchExec, BatchingAndRdbRestartWithTorch) {
    RedisServer s(options());
    {
        auto c = s.connect();
        ASSERT_TRUE(c->command({"AI.MODELSTORE", "m", "TORCH", "CPU", "BATCHSIZE", "4", "BLOB",
                                file("scale.pt")})
                        .is_status("OK"));
        ASSERT_TRUE(c->command({"AI.TENSORSET", "a", "FLOAT", "2", "3", "BLOB", file("a.bin")})
                        .is_status("OK"));
    }
    s.restart(/*save=*/true);
    auto c = s.connect();
    Reply r = c->command({"AI.MODELEXECUTE", "m", "INPUTS", "1", "a", "OUTPUTS", "1", "o"});
    ASSERT_TRUE(r.is_status("OK")) << r.str;
    expect_near(c->command({"AI.TENSORGET", "o", "BLOB"}).str, file("scaled.bin"));
}
