// Cheap CPU runs on the Redis main thread (INLINE_RUN_US, engine/inline_run.h) against real
// redis-servers with the fake backend: which runs go inline and which stay queued (INFO counts),
// that inline results, errors and replies equal the queued path's, that nothing overtakes queued
// work, that slow or unusually large runs never block the main thread, and that inline outputs
// reach replicas.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <future>
#include <sstream>
#include <thread>

#include "redis_server.h"

using insitu::Reply;
using insitu::testing::RawConnection;
using insitu::testing::RedisServer;
using namespace std::chrono_literals;

namespace {

// A budget of 50 ms: the fake models run in microseconds, but on a loaded machine one run can be
// preempted past the default 100 us and then be queued (as it should) while a test counts.
RedisServer::Options options(std::vector<std::string> extra = {"INLINE_RUN_US", "50000"}) {
    RedisServer::Options o;
    o.module_args = {"TORCH", INSITU_TEST_BACKEND};
    o.module_args.insert(o.module_args.end(), extra.begin(), extra.end());
    return o;
}

long long info_field(RawConnection& c, const std::string& field) {
    return insitu::testing::info_field(c, "modules", field);
}

std::vector<float> as_floats(const std::string& s) {
    std::vector<float> v(s.size() / 4);
    std::memcpy(v.data(), s.data(), s.size());
    return v;
}

std::string floats(const std::vector<float>& v) {
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

void ok(RawConnection& c, const std::vector<std::string>& a) {
    Reply r = c.command(a);
    ASSERT_TRUE(r.is_status("OK")) << a[0] << ": " << r.str;
}

const std::vector<std::string> k_run_double = {"AI.MODELEXECUTE", "m", "INPUTS", "1", "a",
                                               "OUTPUTS",         "2", "x",      "r"};

// AI.MODELEXECUTE of the model "slow" on input "a", from another connection.
std::future<Reply> run_slow_model(RedisServer& s) {
    return std::async(std::launch::async, [&s] {
        return s.connect()->command(
            {"AI.MODELEXECUTE", "slow", "INPUTS", "1", "a", "OUTPUTS", "1", "o"});
    });
}

std::vector<std::string> words(const std::string& line) {
    std::vector<std::string> out;
    std::istringstream in(line);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

// A reply as text (errors marked, integers and nested arrays included), to compare both paths.
std::string text(const Reply& r) {
    if (r.is_error()) return "error:" + r.str;
    if (r.type == Reply::Type::integer) return std::to_string(r.integer);
    if (r.type != Reply::Type::array) return r.str;
    std::string out = "[";
    for (const auto& e : r.elements) out += text(e) + ",";
    return out + "]";
}

}  // namespace

TEST(InlineRuns, FirstRunIsQueuedThenCheapRunsGoInlineWithTheSameResults) {
    EXPECT_EQ(info_field(*RedisServer(options({})).connect(), "ai_inline_run_us"), 100);
    RedisServer s(options());
    auto c = s.connect();
    EXPECT_EQ(info_field(*c, "ai_inline_run_us"), 50000);
    ok(*c, {"AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", "fake:double"});
    ok(*c, {"AI.TENSORSET", "a", "FLOAT", "3", "VALUES", "1", "2", "3"});
    ok(*c, k_run_double);  // no estimate yet: queued
    EXPECT_EQ(info_field(*c, "ai_queued_runs"), 1);
    EXPECT_EQ(info_field(*c, "ai_inline_runs"), 0);
    for (int i = 0; i < 5; ++i) {
        ok(*c, {"AI.TENSORSET", "a", "FLOAT", "3", "VALUES", std::to_string(i), "2", "3"});
        ok(*c, k_run_double);
        EXPECT_EQ(as_floats(c->command({"AI.TENSORGET", "x", "BLOB"}).str),
                  (std::vector<float>{2.0f * i, 4, 6}));
        EXPECT_EQ(as_floats(c->command({"AI.TENSORGET", "r", "BLOB"}).str),
                  (std::vector<float>{3, 3, 3}));
    }
    EXPECT_EQ(info_field(*c, "ai_queued_runs"), 1);
    EXPECT_EQ(info_field(*c, "ai_inline_runs"), 5);
    // AI.INFO counts every run, wherever it ran.
    EXPECT_EQ(c->command({"AI.INFO", "m"}).elements[15].integer, 6);
    // A run error inline is the queued path's error, and the stored outputs stay.
    Reply bad =
        c->command({"AI.MODELEXECUTE", "m", "INPUTS", "1", "nope", "OUTPUTS", "2", "x", "r"});
    EXPECT_EQ(bad.str, "ERR tensor key is empty or in a different shard");
    ok(*c, {"SET", "str", "v"});
    Reply wrongtype =
        c->command({"AI.MODELEXECUTE", "m", "INPUTS", "1", "a", "OUTPUTS", "2", "str", "r2"});
    EXPECT_EQ(wrongtype.str, "WRONGTYPE Operation against a key holding the wrong kind of value");
    EXPECT_EQ(c->command({"GET", "str"}).str, "v");
    EXPECT_EQ(as_floats(c->command({"AI.TENSORGET", "x", "BLOB"}).str),
              (std::vector<float>{8, 4, 6}));
    // AI.INFO RESETSTAT forgets the estimate: the next run is measured on the queue again.
    ok(*c, {"AI.INFO", "m", "RESETSTAT"});
    long long queued = info_field(*c, "ai_queued_runs");
    ok(*c, k_run_double);
    EXPECT_EQ(info_field(*c, "ai_queued_runs"), queued + 1);
    EXPECT_TRUE(s.alive());
}

TEST(InlineRuns, TurnedOffEveryRunIsQueued) {
    RedisServer s(options({"INLINE_RUN_US", "0"}));
    auto c = s.connect();
    EXPECT_EQ(info_field(*c, "ai_inline_run_us"), 0);
    ok(*c, {"AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", "fake:double"});
    ok(*c, {"AI.TENSORSET", "a", "FLOAT", "3", "VALUES", "1", "2", "3"});
    for (int i = 0; i < 4; ++i) ok(*c, k_run_double);
    EXPECT_EQ(info_field(*c, "ai_queued_runs"), 4);
    EXPECT_EQ(info_field(*c, "ai_inline_runs"), 0);
}

TEST(InlineRuns, BadSettingIsRefusedAtLoad) {
    try {
        RedisServer s(options({"INLINE_RUN_US", "-5"}));
        ADD_FAILURE() << "the server started with INLINE_RUN_US -5";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("INLINE_RUN_US must be an integer >= 0"),
                  std::string::npos)
            << e.what();
    }
}

TEST(InlineRuns, SlowModelsStayQueuedAndTheMainThreadServesOthers) {
    RedisServer s(options());
    auto c = s.connect();
    ok(*c, {"AI.MODELSTORE", "slow", "TORCH", "CPU", "BLOB", "fake:sleep:400"});
    ok(*c, {"AI.TENSORSET", "a", "FLOAT", "1", "VALUES", "1"});
    ok(*c, {"AI.MODELEXECUTE", "slow", "INPUTS", "1", "a", "OUTPUTS", "1", "o"});
    // Its estimate (400 ms) is far over the budget: the second run is queued as well, and the
    // server answers another client while it runs.
    auto run = run_slow_model(s);
    std::this_thread::sleep_for(100ms);
    auto other = s.connect();
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(other->command({"PING"}).str, "PONG");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 200ms);
    EXPECT_TRUE(run.get().is_status("OK"));
    EXPECT_EQ(info_field(*c, "ai_queued_runs"), 2);
    EXPECT_EQ(info_field(*c, "ai_inline_runs"), 0);
}

