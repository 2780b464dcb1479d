// The client against a 3-shard Redis Cluster: routing, cross-slot operations, MOVED and ASK
// redirections during a slot migration, and per-node administration.
#include <gtest/gtest.h>

#include <insitu/client.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "client_test_util.h"
#include "redis_server.h"

using namespace insitu;
using insitu::test::check_round_trip;
using insitu::test::make_client;
using insitu::testing::RedisCluster;
using insitu::testing::RedisServer;

namespace {

class Cluster : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { cluster_ = new RedisCluster(3); }
    static void TearDownTestSuite() {
        delete cluster_;
        cluster_ = nullptr;
    }
    void SetUp() override {
        for (RedisServer* s : cluster_->shards())
            ASSERT_TRUE(s->connect()->command({"FLUSHALL"}).is_status("OK"));
        client_ = std::make_unique<Client>(make_client(cluster_->ssdb(), true));
    }

    static int slot_of(const std::string& key) {
        return static_cast<int>(
            cluster_->shards()[0]->connect()->command({"CLUSTER", "KEYSLOT", key}).integer);
    }
    // The shard owning `slot` now (from CLUSTER SLOTS, so it follows migrations).
    static RedisServer& owner(int slot) {
        Reply slots = cluster_->shards()[0]->connect()->command({"CLUSTER", "SLOTS"});
        for (const Reply& r : slots.elements) {
            if (slot < r.elements[0].integer || slot > r.elements[1].integer) continue;
            auto port = r.elements[2].elements[1].integer;
            for (RedisServer* s : cluster_->shards())
                if (s->port() == port) return *s;
        }
        throw std::runtime_error("no owner for slot " + std::to_string(slot));
    }
    static RedisServer& owner_of(const std::string& key) { return owner(slot_of(key)); }
    static RedisServer& other_than(const RedisServer& s) {
        for (RedisServer* x : cluster_->shards())
            if (x != &s) return *x;
        throw std::runtime_error("single shard");
    }
    // A key (with `stem`) owned by `shard`.
    static std::string key_on(const RedisServer& shard, const std::string& stem) {
        for (int i = 0;; ++i) {
            std::string k = stem + std::to_string(i);
            if (&owner_of(k) == &shard) return k;
        }
    }
    static bool exists_on(const RedisServer& s, const std::string& key) {
        return s.connect()->command({"EXISTS", key}).integer == 1;
    }
    // After a slot changed owner: the new owner answers once it has applied the change (a
    // loaded machine delays cluster bus messages); the last reply is in the failure message.
    static ::testing::AssertionResult eventually_exists_on(const RedisServer& s,
                                                           const std::string& key) {
        Reply r;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        do {
            r = s.connect()->command({"EXISTS", key});
            if (r.integer == 1) return ::testing::AssertionSuccess();
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        } while (std::chrono::steady_clock::now() < deadline);
        return ::testing::AssertionFailure() << "EXISTS " << key << " on port " << s.port()
                                             << " answered " << to_display(r) << " for 5 s";
    }
    // On a node importing the key's slot (which redirects plain commands back to the owner).
    static bool exists_importing(const RedisServer& s, const std::string& key) {
        auto c = s.connect();
        c->command({"ASKING"});
        return c->command({"EXISTS", key}).integer == 1;
    }
    static std::string id_of(const RedisServer& s) {
        return s.connect()->command({"CLUSTER", "MYID"}).str;
    }
    // Moves `slot`'s keys from `from` to `to`; with `finish`, hands the slot over too.
    static void migrate(int slot, RedisServer& from, RedisServer& to, bool finish) {
        auto src = from.connect();
        auto dst = to.connect();
        const std::string s = std::to_string(slot);
        ASSERT_TRUE(
            dst->command({"CLUSTER", "SETSLOT", s, "IMPORTING", id_of(from)}).is_status("OK"));
        ASSERT_TRUE(
            src->command({"CLUSTER", "SETSLOT", s, "MIGRATING", id_of(to)}).is_status("OK"));
        Reply keys = src->command({"CLUSTER", "GETKEYSINSLOT", s, "1000"});
        for (const Reply& k : keys.elements) {
            Reply r = src->command(
                {"MIGRATE", "127.0.0.1", std::to_string(to.port()), k.str, "0", "5000"});
            ASSERT_TRUE(r.is_status("OK")) << to_display(r);
        }
        if (finish) finish_migration(slot, to);
    }
    static void finish_migration(int slot, RedisServer& to) {
        const std::string id = id_of(to);
        // The new owner first, so that it bumps its epoch before the others hear of it.
        ASSERT_TRUE(to.connect()
                        ->command({"CLUSTER", "SETSLOT", std::to_string(slot), "NODE", id})
                        .is_status("OK"));
        for (RedisServer* x : cluster_->shards()) {
            if (x == &to) continue;
            Reply r =
                x->connect()->command({"CLUSTER", "SETSLOT", std::to_string(slot), "NODE", id});
            ASSERT_TRUE(r.is_status("OK")) << to_display(r);
        }
    }

