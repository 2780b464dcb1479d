// Faults injected into real servers while the client is busy: a server SIGKILLed in the middle of
// a 64 MiB put, a 64 MiB get (16 MiB in the ASan pass) and a run_model; a cluster shard killed;
// maxmemory reached; a tensor over proto-max-bulk-len. The client must fail with a clear error
// within SR_CMD_TIMEOUT (naming the node), work again once the server is back on the same port,
// and never lose stored data.
// Every test runs twice: against servers without authentication (Faults.*/Plain) and against
// servers that require it (Faults.*/Auth), where the client is the `app` user with the launcher's
// own ACL rules (launch::acl_users(): what applications of a database insitu starts get). There
// the faults must not turn into authentication errors, every reconnection (also to a server
// restarted on the same port, with the same users) must authenticate again, and the servers must
// still refuse a client without credentials afterwards.
#include <gtest/gtest.h>

#include <insitu/client.h>
#include <insitu/errors.h>

#include <atomic>
#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>

#include "client_test_util.h"
#include "launch/db/acl_users.h"
#include "redis_server.h"

using namespace insitu;
using insitu::test::make_client;
using insitu::testing::RedisCluster;
using insitu::testing::RedisServer;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// scripts/test-asan sets INSITU_TEST_SOCKET_TIMEOUT: instrumented servers move 64 MiB slowly
// enough to stall for seconds on a shared 2-core machine, so that pass uses 16 MiB (still far more
// than socket buffers hold, so the transfer is in flight when the server dies) and wider timeouts.
bool sanitized() {
    return std::getenv("INSITU_TEST_SOCKET_TIMEOUT") != nullptr;
}
std::size_t big_size() {
    return sanitized() ? 16u << 20 : 64u << 20;
}
int cmd_timeout_s() {
    return sanitized() ? 20 : 3;
}
int socket_timeout_ms() {
    return sanitized() ? 5000 : 250;
}

std::map<std::string, std::string> fault_timing() {
    return {{"SR_CMD_TIMEOUT", std::to_string(cmd_timeout_s())},
            {"SR_CMD_INTERVAL", "50"},
            {"SR_SOCKET_TIMEOUT", std::to_string(socket_timeout_ms())}};
}

// SR_CMD_TIMEOUT plus room for one connect or socket wait in flight when it ran out.
double error_bound_s() {
    return cmd_timeout_s() + 2 * socket_timeout_ms() / 1000.0 + 1.0;
}

std::vector<unsigned char> pattern(std::size_t n, unsigned seed) {
    std::vector<unsigned char> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<unsigned char>((i * 2654435761u + seed) >> 13);
    return v;
}

RedisServer::Options fake_backend_options() {
    RedisServer::Options o;
    o.module_args = {"TORCH", INSITU_TEST_BACKEND};
    return o;
}

// Runs `op` on a thread until it throws, SIGKILLs `server` after `delay` (the thread is busy with
// `op` then), and returns the error text and the seconds from the kill to the error.
template <typename Op>
std::pair<std::string, double> kill_during(RedisServer& server, Op op,
                                           std::chrono::milliseconds delay) {
    std::atomic<bool> started{false};
    std::string error;
    Clock::time_point failed_at{};
    std::thread t([&] {
        try {
            while (true) {
                started = true;
                op();
            }
        } catch (const std::exception& e) {
            failed_at = Clock::now();
            error = e.what();
        }
    });
    while (!started) std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(delay);
    const auto killed_at = Clock::now();
    server.kill();
    t.join();
    return {error, std::chrono::duration<double>(failed_at - killed_at).count()};
}

// The Plain / Auth halves: how the tests start servers and make clients.
class Faults : public ::testing::TestWithParam<bool> {
  protected:
    bool auth() const { return GetParam(); }

    void SetUp() override {
        if (!auth()) return;
        // Fresh secrets as a database start makes them (0600 files in a 0700 folder).
        secrets_ = insitu::testing::make_temp_dir("faults-secrets") + "/secrets";
        launch::generate_secrets(secrets_);
    }

