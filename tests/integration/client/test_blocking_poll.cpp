// The poll_* calls on servers with AI._WAIT: they block on the server and are woken by the write
// itself (tested with a poll frequency so long that the polling path could not return in time),
// time out with false, survive a server restart, and fall back to polling where the server has
// no AI._WAIT (a plain redis-server, the module with WAIT OFF).
#include <gtest/gtest.h>
#include <insitu/client.h>
#include <insitu/dataset.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "client_test_util.h"
#include "redis_server.h"

using namespace insitu;
using insitu::testing::RedisCluster;
using insitu::testing::RedisServer;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Polls that poll instead of waiting would check once, then sleep this long before the next try:
// a call that returns well before it was woken by the write.
constexpr int k_slow_frequency_ms = 8000;
constexpr double k_woken_bound_s = 6.0;

// Runs `poll` on a thread, then `write` 200 ms later; the poll's result and duration.
std::pair<bool, double> woken_by(const std::function<bool()>& poll,
                                 const std::function<void()>& write) {
    bool result = false;
    std::string error;
    const auto t0 = Clock::now();
    std::thread t([&] {
        try {
            result = poll();
        } catch (const std::exception& e) {
            error = e.what();
        }
    });
    std::this_thread::sleep_for(200ms);
    write();
    t.join();
    EXPECT_EQ(error, "");
    return {result, seconds_since(t0)};
}

long long wait_calls(RedisServer& s) {
    auto c = s.connect();
    std::string info = c->command({"INFO", "commandstats"}).str;
    auto at = info.find("cmdstat_AI._WAIT:calls=");
    if (at == std::string::npos) return 0;
    return std::stoll(info.substr(at + std::string("cmdstat_AI._WAIT:calls=").size()));
}

RedisServer::Options fake_torch(RedisServer::Options o = {}) {
    o.module_args.insert(o.module_args.end(), {"TORCH", INSITU_TEST_BACKEND});
    return o;
}

std::vector<float> floats() {
    return {1.5f, -2.0f, 3.25f};
}

void put(Client& c, const std::string& name) {
    auto v = floats();
    c.put_tensor(name, v.data(), {v.size()}, TensorType::Float, MemoryLayout::Contiguous);
}

DataSet small_dataset(const std::string& name) {
    DataSet ds(name);
    auto v = floats();
    ds.add_tensor("x", v.data(), {v.size()}, TensorType::Float, MemoryLayout::Contiguous);
    return ds;
}

// Every poll_* call woken by another client's write, on the database at `ssdb`.
void expect_every_poll_woken(const std::string& ssdb, bool cluster) {
    Client consumer = test::make_client(ssdb, cluster);
    Client producer = test::make_client(ssdb, cluster);
    const int f = k_slow_frequency_ms, n = 3;
    auto check = [](std::pair<bool, double> r, const char* what) {
        EXPECT_TRUE(r.first) << what;
        EXPECT_LT(r.second, k_woken_bound_s) << what << " was not woken by the write";
    };
    for (const std::string name : {"t0", "t1", "t2", "t3"})  // keys on several shards
        check(woken_by([&] { return consumer.poll_tensor(name, f, n); },
                       [&] { put(producer, name); }),
              "poll_tensor");
    check(
        woken_by([&] { return consumer.poll_key("plain", f, n); }, [&] { put(producer, "plain"); }),
        "poll_key");
    check(woken_by([&] { return consumer.poll_model("m", f, n); },
                   [&] { producer.set_model("m", "fake:double", "TORCH", "CPU"); }),
          "poll_model");
    check(woken_by([&] { return consumer.poll_dataset("ds", f, n); },
                   [&] { producer.put_dataset(small_dataset("ds")); }),
          "poll_dataset");
    check(woken_by([&] { return consumer.poll_list_length_gte("agg", 2, f, n); },
                   [&] {
                       producer.append_to_list("agg", small_dataset("a"));
                       producer.append_to_list("agg", small_dataset("b"));
                   }),
          "poll_list_length_gte");
    check(woken_by([&] { return consumer.poll_list_length("agg", 3, f, n); },
                   [&] { producer.append_to_list("agg", small_dataset("c")); }),
          "poll_list_length");
    check(woken_by([&] { return consumer.poll_list_length_lte("agg", 0, f, n); },
                   [&] { producer.delete_list("agg"); }),
          "poll_list_length_lte");
    // A run's output, written by the module on the shard of the output key.
    put(producer, "in");
    check(woken_by([&] { return consumer.poll_tensor("out", f, n); },
                   [&] {
                       producer.run_model("m", {"in"}, {"out", "rows"});
                   }),
          "poll_tensor of a run output");
}

}  // namespace