    static RedisCluster* cluster_;
    std::unique_ptr<Client> client_;
};
RedisCluster* Cluster::cluster_ = nullptr;

std::vector<float> floats(std::size_t n, float base = 0.5f) {
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = base + static_cast<float>(i);
    return v;
}

}  // namespace

TEST_F(Cluster, DiscoversEveryPrimary) {
    EXPECT_TRUE(client_->is_cluster());
    auto nodes = client_->node_addresses();
    std::vector<std::string> expected;
    for (RedisServer* s : cluster_->shards()) expected.push_back(s->address());
    std::sort(nodes.begin(), nodes.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(nodes, expected);
    EXPECT_NE(client_->to_string().find("cluster"), std::string::npos);
}

TEST_F(Cluster, RoundTripEveryTypeAndLayoutAcrossShards) {
    std::set<const RedisServer*> shards_hit;
    for (TensorType t : test::supported_types()) {
        const std::string key = "cl_" + std::string(wire_name(t));
        check_round_trip(*client_, key, t);
        for (const std::string& k : {key, key + ".nested", key + ".fortran"}) {
            const RedisServer& s = owner_of(k);
            EXPECT_TRUE(exists_on(s, k)) << k;
            shards_hit.insert(&s);
        }
    }
    EXPECT_EQ(shards_hit.size(), 3u);
}

TEST_F(Cluster, LargeTensorOnEveryShard) {
    std::vector<double> in(1u << 20);  // 8 MiB
    for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<double>(i) * 0.5;
    for (RedisServer* s : cluster_->shards()) {
        const std::string key = key_on(*s, "big");
        client_->put_tensor(key, in.data(), {1024, 1024}, TensorType::Double,
                            MemoryLayout::Contiguous);
        std::vector<double> out(in.size());
        client_->unpack_tensor(key, out.data(), {1024, 1024}, TensorType::Double,
                               MemoryLayout::Contiguous);
        EXPECT_EQ(out, in);
        EXPECT_TRUE(exists_on(*s, key));
    }
}

TEST_F(Cluster, UnpackErrorsLeaveConnectionsUsable) {
    auto in = floats(6);
    for (RedisServer* s : cluster_->shards()) {
        const std::string key = key_on(*s, "u");
        client_->put_tensor(key, in.data(), {2, 3}, TensorType::Float, MemoryLayout::Contiguous);
        std::vector<std::int32_t> wrong(6);
        EXPECT_THROW(client_->unpack_tensor(key, wrong.data(), {2, 3}, TensorType::Int32,
                                            MemoryLayout::Contiguous),
                     TypeException);
        std::vector<float> small(4);
        EXPECT_THROW(client_->unpack_tensor(key, small.data(), {2, 2}, TensorType::Float,
                                            MemoryLayout::Contiguous),
                     ParameterException);
        EXPECT_THROW(client_->unpack_tensor(key_on(*s, "absent"), small.data(), {2, 2},
                                            TensorType::Float, MemoryLayout::Contiguous),
                     KeyException);
        std::vector<float> out(6);
        client_->unpack_tensor(key, out.data(), {2, 3}, TensorType::Float,
                               MemoryLayout::Contiguous);
        EXPECT_EQ(out, in);
    }
}

TEST_F(Cluster, CrossSlotRenameAndCopy) {
    RedisServer& a = *cluster_->shards()[0];
    RedisServer& b = *cluster_->shards()[2];
    const std::string src = key_on(a, "src"), dst = key_on(b, "dst"), moved = key_on(b, "mv");
    ASSERT_NE(slot_of(src), slot_of(dst));
    auto in = floats(5);
    std::vector<float> out(5);
    client_->put_tensor(src, in.data(), {5}, TensorType::Float, MemoryLayout::Contiguous);

    client_->copy_tensor(src, dst);
    EXPECT_TRUE(exists_on(a, src));
    EXPECT_TRUE(exists_on(b, dst));
    client_->unpack_tensor(dst, out.data(), {5}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, in);
    // Copying onto an existing key replaces it.
    auto other = floats(5, 40.0f);
    client_->put_tensor(src, other.data(), {5}, TensorType::Float, MemoryLayout::Contiguous);
    client_->copy_tensor(src, dst);
    client_->unpack_tensor(dst, out.data(), {5}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, other);

    client_->rename_tensor(src, moved);
    EXPECT_FALSE(exists_on(a, src));
    EXPECT_FALSE(client_->tensor_exists(src));
    client_->unpack_tensor(moved, out.data(), {5}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, other);

    EXPECT_THROW(client_->rename_tensor(key_on(a, "ghost"), dst), KeyException);
    EXPECT_THROW(client_->copy_tensor(key_on(a, "ghost"), dst), KeyException);
    client_->unpack_tensor(dst, out.data(), {5}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, other);  // a failed copy/rename leaves the destination alone
}

TEST_F(Cluster, SameSlotRenameAndCopyWithHashTags) {
    auto in = floats(3);
    std::vector<float> out(3);
    client_->put_tensor("{user}.a", in.data(), {3}, TensorType::Float, MemoryLayout::Contiguous);
    client_->copy_tensor("{user}.a", "{user}.b");
    client_->rename_tensor("{user}.a", "{user}.c");
    EXPECT_FALSE(client_->tensor_exists("{user}.a"));
    for (const char* k : {"{user}.b", "{user}.c"}) {
        client_->unpack_tensor(k, out.data(), {3}, TensorType::Float, MemoryLayout::Contiguous);
        EXPECT_EQ(out, in) << k;
        EXPECT_TRUE(exists_on(owner_of("user"), k));
    }
    EXPECT_THROW(client_->rename_tensor("{user}.a", "{user}.d"), KeyException);
    EXPECT_THROW(client_->copy_tensor("{user}.a", "{user}.d"), KeyException);
}

TEST_F(Cluster, DeleteExistsAndPollOnEveryShard) {
    auto in = floats(2);
    for (RedisServer* s : cluster_->shards()) {
        const std::string key = key_on(*s, "d");
        EXPECT_FALSE(client_->tensor_exists(key));
        EXPECT_FALSE(client_->poll_key(key, 5, 2));
        client_->put_tensor(key, in.data(), {2}, TensorType::Float, MemoryLayout::Contiguous);
        EXPECT_TRUE(client_->poll_tensor(key, 5, 2));
        EXPECT_TRUE(client_->key_exists(key));
        client_->delete_tensor(key);
        EXPECT_FALSE(exists_on(*s, key));
        EXPECT_NO_THROW(client_->delete_tensor(key));
    }
}

TEST_F(Cluster, PrefixedKeysAreRoutedByTheirFullName) {
    Client c = make_client(cluster_->ssdb(), true, {{"SSKEYIN", "sim"}, {"SSKEYOUT", "ml"}});
    auto in = floats(2);
    std::vector<float> out(2);
    for (int i = 0; i < 6; ++i) {
        const std::string name = "p" + std::to_string(i);
        c.put_tensor(name, in.data(), {2}, TensorType::Float, MemoryLayout::Contiguous);
        EXPECT_TRUE(exists_on(owner_of("ml." + name), "ml." + name));
        EXPECT_FALSE(c.tensor_exists(name));  // reads look under sim.
        EXPECT_THROW(c.copy_tensor(name, name + "_c"), KeyException);
        // sim.<name> (written without prefixing) copies to ml.<name>_c, wherever both live.
        client_->put_tensor("sim." + name, in.data(), {2}, TensorType::Float,
                            MemoryLayout::Contiguous);
        c.copy_tensor(name, name + "_c");
        EXPECT_TRUE(exists_on(owner_of("ml." + name + "_c"), "ml." + name + "_c"));
        c.unpack_tensor(name, out.data(), {2}, TensorType::Float, MemoryLayout::Contiguous);
        EXPECT_EQ(out, in);
    }
}

TEST_F(Cluster, FollowsMovedAfterSlotMigration) {
    const std::string key = "moved_key";
    const int slot = slot_of(key);
    RedisServer& from = owner(slot);
    RedisServer& to = other_than(from);
    auto in = floats(4);
    std::vector<float> out(4);
    client_->put_tensor(key, in.data(), {4}, TensorType::Float, MemoryLayout::Contiguous);
    ASSERT_TRUE(exists_on(from, key));

    migrate(slot, from, to, /*finish=*/true);
    ASSERT_TRUE(eventually_exists_on(to, key));
    ASSERT_FALSE(exists_on(from, key));
    // The client still believes `from` owns the slot: MOVED sends it to `to`.
    client_->unpack_tensor(key, out.data(), {4}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, in);
    // And its slot map is current afterwards: a new key of that slot goes straight to `to`.
    client_->put_tensor("{moved_key}.2", in.data(), {4}, TensorType::Float,
                        MemoryLayout::Contiguous);
    EXPECT_TRUE(exists_on(to, "{moved_key}.2"));
    EXPECT_EQ(client_->node_addresses().size(), 3u);

    // Migrate it back so that the suite's slot layout is as it started.
    migrate(slot, to, from, /*finish=*/true);
    client_->unpack_tensor(key, out.data(), {4}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, in);
}

TEST_F(Cluster, FollowsAskDuringMigration) {
    const std::string key = "ask_key";
    const int slot = slot_of(key);
    RedisServer& from = owner(slot);
    RedisServer& to = other_than(from);
    auto in = floats(3);
    std::vector<float> out(3);
    client_->put_tensor(key, in.data(), {3}, TensorType::Float, MemoryLayout::Contiguous);

    // Keys moved, slot not handed over: `from` answers ASK for them.
    ASSERT_TRUE(exists_on(from, key));
    migrate(slot, from, to, /*finish=*/false);
    ASSERT_TRUE(exists_importing(to, key));
    ASSERT_FALSE(exists_on(from, key));
    Reply raw = from.connect()->command({"AI.TENSORGET", key, "META"});
    ASSERT_TRUE(raw.is_error());
    ASSERT_EQ(raw.str.rfind("ASK ", 0), 0u) << raw.str;

    client_->unpack_tensor(key, out.data(), {3}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, in);
    EXPECT_TRUE(client_->tensor_exists(key));
    // A new key of a migrating slot is created on the importing node.
    client_->put_tensor("{ask_key}.new", in.data(), {3}, TensorType::Float,
                        MemoryLayout::Contiguous);
    EXPECT_TRUE(exists_importing(to, "{ask_key}.new"));
    EXPECT_FALSE(exists_on(from, "{ask_key}.new"));

    finish_migration(slot, to);
    client_->unpack_tensor("{ask_key}.new", out.data(), {3}, TensorType::Float,
                           MemoryLayout::Contiguous);
    EXPECT_EQ(out, in);
    migrate(slot, to, from, /*finish=*/true);
    EXPECT_TRUE(client_->tensor_exists(key));
}

TEST_F(Cluster, AdminCallsPerNode) {
    auto in = floats(2);
    for (RedisServer* s : cluster_->shards())
        client_->put_tensor(key_on(*s, "adm"), in.data(), {2}, TensorType::Float,
                            MemoryLayout::Contiguous);
    for (const std::string& addr : client_->node_addresses()) {
        auto info = client_->get_db_node_info(addr);
        EXPECT_FALSE(info["Server"]["redis_version"].empty()) << addr;
        EXPECT_EQ(info["Cluster"]["cluster_enabled"], "1") << addr;
        auto cinfo = client_->get_db_cluster_info(addr);
        EXPECT_EQ(cinfo["cluster_state"], "ok") << addr;
        EXPECT_EQ(cinfo["cluster_known_nodes"], "3") << addr;
    }
    RedisServer& first = *cluster_->shards()[0];
    client_->config_set("maxmemory-policy", "volatile-lru", first.address());
    EXPECT_EQ(client_->config_get("maxmemory-policy", first.address())["maxmemory-policy"],
              "volatile-lru");
    // Per node: the others keep their setting.
    EXPECT_NE(client_->config_get("maxmemory-policy",
                                  cluster_->shards()[1]->address())["maxmemory-policy"],
              "volatile-lru");
    client_->config_set("maxmemory-policy", "noeviction", first.address());

    client_->save(first.address());
    client_->flush_db(first.address());
    EXPECT_EQ(first.connect()->command({"DBSIZE"}).integer, 0);
    EXPECT_EQ(cluster_->shards()[1]->connect()->command({"DBSIZE"}).integer, 1);

    try {
        client_->get_db_node_info("127.0.0.1:1");
        FAIL();
    } catch (const ParameterException& e) {
        EXPECT_NE(std::string(e.what()).find("127.0.0.1:1"), std::string::npos) << e.what();
    }
}

TEST_F(Cluster, RunCommandRoutesByKey) {
    for (int i = 0; i < 10; ++i) {
        const std::string k = "rc" + std::to_string(i);
        EXPECT_TRUE(client_->run_command({"SET", k, "v"}).is_status("OK"));
        EXPECT_TRUE(exists_on(owner_of(k), k));
        EXPECT_EQ(client_->run_command({"GET", k}).str, "v");
    }
    // Addressed to a node that does not own the key: the redirection is returned, not followed.
    RedisServer& own = owner_of("rc0");
    Reply r = client_->run_command_on(other_than(own).address(), {"GET", "rc0"});
    ASSERT_TRUE(r.is_error());
    EXPECT_EQ(r.str.rfind("MOVED", 0), 0u) << r.str;
    EXPECT_EQ(client_->run_command({"PING"}, -1).str, "PONG");
}

TEST(ClusterConfig, SeedsThatAreDownAreSkipped) {
    RedisCluster cluster(3);
    // One live seed among dead ones is enough to load the slot map.
    std::string dead = "127.0.0.1:" + std::to_string(insitu::testing::free_port());
    Client c = make_client(dead + "," + cluster.shards()[1]->address() + "," + dead, true);
    EXPECT_EQ(c.node_addresses().size(), 3u);
    float v = 1.0f;
    c.put_tensor("seeded", &v, {1}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_TRUE(c.tensor_exists("seeded"));
}

TEST(ClusterConfig, SurvivesAShardRestart) {
    RedisCluster cluster(3);
    Client c = make_client(cluster.ssdb(), true);
    auto in = floats(4);
    std::vector<float> out(4);
    // A key on every shard, read once so that every node has an open connection.
    std::vector<std::string> keys;
    for (RedisServer* s : cluster.shards()) {
        for (int i = 0;; ++i) {
            std::string k = "r" + std::to_string(i);
            if (&cluster.owner_of(k) == s) {
                keys.push_back(k);
                break;
            }
        }
        c.put_tensor(keys.back(), in.data(), {4}, TensorType::Float, MemoryLayout::Contiguous);
    }
    // The shard comes back with its data and its nodes.conf; the client's connection to it is
    // dead, so the next command reconnects (and waits out CLUSTERDOWN while it rejoins).
    cluster.shards()[1]->restart(/*save=*/true);
    for (const auto& k : keys) {
        c.unpack_tensor(k, out.data(), {4}, TensorType::Float, MemoryLayout::Contiguous);
        EXPECT_EQ(out, in) << k;
    }
}