TEST(InlineRuns, ACheapRunNeverOvertakesQueuedWork) {
    RedisServer s(options());
    auto c = s.connect();
    ok(*c, {"AI.MODELSTORE", "slow", "TORCH", "CPU", "BLOB", "fake:sleep:400"});
    ok(*c, {"AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", "fake:double"});
    ok(*c, {"AI.TENSORSET", "a", "FLOAT", "3", "VALUES", "1", "2", "3"});
    ok(*c, k_run_double);  // measured: cheap from now on
    ok(*c, k_run_double);
    ASSERT_EQ(info_field(*c, "ai_inline_runs"), 1);
    // While the CPU queue's worker runs the slow model (400 ms), the cheap run waits its turn
    // there instead of answering at once.
    auto slow = run_slow_model(s);
    std::this_thread::sleep_for(100ms);
    auto t0 = std::chrono::steady_clock::now();
    ok(*c, k_run_double);
    EXPECT_GT(std::chrono::steady_clock::now() - t0, 200ms)
        << "the cheap run did not wait for the queued slow one";
    EXPECT_TRUE(slow.get().is_status("OK"));
    EXPECT_EQ(info_field(*c, "ai_inline_runs"), 1);
    EXPECT_EQ(info_field(*c, "ai_queued_runs"), 3);  // first cheap run, slow, cheap behind it
}

