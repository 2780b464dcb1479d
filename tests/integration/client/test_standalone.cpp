// The client against a standalone database, over TCP and a Unix socket.
#include <gtest/gtest.h>

#include <insitu/client.h>

#include <cstring>
#include <thread>

#include "client_test_util.h"
#include "redis_server.h"

using namespace insitu;
using insitu::test::check_round_trip;
using insitu::test::make_client;
using insitu::testing::RedisServer;

namespace {

class Standalone : public ::testing::Test {
  protected:
    void SetUp() override {
        client_ = std::make_unique<Client>(make_client(server_.address(), false));
    }
    RedisServer server_;
    std::unique_ptr<Client> client_;
};

std::vector<float> floats(std::size_t n, float base = 0.5f) {
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = base + static_cast<float>(i);
    return v;
}

}  // namespace

TEST_F(Standalone, ConnectsAndReportsNode) {
    EXPECT_FALSE(client_->is_cluster());
    EXPECT_EQ(client_->node_addresses(), std::vector<std::string>{server_.address()});
    EXPECT_NE(client_->to_string().find(server_.address()), std::string::npos);
}

TEST_F(Standalone, RoundTripEveryTypeAndLayoutOverTcp) {
    for (TensorType t : test::supported_types())
        check_round_trip(*client_, "tcp_" + std::string(wire_name(t)), t);
}

TEST(StandaloneUnix, RoundTripEveryTypeAndLayoutOverUnixSocket) {
    RedisServer::Options o;
    o.unix_socket = true;
    RedisServer server(o);
    Client c = make_client("unix://" + server.unix_path(), false);
    EXPECT_EQ(c.node_addresses(), std::vector<std::string>{"unix://" + server.unix_path()});
    for (TensorType t : test::supported_types())
        check_round_trip(c, "uds_" + std::string(wire_name(t)), t);
    // The data really went to that server.
    auto raw = server.connect();
    EXPECT_EQ(raw->command({"EXISTS", "uds_FLOAT"}).integer, 1);
    // Admin calls address the node by its unix:// address.
    EXPECT_FALSE(
        c.get_db_node_info("unix://" + server.unix_path())["Server"]["redis_version"].empty());
}

TEST_F(Standalone, LargeTensorRoundTrip) {
    const std::size_t n = 16u << 20;  // 16 Mi floats = 64 MiB
    std::vector<float> in(n);
    for (std::size_t i = 0; i < n; ++i) in[i] = static_cast<float>(i % 100003) * 0.25f;
    client_->put_tensor("big", in.data(), {4096, 4096}, TensorType::Float,
                        MemoryLayout::Contiguous);
    std::vector<float> out(n, -1.0f);
    client_->unpack_tensor("big", out.data(), {4096, 4096}, TensorType::Float,
                           MemoryLayout::Contiguous);
    EXPECT_EQ(std::memcmp(in.data(), out.data(), n * sizeof(float)), 0);
    void* data = nullptr;
    std::vector<std::size_t> dims;
    TensorType t;
    client_->get_tensor("big", data, dims, t, MemoryLayout::Contiguous);
    EXPECT_EQ(dims, (std::vector<std::size_t>{4096, 4096}));
    EXPECT_EQ(std::memcmp(in.data(), data, n * sizeof(float)), 0);
}

TEST_F(Standalone, GetTensorMemoryLivesWithTheClient) {
    auto a = floats(6, 1.0f), b = floats(6, 100.0f);
    client_->put_tensor("a", a.data(), {2, 3}, TensorType::Float, MemoryLayout::Contiguous);
    client_->put_tensor("b", b.data(), {2, 3}, TensorType::Float, MemoryLayout::Contiguous);
    void *pa = nullptr, *pb = nullptr;
    std::vector<std::size_t> dims;
    TensorType t;
    client_->get_tensor("a", pa, dims, t, MemoryLayout::Contiguous);
    client_->get_tensor("b", pb, dims, t, MemoryLayout::Contiguous);
    EXPECT_NE(pa, pb);
    EXPECT_EQ(std::memcmp(pa, a.data(), 24), 0);  // still valid after the second call
    EXPECT_EQ(std::memcmp(pb, b.data(), 24), 0);
}

