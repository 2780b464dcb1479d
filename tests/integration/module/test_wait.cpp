// AI._WAIT (insitu's extension): replies at once when the condition holds, is woken by the write
// of another client, times out with :0, hands its blocked client back when the waiter hangs up,
// and is absent with WAIT OFF.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "redis_server.h"

using insitu::Reply;
using insitu::testing::info_field;
using insitu::testing::RawConnection;
using insitu::testing::RedisServer;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// `wait` on its own connection while `write` runs on another after 200 ms; the wait's reply and
// how long it took.
std::pair<Reply, double> woken_by(RedisServer& s, const std::vector<std::string>& wait,
                                  const std::vector<std::string>& write) {
    auto waiter = s.connect();
    Reply out;
    const auto t0 = Clock::now();
    std::thread t([&] { out = waiter->command(wait); });
    std::this_thread::sleep_for(200ms);
    auto writer = s.connect();
    Reply w = writer->command(write);
    EXPECT_FALSE(w.is_error()) << w.str;
    t.join();
    return {out, seconds_since(t0)};
}

RedisServer::Options with_fake_torch() {
    RedisServer::Options o;
    o.module_args = {"TORCH", INSITU_TEST_BACKEND};
    return o;
}

}  // namespace

TEST(Wait, ConditionAlreadyTrueRepliesAtOnce) {
    RedisServer s(with_fake_torch());
    auto c = s.connect();
    ASSERT_TRUE(c->command({"AI.TENSORSET", "t", "FLOAT", "1", "VALUES", "1"}).is_status("OK"));
    ASSERT_TRUE(
        c->command({"AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", "fake:double"}).is_status("OK"));
    ASSERT_EQ(c->command({"RPUSH", "l", "a", "b"}).integer, 2);
    ASSERT_EQ(c->command({"HSET", "d.meta", ".COMPLETE", "1"}).integer, 1);
    const auto t0 = Clock::now();
    EXPECT_EQ(c->command({"AI._WAIT", "t", "EXISTS", "60000"}).integer, 1);
    EXPECT_EQ(c->command({"AI._WAIT", "t", "TENSOR", "60000"}).integer, 1);
    EXPECT_EQ(c->command({"AI._WAIT", "m", "MODEL", "60000"}).integer, 1);
    EXPECT_EQ(c->command({"AI._WAIT", "d.meta", "DATASET", "60000"}).integer, 1);
    EXPECT_EQ(c->command({"AI._WAIT", "l", "LLEN_EQ", "2", "60000"}).integer, 1);
    EXPECT_EQ(c->command({"AI._WAIT", "l", "LLEN_GTE", "1", "60000"}).integer, 1);
    EXPECT_EQ(c->command({"AI._WAIT", "l", "LLEN_LTE", "2", "60000"}).integer, 1);
    EXPECT_EQ(c->command({"AI._WAIT", "nolist", "LLEN_LTE", "0", "60000"}).integer, 1);
    EXPECT_LT(seconds_since(t0), 30.0);
    // A key of the wrong kind is no tensor / model; a list condition on a tensor is WRONGTYPE.
    EXPECT_EQ(c->command({"AI._WAIT", "m", "TENSOR", "0"}).integer, 0);
    EXPECT_EQ(c->command({"AI._WAIT", "t", "MODEL", "0"}).integer, 0);
    Reply wrong = c->command({"AI._WAIT", "t", "LLEN_GTE", "1", "0"});
    ASSERT_TRUE(wrong.is_error());
    EXPECT_EQ(wrong.str.rfind("WRONGTYPE", 0), 0u) << wrong.str;
    EXPECT_TRUE(c->command({"AI._WAIT", "l", "DATASET", "0"}).is_error());
}

TEST(Wait, BadArgumentsAreRefused) {
    RedisServer s;
    auto c = s.connect();
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"AI._WAIT", "k", "EXISTS"},
                                               {"AI._WAIT", "k", "NOPE", "10"},
                                               {"AI._WAIT", "k", "EXISTS", "-1"},
                                               {"AI._WAIT", "k", "EXISTS", "x"},
                                               {"AI._WAIT", "k", "LLEN_EQ", "10"},
                                               {"AI._WAIT", "k", "LLEN_EQ", "-2", "10"},
                                               {"AI._WAIT", "k", "EXISTS", "1", "10"}}) {
        Reply r = c->command(args);
        EXPECT_TRUE(r.is_error()) << args[2] << " " << args.back();
    }
}

TEST(Wait, TimesOutWithZero) {
    RedisServer s;
    auto c = s.connect();
    const auto t0 = Clock::now();
    Reply r = c->command({"AI._WAIT", "missing", "EXISTS", "150"});
    const double took = seconds_since(t0);
    ASSERT_EQ(r.type, Reply::Type::integer) << r.str;
    EXPECT_EQ(r.integer, 0);
    EXPECT_GE(took, 0.14);
    EXPECT_LT(took, 10.0);
    EXPECT_EQ(c->command({"AI._WAIT", "missing", "EXISTS", "0"}).integer, 0);
    EXPECT_EQ(info_field(*c, "ai_wait", "ai_waiting_clients"), 0);
    EXPECT_EQ(info_field(*c, "clients", "blocked_clients"), 0);
}