TEST(InlineRuns, AnInputMuchLargerThanUsualIsQueued) {
    RedisServer s(options());
    auto c = s.connect();
    ok(*c, {"AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", "fake:double"});
    ok(*c, {"AI.TENSORSET", "a", "FLOAT", "3", "VALUES", "1", "2", "3"});
    ok(*c, k_run_double);
    ok(*c, k_run_double);
    ASSERT_EQ(info_field(*c, "ai_inline_runs"), 1);
    // 4 Mi floats against the 3 the estimate was made with: its cost scales past the budget.
    std::vector<float> big(std::size_t{4} << 20, 1.5f);
    ok(*c, {"AI.TENSORSET", "a", "FLOAT", std::to_string(big.size()), "BLOB", floats(big)});
    long long queued = info_field(*c, "ai_queued_runs");
    ok(*c, k_run_double);
    EXPECT_EQ(info_field(*c, "ai_queued_runs"), queued + 1);
    EXPECT_EQ(info_field(*c, "ai_inline_runs"), 1);
    auto x = as_floats(c->command({"AI.TENSORGET", "x", "BLOB"}).str);
    ASSERT_EQ(x.size(), big.size());
    EXPECT_EQ(x.front(), 3.0f);
    EXPECT_EQ(x.back(), 3.0f);
}

TEST(InlineRuns, DagRepliesAndErrorsEqualTheQueuedPath) {
    RedisServer inline_server(options());
    RedisServer queued_server(options({"INLINE_RUN_US", "0"}));
    std::vector<float> in = {0.5f, -1, 7};
    // A DAG that sets "t" from `in` on the shard of `model`, then runs `ops`.
    auto with_input = [&](const std::string& model, const std::string& ops) {
        std::vector<std::string> d = {"AI.DAGEXECUTE", "ROUTING", model,   "|>",
                                      "AI.TENSORSET",  "t",       "FLOAT", "3",
                                      "BLOB",          floats(in)};
        for (auto& w : words(ops)) d.push_back(w);
        return d;
    };
    const std::vector<std::vector<std::string>> dags = {
        // One request inference: input, run, output read; nothing persisted.
        with_input("m",
                   "|> AI.MODELEXECUTE m INPUTS 1 t OUTPUTS 2 y z |> AI.TENSORGET y META BLOB"),
        // PERSIST, LOAD and a script after the model.
        words("AI.DAGEXECUTE LOAD 1 a PERSIST 1 p |> AI.MODELEXECUTE m INPUTS 1 a OUTPUTS 2 y z "
              "|> AI.SCRIPTEXECUTE s sum INPUTS 2 y a OUTPUTS 1 p |> AI.TENSORGET p VALUES"),
        // Wrong input count for the model: refused before any run.
        with_input("m", "|> AI.MODELEXECUTE m INPUTS 2 t t OUTPUTS 2 y z |> AI.TENSORGET y BLOB"),
        // A model that fails.
        with_input("f", "|> AI.MODELEXECUTE f INPUTS 1 t OUTPUTS 1 y |> AI.TENSORGET y BLOB"),
        // A missing model.
        with_input("gone", "|> AI.MODELEXECUTE gone INPUTS 1 t OUTPUTS 1 y"),
    };
    std::vector<std::string> replies[2];
    RedisServer* servers[2] = {&inline_server, &queued_server};
    for (int k = 0; k < 2; ++k) {
        auto c = servers[k]->connect();
        ok(*c, {"AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", "fake:double"});
        ok(*c, {"AI.MODELSTORE", "f", "TORCH", "CPU", "BLOB", "fake:fail"});
        ok(*c, {"AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", "1", "sum", "SOURCE",
                "def sum(tensors: List[Tensor], keys: List[str], args: List[str]):"});
        ok(*c, {"AI.TENSORSET", "a", "FLOAT", "3", "VALUES", "1", "2", "3"});
        // Twice each: the first run of each op is measured on the queue.
        for (int round = 0; round < 2; ++round)
            for (const auto& d : dags) replies[k].push_back(text(c->command(d)));
        replies[k].push_back(c->command({"AI.TENSORGET", "p", "VALUES"}).elements.size() == 3
                                 ? "persisted"
                                 : "not persisted");
        EXPECT_EQ(c->command({"EXISTS", "y", "t", "z"}).integer, 0);
        if (k == 0) {
            // The second round's one-request inference (the script DAG and the failing model
            // stay queued; the wrong input count and the missing model fail before any run).
            EXPECT_EQ(info_field(*c, "ai_inline_runs"), 1);
        } else {
            EXPECT_EQ(info_field(*c, "ai_inline_runs"), 0);
        }
    }
    ASSERT_EQ(replies[0].size(), replies[1].size());
    for (std::size_t i = 0; i < replies[0].size(); ++i)
        EXPECT_EQ(replies[0][i], replies[1][i]) << "request " << i;
    // y = 2a, p = y + a = 3a: computed, not just equal.
    EXPECT_EQ(replies[0][1], "[OK,OK,[3,6,9,],]");
    EXPECT_EQ(replies[0][5], "[OK,OK,[dtype,FLOAT,shape,[3,],blob," + floats({1, -2, 14}) + ",],]");
}