TEST(BlockingPoll, WokenByTheWriteStandalone) {
    RedisServer s(fake_torch());
    expect_every_poll_woken(s.address(), false);
    EXPECT_GE(wait_calls(s), 11) << "the polls did not use AI._WAIT";
}

TEST(BlockingPoll, WokenByTheWriteUnixSocket) {
    RedisServer::Options o;
    o.unix_socket = true;
    RedisServer s(fake_torch(o));
    expect_every_poll_woken("unix://" + s.unix_path(), false);
    EXPECT_GE(wait_calls(s), 11);
}

TEST(BlockingPoll, WokenByTheWriteCluster) {
    RedisCluster cluster(3, std::vector<std::string>{"TORCH", INSITU_TEST_BACKEND});
    expect_every_poll_woken(cluster.ssdb(), true);
    long long calls = 0;
    int shards_used = 0;
    for (RedisServer* s : cluster.shards()) {
        long long n = wait_calls(*s);
        calls += n;
        shards_used += n > 0;
    }
    EXPECT_GE(calls, 11);
    EXPECT_GE(shards_used, 2) << "every wait went to one shard";
}

TEST(BlockingPoll, AlreadyTrueAndTimeouts) {
    RedisServer s(fake_torch());
    Client c = test::make_client(s.address(), false);
    put(c, "t");
    auto t0 = Clock::now();
    EXPECT_TRUE(c.poll_tensor("t", 60'000, 10));
    EXPECT_TRUE(c.poll_key("t", 60'000, 10));
    EXPECT_LT(seconds_since(t0), 30.0);

    // Missing: false after frequency × tries (not before; the server's timer may add a little).
    t0 = Clock::now();
    EXPECT_FALSE(c.poll_tensor("missing", 100, 3));
    double took = seconds_since(t0);
    EXPECT_GE(took, 0.28);
    EXPECT_LT(took, 10.0);
    EXPECT_FALSE(c.poll_model("no_model", 50, 2));
    EXPECT_FALSE(c.poll_dataset("no_dataset", 50, 2));
    EXPECT_FALSE(c.poll_list_length("no_list", 1, 50, 2));
    EXPECT_TRUE(c.poll_list_length("no_list", 0, 50, 2));
    EXPECT_TRUE(c.poll_list_length_lte("no_list", 0, 50, 2));
    EXPECT_FALSE(c.poll_list_length_gte("no_list", 1, 50, 2));
    // Zero tries: false without asking; zero frequency: one look.
    EXPECT_FALSE(c.poll_tensor("t", 100, 0));
    EXPECT_TRUE(c.poll_tensor("t", 0, 1));
    EXPECT_FALSE(c.poll_tensor("missing", 0, 5));
    EXPECT_THROW(c.poll_tensor("t", -1, 1), ParameterException);
    EXPECT_THROW(c.poll_list_length("l", -1, 10, 1), ParameterException);
    // A list condition on a key of another type fails as get_list_length does.
    EXPECT_THROW(c.poll_list_length_gte("t", 1, 10, 2), DatabaseException);
    EXPECT_GE(wait_calls(s), 8);
}

TEST(BlockingPoll, KeyPrefixesApply) {
    RedisServer s;
    Client producer = test::make_client(s.address(), false, {{"SSKEYOUT", "sim"}});
    Client consumer = test::make_client(s.address(), false, {{"SSKEYIN", "sim"}});
    consumer.use_tensor_ensemble_prefix(true);
    producer.use_tensor_ensemble_prefix(true);
    auto [ok, took] = woken_by([&] { return consumer.poll_tensor("x", k_slow_frequency_ms, 3); },
                               [&] { put(producer, "x"); });
    EXPECT_TRUE(ok);
    EXPECT_LT(took, k_woken_bound_s);
    EXPECT_TRUE(consumer.poll_key("sim.x", 0, 1));
}

TEST(BlockingPoll, LongerThanTheCommandTimeoutIsNoDeadServer) {
    RedisServer s;
    // SR_CMD_TIMEOUT is 1 s: a 2.5 s wait goes out in slices, none mistaken for a dead server.
    Client c = test::make_client(s.address(), false, {{"SR_CMD_TIMEOUT", "1"}});
    Client producer = test::make_client(s.address(), false);
    auto t0 = Clock::now();
    EXPECT_FALSE(c.poll_key("later", 500, 5));
    EXPECT_GE(seconds_since(t0), 2.4);
    auto [ok, took] = woken_by([&] { return c.poll_key("later", 1000, 5); },
                               [&] {
                                   std::this_thread::sleep_for(1500ms);
                                   put(producer, "later");
                               });
    EXPECT_TRUE(ok);
    EXPECT_LT(took, 4.5);
}

TEST(BlockingPoll, ServerKilledWhileBlocked) {
    RedisServer s;
    Client c =
        test::make_client(s.address(), false, {{"SR_CMD_TIMEOUT", "2"}, {"SR_CMD_INTERVAL", "50"}});
    std::string error;
    bool result = true;
    const auto t0 = Clock::now();
    std::thread t([&] {
        try {
            result = c.poll_tensor("never", 1000, 60);
        } catch (const Exception& e) {
            error = e.what();
        }
    });
    std::this_thread::sleep_for(300ms);
    s.kill();
    t.join();
    const double took = seconds_since(t0);
    // A clear error naming the server once SR_CMD_TIMEOUT is spent (or false): never a hang.
    if (error.empty())
        EXPECT_FALSE(result);
    else
        EXPECT_NE(error.find(s.address()), std::string::npos) << error;
    EXPECT_LT(took, 30.0);
}

TEST(BlockingPoll, ServerRestartedWhileBlocked) {
    RedisServer s;
    Client consumer = test::make_client(s.address(), false);
    bool result = false;
    std::string error;
    const auto t0 = Clock::now();
    std::thread t([&] {
        try {
            result = consumer.poll_tensor("after", k_slow_frequency_ms, 3);
        } catch (const Exception& e) {
            error = e.what();
        }
    });
    std::this_thread::sleep_for(300ms);
    s.kill();
    std::this_thread::sleep_for(300ms);
    s.start();
    // The waiter reconnects and waits again; the write on the new server wakes it.
    Client producer = test::make_client(s.address(), false);
    std::this_thread::sleep_for(500ms);
    put(producer, "after");
    t.join();
    EXPECT_EQ(error, "");
    EXPECT_TRUE(result);
    EXPECT_LT(seconds_since(t0), k_slow_frequency_ms / 1000.0 + 1.0);
    EXPECT_GE(wait_calls(s), 1) << "the restarted server saw no AI._WAIT";
}

TEST(BlockingPoll, FallsBackToPollingOnAPlainServer) {
    RedisServer::Options o;
    o.load_module = false;
    RedisServer s(o);
    Client consumer = test::make_client(s.address(), false);
    Client producer = test::make_client(s.address(), false);
    EXPECT_FALSE(consumer.poll_key("k", 50, 3));
    auto [ok, took] = woken_by([&] { return consumer.poll_key("k", 100, 100); },
                               [&] {
                                   s.connect()->command({"SET", "k", "v"});
                               });
    EXPECT_TRUE(ok);
    EXPECT_LT(took, 5.0);
    auto [listed, t2] = woken_by([&] { return consumer.poll_list_length_gte("l", 1, 100, 100); },
                                 [&] {
                                     s.connect()->command({"RPUSH", "l", "x"});
                                 });
    EXPECT_TRUE(listed);
    EXPECT_LT(t2, 5.0);
    EXPECT_TRUE(consumer.poll_list_length("l", 1, 10, 1));
    EXPECT_FALSE(consumer.poll_list_length("l", 2, 10, 2));
}

TEST(BlockingPoll, FallsBackToPollingWithWaitOff) {
    RedisServer::Options o;
    o.module_args = {"WAIT", "OFF"};
    RedisServer s(o);
    Client consumer = test::make_client(s.address(), false);
    Client producer = test::make_client(s.address(), false);
    auto t0 = Clock::now();
    EXPECT_FALSE(consumer.poll_tensor("t", 100, 3));
    // Polling: the third and last look is at 200 ms.
    EXPECT_GE(seconds_since(t0), 0.19);
    auto [ok, took] =
        woken_by([&] { return consumer.poll_tensor("t", 50, 200); }, [&] { put(producer, "t"); });
    EXPECT_TRUE(ok);
    EXPECT_LT(took, 5.0);
    EXPECT_TRUE(consumer.poll_dataset("none", 10, 1) == false);
    EXPECT_EQ(wait_calls(s), 0);
}

TEST(BlockingPoll, UserWithoutTheCommandPolls) {
    // insitu's `reader` role is not granted AI._WAIT (a module without it would make the server
    // refuse the rule): NOPERM makes the client poll, with the reads the role has.
    RedisServer::Options o;
    o.password = "admin-pw";
    o.acl_users = {"rd on >rd-pw ~* -@all +@read +@connection +ping"};
    RedisServer s(o);
    Client consumer =
        test::make_client(s.address(), false, {{"SR_DB_USER", "rd"}, {"SR_DB_PASSWORD", "rd-pw"}});
    EXPECT_FALSE(consumer.poll_key("k", 50, 2));
    auto [ok, took] = woken_by([&] { return consumer.poll_key("k", 50, 200); },
                               [&] {
                                   s.connect()->command({"SET", "k", "v"});
                               });
    EXPECT_TRUE(ok);
    EXPECT_LT(took, 5.0);
}