    // `o` plus, for Auth, the real `app` user. The fixture's own connections (readiness, cluster
    // set-up, SHUTDOWN) use the default user's password; restarts keep both (the options stay).
    RedisServer::Options server_options(RedisServer::Options o = {}) const {
        if (!auth()) return o;
        o.password = launch::read_secret(secrets_, "admin");
        for (const auto& u : launch::acl_users())
            if (std::string(u.name) == "app")
                o.acl_users = {"app on >" + launch::read_secret(secrets_, "app") + " " + u.rules};
        if (o.acl_users.empty()) throw std::logic_error("launch::acl_users() has no app user");
        return o;
    }

    // A client; for Auth it is `app`, with its password file, as the launcher hands it out.
    Client client(const std::string& ssdb, bool cluster,
                  std::map<std::string, std::string> extra = {}) const {
        if (auth()) {
            extra["SR_DB_USER"] = "app";
            extra["SR_DB_PASSWORD_FILE"] = launch::secret_file(secrets_, "app");
        }
        return make_client(ssdb, cluster, extra);
    }

    // For Auth: the server at `address` (still) requires authentication, and `c` is the restricted
    // app user there (FLUSHDB refused), not a user with every right.
    void expect_auth_enforced(Client& c, const std::string& address, bool cluster) const {
        if (!auth()) return;
        std::string error;
        try {
            make_client(address, cluster);
        } catch (const DatabaseException& e) {
            error = e.what();
        }
        EXPECT_NE(error.find("the database requires a password"), std::string::npos)
            << "a client without credentials got: '" << error << "'";
        error.clear();
        try {
            c.flush_db(address);
        } catch (const DatabaseException& e) {
            error = e.what();
        }
        EXPECT_NE(error.find("permission denied: user 'app' may not run FLUSHDB"),
                  std::string::npos)
            << "FLUSHDB as app got: '" << error << "'";
    }

  private:
    std::string secrets_;
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(, Faults, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) {
                             return p.param ? "Auth" : "Plain";
                         });

TEST_P(Faults, ServerKilledDuringBigPutThenBack) {
    RedisServer server(server_options());
    Client c = client(server.address(), false, fault_timing());
    auto data = pattern(big_size(), 1);
    auto [error, took] = kill_during(
        server,
        [&] {
            c.put_tensor("big", data.data(), {big_size()}, TensorType::Uint8,
                         MemoryLayout::Contiguous);
        },
        150ms);
    EXPECT_NE(error.find(server.address()), std::string::npos) << error;
    EXPECT_NE(error.find("SR_CMD_TIMEOUT"), std::string::npos) << error;
    EXPECT_GE(took, 0.0) << "failed before the kill: " << error;
    EXPECT_LT(took, error_bound_s()) << error;

    // Back on the same port: the same client works again.
    server.start();
    c.put_tensor("big", data.data(), {big_size()}, TensorType::Uint8, MemoryLayout::Contiguous);
    std::vector<unsigned char> out(big_size());
    c.unpack_tensor("big", out.data(), {big_size()}, TensorType::Uint8, MemoryLayout::Contiguous);
    EXPECT_TRUE(out == data);
    expect_auth_enforced(c, server.address(), false);
}

TEST_P(Faults, ServerKilledDuringBigGetThenBack) {
    RedisServer server(server_options());
    Client c = client(server.address(), false, fault_timing());
    auto data = pattern(big_size(), 2);
    c.put_tensor("big", data.data(), {big_size()}, TensorType::Uint8, MemoryLayout::Contiguous);
    std::vector<unsigned char> out(big_size());
    bool all_good = true;
    auto [error, took] = kill_during(
        server,
        [&] {
            c.unpack_tensor("big", out.data(), {big_size()}, TensorType::Uint8,
                            MemoryLayout::Contiguous);
            all_good = all_good && out == data;
        },
        300ms);
    EXPECT_TRUE(all_good) << "a get before the kill returned wrong bytes";
    EXPECT_NE(error.find(server.address()), std::string::npos) << error;
    EXPECT_GE(took, 0.0) << "failed before the kill: " << error;
    EXPECT_LT(took, error_bound_s()) << error;

    server.start();
    EXPECT_FALSE(c.tensor_exists("big"));  // no persistence: the kill lost it, as it should
    c.put_tensor("big", data.data(), {big_size()}, TensorType::Uint8, MemoryLayout::Contiguous);
    std::fill(out.begin(), out.end(), 0);
    c.unpack_tensor("big", out.data(), {big_size()}, TensorType::Uint8, MemoryLayout::Contiguous);
    EXPECT_TRUE(out == data);
    expect_auth_enforced(c, server.address(), false);
}