TEST(Wait, WokenByTheWriteOfAnotherClient) {
    RedisServer s(with_fake_torch());
    struct Case {
        std::vector<std::string> wait, write;
    };
    const std::vector<Case> cases = {
        {{"AI._WAIT", "t", "TENSOR", "60000"}, {"AI.TENSORSET", "t", "FLOAT", "1", "VALUES", "1"}},
        {{"AI._WAIT", "m", "MODEL", "60000"},
         {"AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", "fake:double"}},
        {{"AI._WAIT", "k", "EXISTS", "60000"}, {"SET", "k", "v"}},
        {{"AI._WAIT", "d.meta", "DATASET", "60000"}, {"HSET", "d.meta", ".COMPLETE", "1"}},
        {{"AI._WAIT", "l", "LLEN_GTE", "1", "60000"}, {"RPUSH", "l", "a"}},
        {{"AI._WAIT", "l", "LLEN_EQ", "2", "60000"}, {"RPUSH", "l", "b"}},
        {{"AI._WAIT", "l", "LLEN_LTE", "0", "60000"}, {"DEL", "l"}},
        // A model run's output is written by the module itself.
        {{"AI._WAIT", "out", "TENSOR", "60000"},
         {"AI.MODELEXECUTE", "m", "INPUTS", "1", "t", "OUTPUTS", "2", "out", "rows"}},
    };
    for (const auto& c : cases) {
        auto [reply, took] = woken_by(s, c.wait, c.write);
        ASSERT_EQ(reply.type, Reply::Type::integer) << c.write[0] << ": " << reply.str;
        EXPECT_EQ(reply.integer, 1) << c.write[0];
        EXPECT_LT(took, 30.0) << c.write[0] << ": not woken before the 60 s timeout";
    }
    // Writes that do not meet the condition leave the waiter blocked until its timeout.
    auto c = s.connect();
    auto [partial, took] =
        woken_by(s, {"AI._WAIT", "l2", "LLEN_GTE", "2", "800"}, {"RPUSH", "l2", "only-one"});
    EXPECT_EQ(partial.integer, 0);
    EXPECT_GE(took, 0.75);
    EXPECT_EQ(info_field(*c, "ai_wait", "ai_waiting_clients"), 0);
}

TEST(Wait, DisconnectedWaiterLeavesNoBlockedClient) {
    RedisServer s;
    auto c = s.connect();
    const long long clients0 = info_field(*c, "clients", "connected_clients");
    {
        RawConnection gone1(s.port());
        RawConnection gone2(s.port());
        gone1.send_only({"AI._WAIT", "never", "EXISTS", "600000"});
        gone2.send_only({"AI._WAIT", "never", "LLEN_GTE", "3", "600000"});
        auto deadline = Clock::now() + 10s;
        while (Clock::now() < deadline && info_field(*c, "ai_wait", "ai_waiting_clients") != 2)
            std::this_thread::sleep_for(10ms);
        ASSERT_EQ(info_field(*c, "ai_wait", "ai_waiting_clients"), 2);
        EXPECT_EQ(info_field(*c, "clients", "blocked_clients"), 2);
    }  // both hang up while blocked
    auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline && (info_field(*c, "clients", "blocked_clients") != 0 ||
                                       info_field(*c, "ai_wait", "ai_waiting_clients") != 0 ||
                                       info_field(*c, "clients", "connected_clients") != clients0))
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(info_field(*c, "clients", "blocked_clients"), 0);
    EXPECT_EQ(info_field(*c, "ai_wait", "ai_waiting_clients"), 0);
    EXPECT_EQ(info_field(*c, "clients", "connected_clients"), clients0);
    // A later write of the key finds no stale waiter (a freed handle would crash the server).
    ASSERT_TRUE(c->command({"SET", "never", "1"}).is_status("OK"));
    ASSERT_EQ(c->command({"RPUSH", "never2", "a"}).integer, 1);
    EXPECT_TRUE(c->command({"PING"}).is_status("PONG"));
    EXPECT_TRUE(s.alive());
}

TEST(Wait, InsideMultiItDoesNotBlock) {
    RedisServer s;
    auto c = s.connect();
    ASSERT_TRUE(c->command({"MULTI"}).is_status("OK"));
    ASSERT_TRUE(c->command({"AI._WAIT", "k", "EXISTS", "60000"}).is_status("QUEUED"));
    const auto t0 = Clock::now();
    Reply r = c->command({"EXEC"});
    ASSERT_EQ(r.elements.size(), 1u);
    EXPECT_EQ(r.elements[0].integer, 0);
    EXPECT_LT(seconds_since(t0), 30.0);
}

TEST(Wait, OffLeavesTheCommandOut) {
    RedisServer::Options o;
    o.module_args = {"WAIT", "OFF"};
    RedisServer s(o);
    auto c = s.connect();
    Reply r = c->command({"AI._WAIT", "k", "EXISTS", "10"});
    ASSERT_TRUE(r.is_error());
    EXPECT_NE(r.str.find("unknown command"), std::string::npos) << r.str;
    EXPECT_TRUE(c->command({"AI.TENSORSET", "t", "FLOAT", "1", "VALUES", "1"}).is_status("OK"));
}
