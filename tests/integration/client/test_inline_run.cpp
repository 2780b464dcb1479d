// The one-round-trip run_model against the deterministic fake backend (tests/plugins), standalone
// and on a 3-shard cluster: a request that waits longer than SR_MODEL_TIMEOUT in the server's run
// queue throws TimeoutException and leaves the connection usable; a backend failure names the
// model. (Outputs against the three-call path: tests/integration/client_models.)
#include <gtest/gtest.h>
#include <insitu/client.h>
#include <insitu/errors.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "client_test_util.h"
#include "redis_server.h"

using namespace insitu;
using insitu::test::make_client;
using insitu::testing::RedisCluster;
using insitu::testing::RedisServer;
using namespace std::chrono_literals;

namespace {

// One run thread per queue, so that a slow run makes the next request wait in the queue.
std::vector<std::string> fake_args() {
    return {"TORCH", INSITU_TEST_BACKEND, "THREADS_PER_QUEUE", "1"};
}

class InlineRun : public ::testing::TestWithParam<bool> {
  protected:
    void SetUp() override {
        if (cluster()) {
            cluster_ = std::make_unique<RedisCluster>(3, fake_args());
        } else {
            RedisServer::Options o;
            o.module_args = fake_args();
            server_ = std::make_unique<RedisServer>(o);
        }
    }
    bool cluster() const { return GetParam(); }
    std::string ssdb() const { return cluster() ? cluster_->ssdb() : server_->address(); }
    std::vector<RedisServer*> servers() const {
        return cluster() ? cluster_->shards() : std::vector<RedisServer*>{server_.get()};
    }

    std::unique_ptr<RedisServer> server_;
    std::unique_ptr<RedisCluster> cluster_;
};

std::string mode_name(const ::testing::TestParamInfo<bool>& p) {
    return p.param ? "Cluster" : "Standalone";
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Modes, InlineRun, ::testing::Values(false, true), mode_name);

TEST_P(InlineRun, QueueTimeoutThrowsAndTheConnectionStaysUsable) {
    Client setup = make_client(ssdb(), cluster());
    setup.set_model("slow", "fake:sleep:1500", "TORCH", "CPU");
    setup.set_model("fast", "fake:sleep:1", "TORCH", "CPU");
    Client c = make_client(ssdb(), cluster(), {{"SR_MODEL_TIMEOUT", "100"}});
    const std::vector<float> in{1, 2, 3};
    std::vector<float> out(3, 0.0f);
    // Warm the client's connections before the queues fill up.
    c.run_model("fast", {{in.data(), {3}, TensorType::Float}},
                {{out.data(), {3}, TensorType::Float}});
    EXPECT_EQ(out, in);

    // Keep every shard's run thread busy with its copy of "slow" (raw connections, so no
    // client-side choice of shard matters).
    std::vector<std::thread> blockers;
    for (RedisServer* s : servers()) {
        Reply copies = s->connect()->command({"KEYS", "*slow"});
        ASSERT_EQ(copies.elements.size(), 1u);
        const std::string key = copies.elements[0].str;
        blockers.emplace_back([s, key] {
            s->connect()->command({"AI.DAGEXECUTE", "ROUTING", key, "|>", "AI.TENSORSET", "t",
                                   "FLOAT", "1", "VALUES", "1", "|>", "AI.MODELEXECUTE", key,
                                   "INPUTS", "1", "t", "OUTPUTS", "1", "o"});
        });
    }
    std::this_thread::sleep_for(400ms);
    std::fill(out.begin(), out.end(), -1.0f);
    std::string error;
    try {
        c.run_model("fast", {{in.data(), {3}, TensorType::Float}},
                    {{out.data(), {3}, TensorType::Float}});
    } catch (const TimeoutException& e) {
        error = e.what();
    }
    for (auto& t : blockers) t.join();
    EXPECT_NE(error.find("run_model 'fast'"), std::string::npos) << error;
    EXPECT_NE(error.find("SR_MODEL_TIMEOUT"), std::string::npos) << error;
    EXPECT_EQ(out, std::vector<float>(3, -1.0f));  // nothing written

    c.run_model("fast", {{in.data(), {3}, TensorType::Float}},
                {{out.data(), {3}, TensorType::Float}});
    EXPECT_EQ(out, in);
}

TEST_P(InlineRun, BackendFailureNamesTheModel) {
    Client c = make_client(ssdb(), cluster());
    c.set_model("bad", "fake:fail", "TORCH", "CPU");
    const std::vector<float> in{1, 2, 3};
    std::vector<float> out(3, 0.0f);
    std::string error;
    try {
        c.run_model("bad", {{in.data(), {3}, TensorType::Float}},
                    {{out.data(), {3}, TensorType::Float}});
    } catch (const DatabaseException& e) {
        error = e.what();
    }
    EXPECT_EQ(error.rfind("run_model 'bad' failed: ", 0), 0u) << error;
    long long keys = 0;
    for (RedisServer* s : servers()) keys += s->connect()->command({"DBSIZE"}).integer;
    EXPECT_EQ(keys, cluster() ? 3 : 1);  // only the model copies
}