TEST_F(Standalone, UnpackChecksTypeAndShapeBeforeWritingAndConnectionSurvives) {
    auto in = floats(12);
    client_->put_tensor("t", in.data(), {3, 4}, TensorType::Float, MemoryLayout::Contiguous);

    std::vector<double> wrong_type(12, 7.0);
    try {
        client_->unpack_tensor("t", wrong_type.data(), {3, 4}, TensorType::Double,
                               MemoryLayout::Contiguous);
        FAIL() << "no TypeException";
    } catch (const TypeException& e) {
        EXPECT_NE(std::string(e.what()).find("FLOAT"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("DOUBLE"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("'t'"), std::string::npos) << e.what();
    }
    for (double v : wrong_type) EXPECT_EQ(v, 7.0);  // untouched

    std::vector<float> small(6, -1.0f);
    try {
        client_->unpack_tensor("t", small.data(), {2, 3}, TensorType::Float,
                               MemoryLayout::Contiguous);
        FAIL() << "no ParameterException";
    } catch (const ParameterException& e) {
        EXPECT_NE(std::string(e.what()).find("[3, 4]"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("[2, 3]"), std::string::npos) << e.what();
    }
    for (float v : small) EXPECT_EQ(v, -1.0f);

    // Nested needs the exact shape, not just the element count.
    test::Nested3 nested({2, 3, 2}, sizeof(float));
    EXPECT_THROW(client_->unpack_tensor("t", nested.data(), {2, 3, 2}, TensorType::Float,
                                        MemoryLayout::Nested),
                 ParameterException);

    std::vector<float> out(12);
    try {
        client_->unpack_tensor("missing", out.data(), {3, 4}, TensorType::Float,
                               MemoryLayout::Contiguous);
        FAIL() << "no KeyException";
    } catch (const KeyException& e) {
        EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos) << e.what();
    }
    // Every failure above left the connection in step: the next reads are correct.
    client_->unpack_tensor("t", out.data(), {3, 4}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, in);
    EXPECT_TRUE(client_->tensor_exists("t"));
}

TEST_F(Standalone, MismatchOnLargeTensorDrainsTheBlob) {
    // Larger than any socket buffer: the blob must really be drained, not just dropped.
    std::vector<double> in(1u << 20, 2.5);
    client_->put_tensor("big", in.data(), {1u << 20}, TensorType::Double, MemoryLayout::Contiguous);
    std::vector<float> f(1u << 20);
    EXPECT_THROW(client_->unpack_tensor("big", f.data(), {1u << 20}, TensorType::Float,
                                        MemoryLayout::Contiguous),
                 TypeException);
    std::vector<double> d(1u << 19);
    EXPECT_THROW(client_->unpack_tensor("big", d.data(), {1u << 19}, TensorType::Double,
                                        MemoryLayout::Contiguous),
                 ParameterException);
    std::vector<double> out(1u << 20);
    client_->unpack_tensor("big", out.data(), {1u << 20}, TensorType::Double,
                           MemoryLayout::Contiguous);
    EXPECT_EQ(out, in);
}

TEST_F(Standalone, GetMissingTensorNamesTheKey) {
    void* data;
    std::vector<std::size_t> dims;
    TensorType t;
    try {
        client_->get_tensor("nope", data, dims, t, MemoryLayout::Contiguous);
        FAIL();
    } catch (const KeyException& e) {
        EXPECT_NE(std::string(e.what()).find("'nope'"), std::string::npos) << e.what();
    }
    // A key of another type is a database error, not a crash or a desync.
    client_->run_command({"SET", "str", "x"});
    EXPECT_THROW(client_->get_tensor("str", data, dims, t, MemoryLayout::Contiguous),
                 DatabaseException);
    EXPECT_EQ(client_->run_command({"GET", "str"}).str, "x");
}

TEST_F(Standalone, RejectsInvalidArguments) {
    auto in = floats(4);
    EXPECT_THROW(
        client_->put_tensor("x", in.data(), {2, 2}, TensorType::Float, MemoryLayout::FortranNested),
        ParameterException);
    EXPECT_THROW(
        client_->put_tensor("x", in.data(), {2, 2}, TensorType::String, MemoryLayout::Contiguous),
        ParameterException);
    EXPECT_THROW(
        client_->put_tensor("x", in.data(), {}, TensorType::Float, MemoryLayout::Contiguous),
        ParameterException);
    EXPECT_THROW(
        client_->put_tensor("x", in.data(), {2, 0}, TensorType::Float, MemoryLayout::Contiguous),
        ParameterException);
    EXPECT_THROW(
        client_->put_tensor("x", nullptr, {2, 2}, TensorType::Float, MemoryLayout::Contiguous),
        ParameterException);
    client_->put_tensor("x", in.data(), {2, 2}, TensorType::Float, MemoryLayout::Contiguous);
    void* data;
    std::vector<std::size_t> dims;
    TensorType t;
    EXPECT_THROW(client_->get_tensor("x", data, dims, t, MemoryLayout::FortranNested),
                 ParameterException);
    EXPECT_TRUE(client_->key_exists("x"));
}

TEST_F(Standalone, DeleteExistsAndPoll) {
    auto in = floats(3);
    EXPECT_FALSE(client_->tensor_exists("k"));
    EXPECT_FALSE(client_->poll_tensor("k", 10, 3));
    client_->put_tensor("k", in.data(), {3}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_TRUE(client_->tensor_exists("k"));
    EXPECT_TRUE(client_->key_exists("k"));
    EXPECT_TRUE(client_->poll_tensor("k", 10, 1));
    EXPECT_TRUE(client_->poll_key("k", 10, 1));
    client_->delete_tensor("k");
    EXPECT_FALSE(client_->tensor_exists("k"));
    EXPECT_NO_THROW(client_->delete_tensor("k"));  // deleting a missing tensor is fine

    // poll_tensor sees a tensor that appears while it polls.
    std::thread writer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        Client w = make_client(server_.address(), false);
        w.put_tensor("late", in.data(), {3}, TensorType::Float, MemoryLayout::Contiguous);
    });
    EXPECT_TRUE(client_->poll_tensor("late", 20, 100));
    writer.join();
    double took = test::seconds_taken([&] { EXPECT_FALSE(client_->poll_key("never", 50, 4)); });
    EXPECT_GE(took, 0.14);
}

TEST_F(Standalone, RenameAndCopy) {
    auto in = floats(4);
    client_->put_tensor("src", in.data(), {2, 2}, TensorType::Float, MemoryLayout::Contiguous);
    client_->copy_tensor("src", "copy");
    EXPECT_TRUE(client_->tensor_exists("src"));
    std::vector<float> out(4);
    client_->unpack_tensor("copy", out.data(), {2, 2}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, in);
    // The copy is independent, and copying onto an existing key replaces it.
    auto other = floats(4, 9.0f);
    client_->put_tensor("src", other.data(), {2, 2}, TensorType::Float, MemoryLayout::Contiguous);
    client_->unpack_tensor("copy", out.data(), {2, 2}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, in);
    client_->copy_tensor("src", "copy");
    client_->unpack_tensor("copy", out.data(), {2, 2}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, other);

    client_->rename_tensor("src", "renamed");
    EXPECT_FALSE(client_->tensor_exists("src"));
    client_->unpack_tensor("renamed", out.data(), {2, 2}, TensorType::Float,
                           MemoryLayout::Contiguous);
    EXPECT_EQ(out, other);

    try {
        client_->rename_tensor("ghost", "x");
        FAIL();
    } catch (const KeyException& e) {
        EXPECT_NE(std::string(e.what()).find("ghost"), std::string::npos) << e.what();
    }
    try {
        client_->copy_tensor("ghost", "x");
        FAIL();
    } catch (const KeyException& e) {
        EXPECT_NE(std::string(e.what()).find("ghost"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(client_->key_exists("x"));
}

TEST_F(Standalone, EnsemblePrefixRules) {
    Client c =
        make_client(server_.address(), false, {{"SSKEYIN", "ens_0,ens_1"}, {"SSKEYOUT", "ens_2"}});
    auto raw = server_.connect();
    auto in = floats(2);
    std::vector<float> out(2);
    // put uses SSKEYOUT.
    c.put_tensor("t", in.data(), {2}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(raw->command({"EXISTS", "ens_2.t"}).integer, 1);
    EXPECT_EQ(raw->command({"EXISTS", "t"}).integer, 0);
    // get side uses the active SSKEYIN entry (the first).
    EXPECT_FALSE(c.tensor_exists("t"));
    client_->put_tensor("ens_0.t", in.data(), {2}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_TRUE(c.tensor_exists("t"));
    c.unpack_tensor("t", out.data(), {2}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, in);
    // key_exists and poll_key take the key as given.
    EXPECT_FALSE(c.key_exists("t"));
    EXPECT_TRUE(c.key_exists("ens_0.t"));
    EXPECT_TRUE(c.poll_key("ens_2.t", 10, 1));
    // set_data_source switches the get prefix, but only to a value from SSKEYIN.
    c.set_data_source("ens_1");
    EXPECT_FALSE(c.tensor_exists("t"));
    EXPECT_THROW(c.set_data_source("ens_2"), ParameterException);
    EXPECT_THROW(c.set_data_source("other"), ParameterException);
    c.set_data_source("ens_0");
    // rename/copy: get-prefix on the source, put-prefix on the destination.
    c.copy_tensor("t", "c");
    EXPECT_EQ(raw->command({"EXISTS", "ens_2.c"}).integer, 1);
    c.rename_tensor("t", "r");
    EXPECT_EQ(raw->command({"EXISTS", "ens_0.t"}).integer, 0);
    EXPECT_EQ(raw->command({"EXISTS", "ens_2.r"}).integer, 1);
    // delete uses the get prefix.
    client_->put_tensor("ens_0.d", in.data(), {2}, TensorType::Float, MemoryLayout::Contiguous);
    c.delete_tensor("d");
    EXPECT_EQ(raw->command({"EXISTS", "ens_0.d"}).integer, 0);
    // Turning tensor prefixing off uses plain names on both sides.
    c.use_tensor_ensemble_prefix(false);
    c.put_tensor("plain", in.data(), {2}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(raw->command({"EXISTS", "plain"}).integer, 1);
    EXPECT_TRUE(c.tensor_exists("plain"));
    // Model/dataset/list toggles exist (no effect on tensors).
    c.use_tensor_ensemble_prefix(true);
    c.use_model_ensemble_prefix(true);
    c.use_dataset_ensemble_prefix(false);
    c.use_list_ensemble_prefix(false);
    EXPECT_FALSE(c.tensor_exists("c"));  // ens_0.c does not exist, ens_2.c does
}

TEST_F(Standalone, NoPrefixWithoutSskeyin) {
    // SSKEYOUT only: puts are prefixed, gets are not; set_data_source has nothing to accept.
    Client c = make_client(server_.address(), false, {{"SSKEYOUT", "out"}});
    auto in = floats(2);
    c.put_tensor("t", in.data(), {2}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_FALSE(c.tensor_exists("t"));
    EXPECT_TRUE(c.tensor_exists("out.t"));
    EXPECT_THROW(c.set_data_source("out"), ParameterException);
}

TEST_F(Standalone, SurvivesServerRestart) {
    auto in = floats(8);
    client_->put_tensor("persist", in.data(), {8}, TensorType::Float, MemoryLayout::Contiguous);
    server_.restart(/*save=*/true);
    std::vector<float> out(8);
    client_->unpack_tensor("persist", out.data(), {8}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(out, in);
    client_->put_tensor("after", in.data(), {8}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_TRUE(client_->tensor_exists("after"));
}

TEST_F(Standalone, RetriesWhileServerIsDown) {
    auto in = floats(4);
    client_->put_tensor("k", in.data(), {4}, TensorType::Float, MemoryLayout::Contiguous);
    server_.stop(/*save=*/true);
    // The client waits in a thread; the server restarts from this one (a server forked by a
    // short-lived thread would die with it: PR_SET_PDEATHSIG follows the forking thread).
    std::vector<float> out(4);
    double took = 0;
    std::string error;
    std::thread reader([&] {
        try {
            took = test::seconds_taken([&] {
                client_->unpack_tensor("k", out.data(), {4}, TensorType::Float,
                                       MemoryLayout::Contiguous);
            });
        } catch (const std::exception& e) {
            error = e.what();
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    server_.start();
    reader.join();
    EXPECT_EQ(error, "");
    EXPECT_EQ(out, in);
    EXPECT_GE(took, 0.3);
}

TEST_F(Standalone, GivesUpAfterCommandTimeout) {
    Client c = make_client(server_.address(), false,
                           {{"SR_CMD_TIMEOUT", "1"}, {"SR_CMD_INTERVAL", "100"}});
    server_.stop();
    auto t0 = std::chrono::steady_clock::now();
    try {
        c.tensor_exists("k");
        ADD_FAILURE() << "no exception";
    } catch (const DatabaseException& e) {
        EXPECT_NE(std::string(e.what()).find("SR_CMD_TIMEOUT"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(server_.address()), std::string::npos) << e.what();
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_GE(s, 0.9);
    EXPECT_LT(s, 5.0);
    server_.start();  // the fixture's destructor expects a server
}

TEST_F(Standalone, ErrorRepliesAreNotRetried) {
    Client c = make_client(server_.address(), false, {{"SR_CMD_INTERVAL", "1000"}});
    client_->run_command({"SET", "s", "v"});
    double took = test::seconds_taken([&] {
        void* data;
        std::vector<std::size_t> dims;
        TensorType t;
        EXPECT_THROW(c.get_tensor("s", data, dims, t, MemoryLayout::Contiguous), DatabaseException);
    });
    EXPECT_LT(took, 0.5);
}

TEST_F(Standalone, AdminCalls) {
    const std::string addr = server_.address();
    auto info = client_->get_db_node_info(addr);
    ASSERT_TRUE(info.count("Server"));
    EXPECT_FALSE(info["Server"]["redis_version"].empty());
    EXPECT_EQ(info["Server"]["tcp_port"], std::to_string(server_.port()));
    EXPECT_TRUE(info.count("Keyspace"));
    // tcp:// form of the same address is accepted.
    EXPECT_NO_THROW(client_->get_db_node_info("tcp://" + addr));

    client_->config_set("maxmemory-policy", "allkeys-lru", addr);
    auto cfg = client_->config_get("maxmemory-policy", addr);
    EXPECT_EQ(cfg["maxmemory-policy"], "allkeys-lru");
    auto many = client_->config_get("maxmemory*", addr);
    EXPECT_GE(many.size(), 2u);
    EXPECT_THROW(client_->config_set("no-such-param", "1", addr), DatabaseException);

    auto in = floats(2);
    client_->put_tensor("t", in.data(), {2}, TensorType::Float, MemoryLayout::Contiguous);
    client_->save(addr);
    EXPECT_EQ(client_->run_command({"LASTSAVE"}).type, Reply::Type::integer);
    client_->flush_db(addr);
    EXPECT_FALSE(client_->tensor_exists("t"));
    EXPECT_EQ(client_->run_command({"DBSIZE"}).integer, 0);

    EXPECT_THROW(client_->get_db_cluster_info(addr), RuntimeException);
    try {
        client_->flush_db("127.0.0.1:1");
        FAIL();
    } catch (const ParameterException& e) {
        EXPECT_NE(std::string(e.what()).find("127.0.0.1:1"), std::string::npos) << e.what();
    }
    EXPECT_THROW(client_->save("not an address"), ParameterException);
}

TEST_F(Standalone, RunCommand) {
    EXPECT_TRUE(client_->run_command({"SET", "a", "1"}).is_status("OK"));
    EXPECT_EQ(client_->run_command({"GET", "a"}).str, "1");
    Reply err = client_->run_command({"NOSUCHCOMMAND"});
    EXPECT_TRUE(err.is_error());
    EXPECT_EQ(client_->run_command_on(server_.address(), {"PING"}).str, "PONG");
    EXPECT_THROW(client_->run_command({}), ParameterException);
}

TEST_F(Standalone, ClientIsMovable) {
    Client moved = std::move(*client_);
    auto in = floats(2);
    moved.put_tensor("m", in.data(), {2}, TensorType::Float, MemoryLayout::Contiguous);
    Client again = make_client(server_.address(), false);
    again = std::move(moved);
    EXPECT_TRUE(again.tensor_exists("m"));
}