TEST(InlineRuns, OutputsCountAsChangesAndReachAReplicaAttachedLater) {
    RedisServer::Options po = options();
    po.extra_args = {"--repl-diskless-sync-delay", "0"};
    RedisServer primary(po);
    auto pc = primary.connect();
    auto changes = [&] {
        return insitu::testing::info_field(*pc, "persistence", "rdb_changes_since_last_save");
    };
    ok(*pc, {"AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", "fake:double"});
    ok(*pc, {"AI.TENSORSET", "a", "FLOAT", "3", "VALUES", "1", "2", "3"});
    // No replica, no AOF: the outputs are not replicated, but each is a change the `save` rules
    // see (queued run, then inline run: 2 outputs each).
    long long before = changes();
    ok(*pc, k_run_double);
    ok(*pc, k_run_double);
    EXPECT_EQ(changes(), before + 4);
    ASSERT_EQ(info_field(*pc, "ai_inline_runs"), 1);
    // A replica attaching now gets the outputs written from then on.
    RedisServer replica(options());
    auto rc = replica.connect();
    ASSERT_TRUE(
        rc->command({"REPLICAOF", "127.0.0.1", std::to_string(primary.port())}).is_status("OK"));
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (rc->command({"EXISTS", "m"}).integer == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    for (int i = 0; i < 3; ++i) {
        ok(*pc, {"AI.TENSORSET", "a", "FLOAT", "3", "VALUES", "5", "6", std::to_string(i)});
        ok(*pc, k_run_double);
    }
    ASSERT_EQ(info_field(*pc, "ai_inline_runs"), 4);
    ASSERT_EQ(pc->command({"WAIT", "1", "5000"}).integer, 1);
    std::vector<float> want = {10, 12, 4};
    deadline = std::chrono::steady_clock::now() + 5s;
    while (as_floats(rc->command({"AI.TENSORGET", "x", "BLOB"}).str) != want &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(as_floats(rc->command({"AI.TENSORGET", "x", "BLOB"}).str), want);
}

TEST(InlineRuns, ConcurrentClientsMixingBothPathsGetTheirOwnOutputs) {
    // The default budget: on a busy machine some runs go inline and some are queued; each
    // client must read back exactly its own result either way.
    RedisServer s(options({}));
    auto c = s.connect();
    ok(*c, {"AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", "fake:double"});
    ok(*c, {"AI.MODELSTORE", "slowish", "TORCH", "CPU", "BLOB", "fake:sleep:2"});
    auto client = [&s](int id) {
        auto cc = s.connect();
        std::string in = "in" + std::to_string(id), out = "out" + std::to_string(id);
        int wrong = 0;
        for (int i = 0; i < 150; ++i) {
            float v = static_cast<float>(id * 1000 + i);
            cc->command({"AI.TENSORSET", in, "FLOAT", "2", "VALUES", std::to_string(v), "1"});
            // Now and then a 2 ms model keeps the queue busy, so later cheap runs queue too.
            if (i % 25 == 0)
                cc->command({"AI.MODELEXECUTE", "slowish", "INPUTS", "1", in, "OUTPUTS", "1",
                             "s" + std::to_string(id)});
            Reply r = cc->command(
                {"AI.MODELEXECUTE", "m", "INPUTS", "1", in, "OUTPUTS", "2", out, "rows" + in});
            if (!r.is_status("OK") || as_floats(cc->command({"AI.TENSORGET", out, "BLOB"}).str) !=
                                          std::vector<float>{2 * v, 2})
                ++wrong;
        }
        return wrong;
    };
    std::vector<std::future<int>> fs;
    for (int id = 0; id < 6; ++id) fs.push_back(std::async(std::launch::async, client, id));
    for (auto& f : fs) EXPECT_EQ(f.get(), 0);
    EXPECT_GT(info_field(*c, "ai_inline_runs"), 0);
    EXPECT_GT(info_field(*c, "ai_queued_runs"), 0);
    EXPECT_EQ(c->command({"AI.INFO", "m"}).elements[15].integer, 6 * 150);
    EXPECT_EQ(c->command({"AI.INFO", "m"}).elements[17].integer, 0);
}