TEST_P(Faults, ServerRestartedDuringBigPutWithinTimeout) {
    // The server dies mid-transfer and comes back within SR_CMD_TIMEOUT: the put is resent and
    // succeeds, with the right bytes.
    RedisServer server(server_options());
    Client c =
        client(server.address(), false, {{"SR_CMD_TIMEOUT", "30"}, {"SR_CMD_INTERVAL", "50"}});
    auto data = pattern(big_size(), 3);
    server.pause();  // the put stalls in flight: 64 MiB do not fit in socket buffers
    std::string error;
    std::thread t([&] {
        try {
            c.put_tensor("big", data.data(), {big_size()}, TensorType::Uint8,
                         MemoryLayout::Contiguous);
        } catch (const std::exception& e) {
            error = e.what();
        }
    });
    std::this_thread::sleep_for(100ms);
    server.kill();
    std::this_thread::sleep_for(300ms);
    server.start();
    t.join();
    EXPECT_EQ(error, "");
    std::vector<unsigned char> out(big_size());
    c.unpack_tensor("big", out.data(), {big_size()}, TensorType::Uint8, MemoryLayout::Contiguous);
    EXPECT_TRUE(out == data);
    expect_auth_enforced(c, server.address(), false);
}

TEST_P(Faults, ServerKilledDuringRunModelThenBack) {
    RedisServer server(server_options(fake_backend_options()));
    Client c = client(server.address(), false, fault_timing());
    c.set_model("slow", "fake:sleep:2000", "TORCH", "CPU");
    std::vector<float> in{1, 2, 3};
    c.put_tensor("in", in.data(), {3}, TensorType::Float, MemoryLayout::Contiguous);
    auto [error, took] = kill_during(
        server, [&] { c.run_model("slow", {"in"}, {"out"}); }, 500ms);
    EXPECT_NE(error.find(server.address()), std::string::npos) << error;
    EXPECT_GE(took, 0.0) << "failed before the kill: " << error;
    EXPECT_LT(took, error_bound_s()) << error;

    server.start();
    c.set_model("fast", "fake:sleep:1", "TORCH", "CPU");
    c.put_tensor("in", in.data(), {3}, TensorType::Float, MemoryLayout::Contiguous);
    c.run_model("fast", {"in"}, {"out"});
    std::vector<float> out(3);
    c.unpack_tensor("out", out.data(), {3}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, in);
    expect_auth_enforced(c, server.address(), false);
}

TEST_P(Faults, ClusterShardKilledErrorNamesTheShard) {
    RedisCluster cluster(3, server_options());
    Client c = client(cluster.ssdb(), true, fault_timing());
    RedisServer& victim = *cluster.shards()[1];
    // A key on the victim, found through the server (not the client's own hashing).
    std::string key;
    for (int i = 0; key.empty(); ++i) {
        std::string k = "k" + std::to_string(i);
        if (&cluster.owner_of(k) == &victim) key = k;
    }
    std::vector<float> in{4, 5, 6};
    c.put_tensor(key, in.data(), {3}, TensorType::Float, MemoryLayout::Contiguous);
    victim.kill();
    const auto t0 = Clock::now();
    std::string error;
    try {
        c.put_tensor(key, in.data(), {3}, TensorType::Float, MemoryLayout::Contiguous);
    } catch (const Exception& e) {
        error = e.what();
    }
    double took = std::chrono::duration<double>(Clock::now() - t0).count();
    ASSERT_FALSE(error.empty()) << "no error with the owning shard dead";
    EXPECT_NE(error.find(victim.address()), std::string::npos) << error;
    EXPECT_LT(took, error_bound_s()) << error;

    // The shard comes back (same port, its nodes.conf): the cluster heals and the client, after
    // CLUSTERDOWN replies and reconnects within SR_CMD_TIMEOUT, works on it again.
    victim.start();
    auto timing = fault_timing();
    timing["SR_CMD_TIMEOUT"] = "60";
    Client patient = client(cluster.ssdb(), true, timing);
    patient.put_tensor(key, in.data(), {3}, TensorType::Float, MemoryLayout::Contiguous);
    std::vector<float> out(3);
    c.unpack_tensor(key, out.data(), {3}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, in);
    // The restarted shard itself: a client that starts there is refused without credentials.
    expect_auth_enforced(patient, victim.address(), true);
}

