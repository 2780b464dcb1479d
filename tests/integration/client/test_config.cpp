// ConfigOptions, environment parsing, SSDB errors, connection timeouts and logging.
#include <gtest/gtest.h>

#include <insitu/client.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "client_test_util.h"
#include "redis_server.h"

using namespace insitu;
using insitu::test::make_client;
using insitu::test::options;
using insitu::testing::RedisServer;

namespace {

// Sets environment variables for one scope and restores the previous values after.
class ScopedEnv {
  public:
    ScopedEnv(std::initializer_list<std::pair<std::string, const char*>> vars) {
        for (const auto& [name, value] : vars) {
            const char* old = std::getenv(name.c_str());
            saved_.push_back({name, old != nullptr, old ? old : ""});
            if (value)
                ::setenv(name.c_str(), value, 1);
            else
                ::unsetenv(name.c_str());
        }
    }
    ~ScopedEnv() {
        for (const auto& s : saved_) {
            if (s.had)
                ::setenv(s.name.c_str(), s.value.c_str(), 1);
            else
                ::unsetenv(s.name.c_str());
        }
    }

  private:
    struct Saved {
        std::string name;
        bool had;
        std::string value;
    };
    std::vector<Saved> saved_;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST(ConfigOptions, OverridesAndTypedAccess) {
    auto o = ConfigOptions::create_empty();
    EXPECT_FALSE(o->is_configured("SSDB"));
    EXPECT_THROW(o->get_string_option("SSDB"), KeyException);
    EXPECT_THROW(o->get_integer_option("SR_CONN_TIMEOUT"), KeyException);
    EXPECT_EQ(o->get_integer_option_or("SR_CONN_TIMEOUT", 100), 100);
    EXPECT_EQ(o->get_string_option_or("SR_DB_TYPE", "Clustered"), "Clustered");
    o->override_integer_option("SR_CONN_TIMEOUT", 7);
    EXPECT_EQ(o->get_integer_option("SR_CONN_TIMEOUT"), 7);
    EXPECT_EQ(o->get_string_option("SR_CONN_TIMEOUT"), "7");
    o->override_string_option("SR_CMD_TIMEOUT", "abc");
    EXPECT_THROW(o->get_integer_option("SR_CMD_TIMEOUT"), ParameterException);
    o->override_string_option("SR_CMD_TIMEOUT", "12x");
    EXPECT_THROW(o->get_integer_option("SR_CMD_TIMEOUT"), ParameterException);
}

TEST(ConfigOptions, EnvironmentWithSuffixAndPrecedence) {
    ScopedEnv env({{"SSDB", "10.0.0.1:1"},
                   {"SSDB_INPUT", "10.0.0.2:2"},
                   {"SR_CMD_TIMEOUT_INPUT", "42"},
                   {"SR_LOG_LEVEL", "DEBUG"},
                   {"SR_LOG_LEVEL_INPUT", "QUIET"},
                   {"SSKEYIN", ""}});
    auto plain = ConfigOptions::create_from_environment();
    EXPECT_EQ(plain->get_string_option("SSDB"), "10.0.0.1:1");
    EXPECT_FALSE(plain->is_configured("SSKEYIN"));  // empty counts as unset
    auto input = ConfigOptions::create_from_environment("INPUT");
    EXPECT_EQ(input->db_suffix(), "INPUT");
    EXPECT_EQ(input->get_string_option("SSDB"), "10.0.0.2:2");
    EXPECT_EQ(input->get_integer_option("SR_CMD_TIMEOUT"), 42);
    // The logging options never take the suffix.
    EXPECT_EQ(input->get_string_option("SR_LOG_LEVEL"), "DEBUG");
    // Code overrides win over the environment; the environment is read lazily.
    input->override_string_option("SSDB", "10.0.0.3:3");
    EXPECT_EQ(input->get_string_option("SSDB"), "10.0.0.3:3");
    ::setenv("SR_CMD_INTERVAL_INPUT", "5", 1);
    EXPECT_EQ(input->get_integer_option("SR_CMD_INTERVAL"), 5);
    ::unsetenv("SR_CMD_INTERVAL_INPUT");
}

TEST(ClientConfig, MissingSsdbSaysSoWithItsName) {
    auto o = ConfigOptions::create_empty();
    try {
        Client c(o.get());
        FAIL();
    } catch (const ParameterException& e) {
        EXPECT_NE(std::string(e.what()).find("SSDB must be set"), std::string::npos) << e.what();
    }
    ScopedEnv env({{"SSDB_OTHER", nullptr}});
    auto suffixed = ConfigOptions::create_from_environment("OTHER");
    try {
        Client c(suffixed.get());
        FAIL();
    } catch (const ParameterException& e) {
        EXPECT_NE(std::string(e.what()).find("SSDB_OTHER"), std::string::npos) << e.what();
    }
}

TEST(ClientConfig, MalformedSsdbIsAParameterError) {
    for (std::string bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:99999", "host:port", "a b:1",
                            "unix://relative/path", "127.0.0.1:6379;rm", ","}) {
        SCOPED_TRACE(bad);
        try {
            Client c = make_client(bad, false);
            ADD_FAILURE() << "accepted";
        } catch (const ParameterException& e) {
            EXPECT_NE(std::string(e.what()).find("SSDB"), std::string::npos) << e.what();
        }
    }
}

TEST(ClientConfig, BadNumericOptions) {
    EXPECT_THROW(make_client("127.0.0.1:1", false, {{"SR_CONN_TIMEOUT", "soon"}}),
                 ParameterException);
    EXPECT_THROW(make_client("127.0.0.1:1", false, {{"SR_SOCKET_TIMEOUT", "0"}}),
                 ParameterException);
    EXPECT_THROW(make_client("127.0.0.1:1", false, {{"SR_CMD_INTERVAL", "-5"}}),
                 ParameterException);
    EXPECT_THROW(make_client("127.0.0.1:1", false, {{"SR_LOG_LEVEL", "LOUD"}}), ParameterException);
}

TEST(ClientConfig, UnixSocketRejectedForCluster) {
    try {
        Client c = make_client("unix:///tmp/some.sock", true);
        FAIL();
    } catch (const ParameterException& e) {
        EXPECT_NE(std::string(e.what()).find("Unix Domain Socket is not supported with clustered "
                                             "Redis"),
                  std::string::npos)
            << e.what();
    }
}

TEST(ClientConfig, UnreachableAddressFailsWithinConnTimeout) {
    // A port nobody listens on: refused at once, retried until SR_CONN_TIMEOUT is spent.
    const std::string refused = "127.0.0.1:" + std::to_string(insitu::testing::free_port());
    // A listener that never accepts nor answers: connect() completes through the backlog but
    // PING never gets a reply, so each attempt ends on the socket timeout.
    int silent = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    ASSERT_EQ(::listen(silent, 16), 0);
    socklen_t len = sizeof sa;
    ::getsockname(silent, reinterpret_cast<sockaddr*>(&sa), &len);
    const std::string hanging = "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));

    for (const std::string& addr : {refused, hanging}) {
        SCOPED_TRACE(addr);
        auto t0 = std::chrono::steady_clock::now();
        try {
            Client c =
                make_client(addr, false, {{"SR_CONN_TIMEOUT", "1"}, {"SR_CONN_INTERVAL", "200"}});
            ADD_FAILURE() << "connected";
        } catch (const DatabaseException& e) {
            EXPECT_NE(std::string(e.what()).find(addr), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("SR_CONN_TIMEOUT"), std::string::npos) << e.what();
        }
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        EXPECT_LT(s, 5.0);
        EXPECT_GE(s, 0.9);
    }
    ::close(silent);
}

TEST(ClientConfig, EnvironmentDrivenClient) {
    RedisServer server;
    {
        ScopedEnv env({{"SSDB", server.address().c_str()},
                       {"SR_DB_TYPE", "standalone"},
                       {"SR_LOG_LEVEL", "QUIET"}});
        Client c("env");
        EXPECT_FALSE(c.is_cluster());
        float v = 1.5f;
        c.put_tensor("env_t", &v, {1}, TensorType::Float, MemoryLayout::Contiguous);
        EXPECT_TRUE(c.tensor_exists("env_t"));
    }
    {
        // Several addresses: any of them may be the seed (only one is alive here).
        std::string list = "tcp://" + server.address() + "," + server.address();
        ScopedEnv env({{"SSDB_DB2", list.c_str()},
                       {"SR_DB_TYPE_DB2", "STANDALONE"},
                       {"SR_LOG_LEVEL", "QUIET"}});
        auto cfg = ConfigOptions::create_from_environment("DB2");
        Client c(cfg.get());
        EXPECT_TRUE(c.tensor_exists("env_t"));
    }
    {
        // SR_DB_TYPE unset means Clustered: a standalone server is then a clear error.
        ScopedEnv env({{"SSDB", server.address().c_str()},
                       {"SR_DB_TYPE", nullptr},
                       {"SR_LOG_LEVEL", "QUIET"}});
        try {
            Client c("env");
            FAIL();
        } catch (const DatabaseException& e) {
            EXPECT_NE(std::string(e.what()).find("CLUSTER SLOTS"), std::string::npos) << e.what();
        }
    }
}

TEST(ClientConfig, DeprecatedClusterFlagOverridesDbType) {
    RedisServer server;
    ScopedEnv env({{"SSDB", server.address().c_str()},
                   {"SR_DB_TYPE", "Clustered"},
                   {"SR_LOG_LEVEL", "QUIET"}});
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    Client c(false, "deprecated");
#pragma GCC diagnostic pop
    EXPECT_FALSE(c.is_cluster());
    EXPECT_TRUE(c.run_command({"PING"}).is_status("PONG"));
}

TEST(ClientLogging, LevelsAndFile) {
    RedisServer server;
    const std::string dir = insitu::testing::make_temp_dir("client-log");
    float v = 2.0f;
    {
        const std::string path = dir + "/debug.log";
        Client c = make_client(server.address(), false,
                               {{"SR_LOG_FILE", path}, {"SR_LOG_LEVEL", "DEBUG"}});
        c.put_tensor("logged", &v, {1}, TensorType::Float, MemoryLayout::Contiguous);
        std::string text = read_file(path);
        EXPECT_NE(text.find("test: "), std::string::npos) << text;  // the logger name
        EXPECT_NE(text.find("put_tensor logged"), std::string::npos) << text;
        EXPECT_NE(text.find("Z test"), std::string::npos) << text;  // a timestamp precedes it
    }
    for (const char* level : {"INFO", "QUIET"}) {
        const std::string path = dir + "/" + level + ".log";
        Client c =
            make_client(server.address(), false, {{"SR_LOG_FILE", path}, {"SR_LOG_LEVEL", level}});
        c.put_tensor("logged", &v, {1}, TensorType::Float, MemoryLayout::Contiguous);
        EXPECT_TRUE(c.tensor_exists("logged"));
        EXPECT_EQ(read_file(path), "") << level;  // no per-command noise
    }
    EXPECT_THROW(
        make_client(server.address(), false, {{"SR_LOG_FILE", "/nonexistent-dir/sub/x.log"}}),
        ParameterException);
}
