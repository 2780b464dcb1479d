// TorchScript's host services inside the real server: redis.execute reads and writes the keyspace
// under the server lock, redisAI.model_execute runs a stored model from within a script.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "redis_server.h"
#include "test_model_files.h"

using insitu::Reply;
using insitu::testing::read_test_model;
using insitu::testing::RedisServer;

namespace {

const char* k_source = R"(
def host(tensors: List[Tensor], keys: List[str], args: List[str]):
    redis.execute("SET", [keys[0], "written-by-script"])
    v = redis.execute("INCRBY", [keys[1], "5"])
    out = redisAI.model_execute("m", tensors, 1)
    return out[0], torch.tensor([int(str(v))])

def bad_command(tensors: List[Tensor], keys: List[str], args: List[str]):
    redis.execute("NO.SUCH.COMMAND", keys)
    return tensors[0]

def missing_model(tensors: List[Tensor], keys: List[str], args: List[str]):
    return redisAI.model_execute("not-a-model", tensors, 1)[0]
)";

}  // namespace

TEST(ScriptHost, RedisExecuteAndModelExecuteFromAScript) {
    RedisServer::Options o;
    o.module_args = {"BACKENDSPATH", INSITU_BACKENDS_DIR, "TORCH", "libinsitu_backend_torch.so"};
    RedisServer server(o);
    auto c = server.connect();
    std::string in(64 * 4, '\0');
    for (int i = 0; i < 64; ++i) {
        float v = 0.01f * static_cast<float>(i);
        std::memcpy(&in[static_cast<std::size_t>(i) * 4], &v, 4);
    }
    ASSERT_TRUE(c->command({"AI.TENSORSET", "in", "FLOAT", "1", "64", "BLOB", in}).is_status("OK"));
    ASSERT_TRUE(
        c->command({"AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", read_test_model("mlp_traced.pt")})
            .is_status("OK"));
    Reply st = c->command({"AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", "3", "host", "bad_command",
                           "missing_model", "SOURCE", k_source});
    ASSERT_TRUE(st.is_status("OK")) << st.str;
    // The model's own output on the same input, computed by the model directly.
    ASSERT_TRUE(c->command({"AI.MODELEXECUTE", "m", "INPUTS", "1", "in", "OUTPUTS", "1", "direct"})
                    .is_status("OK"));

    Reply r = c->command({"AI.SCRIPTEXECUTE", "s", "host", "KEYS", "2", "note", "counter", "INPUTS",
                          "1", "in", "OUTPUTS", "2", "via_script", "count"});
    ASSERT_TRUE(r.is_status("OK")) << r.str;
    EXPECT_EQ(c->command({"GET", "note"}).str, "written-by-script");
    EXPECT_EQ(c->command({"GET", "counter"}).str, "5");
    EXPECT_EQ(c->command({"AI.TENSORGET", "via_script", "BLOB"}).str,
              c->command({"AI.TENSORGET", "direct", "BLOB"}).str);
    EXPECT_EQ(c->command({"AI.TENSORGET", "count", "VALUES"}).elements[0].integer, 5);

    Reply bad = c->command({"AI.SCRIPTEXECUTE", "s", "bad_command", "KEYS", "1", "note", "INPUTS",
                            "1", "in", "OUTPUTS", "1", "x"});
    ASSERT_TRUE(bad.is_error());
    EXPECT_NE(bad.str.find("NO.SUCH.COMMAND"), std::string::npos) << bad.str;
    Reply missing = c->command(
        {"AI.SCRIPTEXECUTE", "s", "missing_model", "INPUTS", "1", "in", "OUTPUTS", "1", "x"});
    ASSERT_TRUE(missing.is_error());
    EXPECT_NE(missing.str.find("not-a-model"), std::string::npos) << missing.str;
    EXPECT_EQ(c->command({"EXISTS", "x"}).integer, 0);
    EXPECT_TRUE(c->command({"PING"}).is_status("PONG"));
}