TEST_P(Faults, MaxmemoryRefusesStoresKeepsReads) {
    RedisServer::Options o;
    o.extra_args = {"--maxmemory", "16mb", "--maxmemory-policy", "noeviction"};
    RedisServer server(server_options(o));
    Client c = client(server.address(), false, fault_timing());
    auto small = pattern(4096, 4);
    c.put_tensor("kept", small.data(), {4096}, TensorType::Uint8, MemoryLayout::Contiguous);
    auto chunk = pattern(1 << 20, 5);
    std::string error;
    int stored = 0;
    for (; stored < 64; ++stored) {
        try {
            c.put_tensor("fill" + std::to_string(stored), chunk.data(), {chunk.size()},
                         TensorType::Uint8, MemoryLayout::Contiguous);
        } catch (const Exception& e) {
            error = e.what();
            break;
        }
    }
    ASSERT_LT(stored, 64) << "maxmemory never refused a store";
    EXPECT_NE(error.find("OOM"), std::string::npos) << error;
    EXPECT_NE(error.find("maxmemory"), std::string::npos) << error;
    // Reads still work, and what was stored is intact.
    std::vector<unsigned char> out(4096);
    c.unpack_tensor("kept", out.data(), {4096}, TensorType::Uint8, MemoryLayout::Contiguous);
    EXPECT_TRUE(out == small);
    std::vector<unsigned char> big_out(chunk.size());
    c.unpack_tensor("fill0", big_out.data(), {chunk.size()}, TensorType::Uint8,
                    MemoryLayout::Contiguous);
    EXPECT_TRUE(big_out == chunk);
    EXPECT_TRUE(server.alive());
    // Deleting frees room: stores work again.
    for (int i = 0; i < stored; ++i) c.delete_tensor("fill" + std::to_string(i));
    c.put_tensor("again", chunk.data(), {chunk.size()}, TensorType::Uint8,
                 MemoryLayout::Contiguous);
    EXPECT_TRUE(c.tensor_exists("again"));
    expect_auth_enforced(c, server.address(), false);
}

TEST_P(Faults, TensorOverProtoMaxBulkLenNamesTheLimit) {
    RedisServer::Options o;
    o.extra_args = {"--proto-max-bulk-len", "1mb"};
    RedisServer server(server_options(o));
    Client c = client(server.address(), false, fault_timing());
    auto ok = pattern(1000, 6);
    c.put_tensor("ok", ok.data(), {1000}, TensorType::Uint8, MemoryLayout::Contiguous);
    auto big = pattern(2 << 20, 7);
    const auto t0 = Clock::now();
    std::string error;
    try {
        c.put_tensor("big", big.data(), {big.size()}, TensorType::Uint8, MemoryLayout::Contiguous);
    } catch (const Exception& e) {
        error = e.what();
    }
    double took = std::chrono::duration<double>(Clock::now() - t0).count();
    ASSERT_FALSE(error.empty()) << "a tensor over proto-max-bulk-len was accepted";
    EXPECT_NE(error.find("proto-max-bulk-len"), std::string::npos) << error;
    // The limit in bytes comes from CONFIG GET, which the app user may not run (it would show
    // masterauth, the admin password): with authentication the message names the setting only.
    if (!auth()) {
        EXPECT_NE(error.find("1048576"), std::string::npos) << error;
    }
    EXPECT_NE(error.find(std::to_string(big.size())), std::string::npos) << error;
    EXPECT_LT(took, error_bound_s()) << error;
    // The server and the client are fine afterwards.
    EXPECT_TRUE(server.alive());
    EXPECT_FALSE(c.tensor_exists("big"));
    std::vector<unsigned char> out(1000);
    c.unpack_tensor("ok", out.data(), {1000}, TensorType::Uint8, MemoryLayout::Contiguous);
    EXPECT_TRUE(out == ok);
    expect_auth_enforced(c, server.address(), false);
}
