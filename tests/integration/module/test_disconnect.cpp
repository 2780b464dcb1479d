// Clients that disconnect while their run is queued or running (raw sockets: the request is sent,
// then the socket is closed with no reply read). The server must not crash or leak (under
// scripts/test-asan the module runs instrumented and LeakSanitizer checks the server at exit),
// other clients must get their results, and the server's client count and memory must go back to
// their baseline.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "redis_server.h"

using insitu::Reply;
using insitu::testing::info_field;
using insitu::testing::RawConnection;
using insitu::testing::RedisServer;
using namespace std::chrono_literals;

namespace {

std::string float_blob(std::size_t n, float base) {
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = base + static_cast<float>(i % 1000);
    return std::string(reinterpret_cast<const char*>(v.data()), n * sizeof(float));
}

}  // namespace

TEST(Disconnect, ClientGoneWhileRunQueuedOrRunning) {
    RedisServer::Options o;
    o.module_args = {"TORCH", INSITU_TEST_BACKEND, "THREADS_PER_QUEUE", "1"};
    RedisServer s(o);
    auto c = s.connect();
    constexpr std::size_t n = 256 * 1024;  // 1 MiB tensors, so a leaked one would show
    const std::string in = float_blob(n, 0.5f);
    const std::string n_text = std::to_string(n);
    ASSERT_TRUE(c->command({"AI.MODELSTORE", "slow", "TORCH", "CPU", "BLOB", "fake:sleep:300"})
                    .is_status("OK"));
    ASSERT_TRUE(c->command({"AI.MODELSTORE", "dbl", "TORCH", "CPU", "BLOB", "fake:double"})
                    .is_status("OK"));
    ASSERT_TRUE(c->command({"AI.TENSORSET", "in", "FLOAT", n_text, "BLOB", in}).is_status("OK"));
    // One run first, so that the queue, its worker and the stats exist in the baseline.
    ASSERT_TRUE(c->command({"AI.MODELEXECUTE", "slow", "INPUTS", "1", "in", "OUTPUTS", "1", "w"})
                    .is_status("OK"));
    ASSERT_EQ(c->command({"DEL", "w"}).integer, 1);
    const long long clients0 = info_field(*c, "clients", "connected_clients");
    const long long memory0 = info_field(*c, "memory", "used_memory");
    ASSERT_GT(clients0, 0);
    ASSERT_GT(memory0, 0);

    // The first request runs, the others wait in the queue behind it; every client hangs up.
    constexpr int gone = 8;
    for (int i = 0; i < gone; ++i) {
        RawConnection r(s.port());
        if (i % 2 == 0) {
            r.send_only({"AI.MODELEXECUTE", "slow", "INPUTS", "1", "in", "OUTPUTS", "1",
                         "gone" + std::to_string(i)});
        } else {
            r.send_only({"AI.DAGEXECUTE", "LOAD", "1", "in", "|>", "AI.MODELEXECUTE", "slow",
                         "INPUTS", "1", "in", "OUTPUTS", "1", "tmp", "|>", "AI.TENSORGET", "tmp",
                         "BLOB"});
        }
    }  // each RawConnection closes its socket here

    // Meanwhile, another client works as usual and gets exact results.
    auto other = s.connect();
    ASSERT_TRUE(
        other->command({"AI.TENSORSET", "a", "FLOAT", "2", "VALUES", "1", "2"}).is_status("OK"));
    Reply run =
        other->command({"AI.MODELEXECUTE", "dbl", "INPUTS", "1", "a", "OUTPUTS", "2", "x", "rows"});
    ASSERT_TRUE(run.is_status("OK")) << run.str;
    Reply x = other->command({"AI.TENSORGET", "x", "VALUES"});
    ASSERT_EQ(x.elements.size(), 2u);
    EXPECT_EQ(x.elements[0].str, "2");
    EXPECT_EQ(x.elements[1].str, "4");
    EXPECT_EQ(other->command({"AI.TENSORGET", "in", "BLOB"}).str, in);

    // Every abandoned request finishes or is dropped; nothing stays blocked or connected.
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline &&
           (info_field(*c, "clients", "blocked_clients") != 0 ||
            info_field(*c, "clients", "connected_clients") != clients0 + 1))
        std::this_thread::sleep_for(20ms);
    EXPECT_EQ(info_field(*c, "clients", "blocked_clients"), 0);
    EXPECT_EQ(info_field(*c, "clients", "connected_clients"), clients0 + 1);  // + `other`
    // The worker is idle again: a new run goes through.
    ASSERT_TRUE(c->command({"AI.MODELEXECUTE", "slow", "INPUTS", "1", "in", "OUTPUTS", "1", "w"})
                    .is_status("OK"));
    EXPECT_EQ(c->command({"AI.TENSORGET", "w", "BLOB"}).str, in);
    EXPECT_TRUE(s.alive());

    // Outputs the abandoned runs wrote (if any) are ordinary keys; without them and the keys of
    // this check, memory is back near the baseline (8 leaked 1 MiB tensors would be far above).
    std::vector<std::string> del = {"DEL", "w", "a", "x", "rows", "tmp"};
    for (int i = 0; i < gone; ++i) del.push_back("gone" + std::to_string(i));
    c->command(del);
    other.reset();
    std::this_thread::sleep_for(50ms);
    const long long memory1 = info_field(*c, "memory", "used_memory");
    EXPECT_LT(memory1, memory0 + (512 << 10)) << "baseline " << memory0 << ", now " << memory1;
    EXPECT_EQ(c->command({"DBSIZE"}).integer, 3);  // slow, dbl, in
}
