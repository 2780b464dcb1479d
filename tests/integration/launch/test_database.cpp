// Standalone and clustered database deployments started by an Experiment: readiness, addresses,
// the environment applications receive, runtime configuration, errors, server swap.
#include <gtest/gtest.h>
#include <insitu/client.h>
#include <insitu/experiment.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "launch/db/acl_users.h"
#include "launch/db/db_command.h"
#include "launch_test_util.h"
#include "redis_server.h"

namespace fs = std::filesystem;
using namespace insitu;
using namespace insitu::testing;

namespace {

std::unique_ptr<Client> client_for(const Orchestrator& db) {
    auto cfg = ConfigOptions::create_empty();
    std::string ssdb;
    for (const auto& a : db.get_address()) ssdb += (ssdb.empty() ? "" : ",") + a;
    cfg->override_string_option("SSDB", ssdb);
    cfg->override_string_option("SR_DB_TYPE", db.is_clustered() ? "Clustered" : "Standalone");
    cfg->override_integer_option("SR_CONN_TIMEOUT", 5);
    // What applications get: the app user (databases are secure by default).
    cfg->override_string_option("SR_DB_USER", "app");
    cfg->override_string_option("SR_DB_PASSWORD_FILE",
                                launch::secret_file(db.secrets_dir(), "app"));
    return std::make_unique<Client>(cfg.get(), "launch-test");
}

// The launcher's own credentials, for checks of server state.
launch::DbAuth admin_of(const Orchestrator& db) {
    return launch::admin_auth(db.secrets_dir());
}

std::string config_value(const std::string& address, const std::string& key,
                         const launch::DbAuth& auth) {
    auto r = launch::db_command(address, {"CONFIG", "GET", key}, 2000, auth);
    return r && r->elements.size() == 2 ? r->elements[1].str : "";
}

}  // namespace

TEST(LaunchDatabase, StandaloneStartsAnswersAndStopsLeavingNoProcess) {
    std::string dir = make_temp_dir("exp-standalone");
    {
        Experiment exp("standalone", dir);
        auto db = exp.create_database(0, 1);
        EXPECT_FALSE(db->is_active());
        exp.start(db);
        ASSERT_TRUE(db->is_active());
        auto addr = db->get_address();
        ASSERT_EQ(addr.size(), 1u);
        EXPECT_EQ(addr[0].rfind("127.0.0.1:", 0), 0u);
        auto c = client_for(*db);
        std::vector<float> v = {1, 2, 3};
        c->put_tensor("t", v.data(), {3}, TensorType::Float, MemoryLayout::Contiguous);
        EXPECT_TRUE(c->tensor_exists("t"));
        // The generated per-shard config: no snapshots, large bulk strings.
        EXPECT_EQ(config_value(addr[0], "save", admin_of(*db)), "");
        EXPECT_GE(std::stoll(config_value(addr[0], "proto-max-bulk-len", admin_of(*db))),
                  1LL << 31);
        EXPECT_EQ(config_value(addr[0], "appendonly", admin_of(*db)), "no");
        // jemalloc backs large tensor buffers with huge pages (launch/db/server_config.h); the
        // allocator's own statistics show the option it runs with.
        if (std::getenv("MALLOC_CONF") == nullptr) {
            auto stats =
                launch::db_command(addr[0], {"MEMORY", "MALLOC-STATS"}, 2000, admin_of(*db));
            ASSERT_TRUE(stats);
            if (stats->str.find("jemalloc") != std::string::npos) {
                EXPECT_NE(stats->str.find("opt.thp: \"always\""), std::string::npos);
            }
        }
        EXPECT_TRUE(fs::exists(dir + "/orchestrator/orchestrator_0.conf"));
        EXPECT_TRUE(fs::exists(dir + "/orchestrator/orchestrator_0.out"));
        EXPECT_FALSE(processes_with(dir).empty());
        EXPECT_EQ(exp.get_status(*db), std::vector<Status>{Status::Running});
        exp.stop(db);
        EXPECT_FALSE(db->is_active());
        EXPECT_EQ(exp.get_status(*db), std::vector<Status>{Status::Cancelled});
        EXPECT_NE(exp.summary().find("orchestrator_0"), std::string::npos);
    }
    EXPECT_TRUE(wait_until([&] { return processes_with(dir).empty(); }, std::chrono::seconds(5)))
        << join(processes_with(dir));
}

TEST(LaunchDatabase, ThreeShardClusterIsFormedVerifiedAndUsable) {
    std::string dir = make_temp_dir("exp-cluster");
    Experiment exp("cluster", dir);
    auto db = exp.create_database(0, 3, "lo", "orchestrator", 2);
    exp.start(db);
    auto addr = db->get_address();
    ASSERT_EQ(addr.size(), 3u);
    for (const auto& a : addr) {
        auto info = launch::db_command(a, {"CLUSTER", "INFO"}, 2000, admin_of(*db));
        ASSERT_TRUE(info);
        EXPECT_NE(info->str.find("cluster_state:ok"), std::string::npos) << a;
        EXPECT_NE(info->str.find("cluster_known_nodes:3"), std::string::npos) << a;
        // THREADS_PER_QUEUE reached the module.
        auto mods = launch::db_command(a, {"INFO", "ai_load_time_configs"}, 2000, admin_of(*db));
        ASSERT_TRUE(mods);
        EXPECT_NE(mods->str.find("threads_per_queue:2"), std::string::npos) << mods->str;
    }
    EXPECT_TRUE(db->is_active());
    auto c = client_for(*db);
    ASSERT_TRUE(c->is_cluster());
    for (int i = 0; i < 30; ++i) {
        double x = i;
        c->put_tensor("k" + std::to_string(i), &x, {1}, TensorType::Double,
                      MemoryLayout::Contiguous);
    }
    for (int i = 0; i < 30; ++i) {
        double x = -1;
        c->unpack_tensor("k" + std::to_string(i), &x, {1}, TensorType::Double,
                         MemoryLayout::Contiguous);
        EXPECT_EQ(x, i);
    }
    // Every shard holds some of the keys.
    for (const auto& a : addr) {
        auto n = launch::db_command(a, {"DBSIZE"}, 2000, admin_of(*db));
        ASSERT_TRUE(n);
        EXPECT_GT(n->integer, 0) << a;
    }
    // Runtime configuration reaches every shard.
    db->set_max_memory("200mb");
    db->set_eviction_strategy("allkeys-lru");
    db->set_max_clients(1234);
    db->set_max_message_size(1LL << 30);
    db->enable_checkpoints(900);
    db->set_db_conf("timeout", "17");
    for (const auto& a : addr) {
        EXPECT_EQ(config_value(a, "maxmemory", admin_of(*db)), std::to_string(200LL * 1024 * 1024));
        EXPECT_EQ(config_value(a, "maxmemory-policy", admin_of(*db)), "allkeys-lru");
        EXPECT_EQ(config_value(a, "maxclients", admin_of(*db)), "1234");
        EXPECT_EQ(config_value(a, "proto-max-bulk-len", admin_of(*db)), std::to_string(1LL << 30));
        EXPECT_EQ(config_value(a, "save", admin_of(*db)), "900 1");
        EXPECT_EQ(config_value(a, "timeout", admin_of(*db)), "17");
    }
    EXPECT_THROW(db->set_db_conf("no-such-setting", "1"), std::runtime_error);
    EXPECT_EQ(exp.get_status(*db).size(), 3u);
    exp.stop();
    EXPECT_TRUE(wait_until([&] { return processes_with(dir).empty(); }, std::chrono::seconds(5)))
        << join(processes_with(dir));
}

TEST(LaunchDatabase, ApplicationsReceiveAddressesOfEveryDatabase) {
    std::string dir = make_temp_dir("exp-env");
    Experiment exp("env", dir);
    auto db = exp.create_database(0, 3);
    auto extra = exp.create_database(0, 1, "lo", "inputs");
    EXPECT_THROW(exp.create_database(0, 1, "lo", "inputs"), std::invalid_argument);
    auto app = exp.create_model("printer", exp.create_run_settings("/bin/sh", env_printer()));
    auto producer = exp.create_model("producer", exp.create_run_settings("/bin/true"));
    app->enable_key_prefixing();
    app->register_incoming_entity(*producer);
    exp.start(db, extra);
    exp.start(app);  // blocks until it ends
    EXPECT_EQ(exp.get_status(*app), std::vector<Status>{Status::Completed});
    EXPECT_TRUE(exp.finished(*app));
    std::string out = read_text(dir + "/printer/printer.out");
    std::string ssdb;
    for (const auto& a : db->get_address()) ssdb += (ssdb.empty() ? "" : ",") + a;
    EXPECT_NE(out.find("SSDB=" + ssdb + "\n"), std::string::npos) << out;
    EXPECT_NE(out.find("SR_DB_TYPE=Clustered\n"), std::string::npos) << out;
    EXPECT_NE(out.find("SSDB_inputs=" + extra->get_address()[0] + "\n"), std::string::npos) << out;
    EXPECT_NE(out.find("SR_DB_TYPE_inputs=Standalone\n"), std::string::npos) << out;
    // Each database's application user and password file, with the same suffix.
    EXPECT_NE(out.find("SR_DB_USER=app\n"), std::string::npos) << out;
    EXPECT_NE(out.find("SR_DB_PASSWORD_FILE=" + db->secrets_dir() + "/app\n"), std::string::npos)
        << out;
    EXPECT_NE(out.find("SR_DB_USER_inputs=app\n"), std::string::npos) << out;
    EXPECT_NE(out.find("SR_DB_PASSWORD_FILE_inputs=" + extra->secrets_dir() + "/app\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("SSKEYOUT=printer\n"), std::string::npos) << out;
    EXPECT_NE(out.find("SSKEYIN=producer\n"), std::string::npos) << out;
    exp.stop();
}

TEST(LaunchDatabase, TwoShardsAreRejected) {
    Experiment exp("two", make_temp_dir("exp-two"));
    EXPECT_THROW(exp.create_database(0, 2), std::invalid_argument);
}

TEST(LaunchDatabase, PortInUseIsReportedWithShardAndPortWithinSeconds) {
    RedisServer squatter;  // holds a port
    std::string dir = make_temp_dir("exp-busy");
    Experiment exp("busy", dir);
    auto db = exp.create_database(squatter.port(), 1);
    auto t0 = std::chrono::steady_clock::now();
    try {
        exp.start(db);
        FAIL() << "start succeeded on a busy port";
    } catch (const std::runtime_error& e) {
        std::string msg = e.what();
        EXPECT_NE(msg.find("orchestrator_0"), std::string::npos) << msg;
        EXPECT_NE(msg.find(std::to_string(squatter.port())), std::string::npos) << msg;
        EXPECT_NE(msg.find("in use"), std::string::npos) << msg;
    }
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
    EXPECT_FALSE(db->is_active());
    EXPECT_TRUE(processes_with(dir).empty()) << join(processes_with(dir));
}

TEST(LaunchDatabase, AServerThatDiesAtStartupGivesItsLogTail) {
    std::string dir = make_temp_dir("exp-badmod");
    std::string fake = dir + "/not-a-module.so";
    std::ofstream(fake) << "garbage";
    ::setenv("INSITU_MODULE", fake.c_str(), 1);
    Experiment exp("badmod", dir);
    auto db = exp.create_database(0, 3);
    auto t0 = std::chrono::steady_clock::now();
    try {
        exp.start(db);
        ::unsetenv("INSITU_MODULE");
        FAIL() << "start succeeded with a broken module";
    } catch (const std::runtime_error& e) {
        ::unsetenv("INSITU_MODULE");
        std::string msg = e.what();
        EXPECT_NE(msg.find("orchestrator_0"), std::string::npos) << msg;
        EXPECT_NE(msg.find("port"), std::string::npos) << msg;
        // Redis' own explanation from the log.
        EXPECT_NE(msg.find("odule"), std::string::npos) << msg;
    }
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
    EXPECT_TRUE(wait_until([&] { return processes_with(dir).empty(); }, std::chrono::seconds(5)))
        << join(processes_with(dir));
}

TEST(LaunchDatabase, MissingServerBinaryIsNamed) {
    ::setenv("REDIS_PATH", "/nonexistent/redis-server", 1);
    Experiment exp("nobin", make_temp_dir("exp-nobin"));
    auto db = exp.create_database(0, 1);
    try {
        exp.start(db);
        ::unsetenv("REDIS_PATH");
        FAIL() << "start succeeded without a server binary";
    } catch (const std::runtime_error& e) {
        ::unsetenv("REDIS_PATH");
        std::string msg = e.what();
        EXPECT_NE(msg.find("/nonexistent/redis-server"), std::string::npos) << msg;
        EXPECT_NE(msg.find("orchestrator_0"), std::string::npos) << msg;
    }
}

TEST(LaunchDatabase, RedisPathSelectsTheServerAndRedisConfIsIncluded) {
    std::string dir = make_temp_dir("exp-swap");
    std::string marker = dir + "/wrapper-was-here";
    std::string wrapper = dir + "/my-server";
    {
        std::ofstream w(wrapper);
        w << "#!/bin/sh\necho \"$@\" > '" << marker << "'\nexec '" << redis_server_path()
          << "' \"$@\"\n";
    }
    ::chmod(wrapper.c_str(), 0755);
    std::string conf = dir + "/base.conf";
    std::ofstream(conf) << "hz 17\n";
    ::setenv("REDIS_PATH", wrapper.c_str(), 1);
    ::setenv("REDIS_CONF", conf.c_str(), 1);
    Experiment exp("swap", dir);
    auto db = exp.create_database(0, 1);
    try {
        exp.start(db);
    } catch (...) {
        ::unsetenv("REDIS_PATH");
        ::unsetenv("REDIS_CONF");
        throw;
    }
    ::unsetenv("REDIS_PATH");
    ::unsetenv("REDIS_CONF");
    ASSERT_TRUE(fs::exists(marker));
    EXPECT_NE(read_text(marker).find("orchestrator_0.conf"), std::string::npos);
    EXPECT_EQ(config_value(db->get_address()[0], "hz", admin_of(*db)), "17");
    // The wrapper exec'd the real server: the shard's pid runs the real binary.
    auto info = launch::db_command(db->get_address()[0], {"INFO", "server"}, 2000, admin_of(*db));
    ASSERT_TRUE(info);
    auto pos = info->str.find("process_id:");
    ASSERT_NE(pos, std::string::npos);
    int pid = std::stoi(info->str.substr(pos + 11));
    std::string cmd = read_text("/proc/" + std::to_string(pid) + "/cmdline");
    EXPECT_NE(cmd.find(dir + "/orchestrator/orchestrator_0.conf"), std::string::npos) << cmd;
    exp.stop();
}

TEST(LaunchDatabase, CheckpointFileReconnectsFromAnotherExperimentAndOnlyItsStopShutsItDown) {
    std::string dir = make_temp_dir("exp-reconnect");
    Experiment owner("owner", dir + "/owner");
    auto db = owner.create_database(0, 3);
    owner.start(db);
    std::string ckpt = db->path() + "/smartsim_db.dat";
    ASSERT_TRUE(fs::exists(ckpt));
    {
        Experiment second("second", dir + "/second");
        auto again = second.reconnect_orchestrator(ckpt);
        EXPECT_EQ(again->get_address(), db->get_address());
        EXPECT_TRUE(again->is_clustered());
        EXPECT_EQ(second.get_status(*again), std::vector<Status>(3, Status::Running));
        EXPECT_THROW(second.reconnect_orchestrator(ckpt), std::runtime_error);  // once only
        // Applications of the second experiment get the reconnected addresses.
        auto app =
            second.create_model("printer", second.create_run_settings("/bin/sh", env_printer()));
        second.start(app);
        std::string ssdb;
        for (const auto& a : db->get_address()) ssdb += (ssdb.empty() ? "" : ",") + a;
        std::string out = read_text(dir + "/second/printer/printer.out");
        EXPECT_NE(out.find("SSDB=" + ssdb + "\n"), std::string::npos) << out;
        // stop() without arguments (and the destructor) leaves a reconnected database alone.
        second.stop();
        EXPECT_TRUE(db->is_active());
    }
    EXPECT_TRUE(db->is_active());
    {
        Experiment third("third", dir + "/third");
        auto again = third.reconnect_orchestrator(ckpt);
        third.stop(again);
        EXPECT_FALSE(again->is_active());
    }
    EXPECT_FALSE(db->is_active());
    Experiment fourth("fourth", dir + "/fourth");
    EXPECT_THROW(fourth.reconnect_orchestrator(ckpt), std::runtime_error);  // no longer running
    std::ofstream(dir + "/bad.dat") << "insitu-db-checkpoint 1\ndb_nodes 1\nshard x nonsense 1 2\n";
    EXPECT_THROW(fourth.reconnect_orchestrator(dir + "/bad.dat"), std::invalid_argument);
    EXPECT_THROW(fourth.reconnect_orchestrator(dir + "/none.dat"), std::invalid_argument);
    owner.stop();
    EXPECT_TRUE(wait_until([&] { return processes_with(dir).empty(); }, std::chrono::seconds(5)))
        << join(processes_with(dir));
}

TEST(LaunchDatabase, TwoRunningDatabasesCannotShareAnIdentifier) {
    std::string dir = make_temp_dir("exp-same-id");
    Experiment exp("same", dir);
    OrchestratorOptions o;
    o.port = 0;  // free ports; both keep the default identifier "orchestrator"
    auto a = std::make_shared<Orchestrator>(o, dir + "/a");
    auto b = std::make_shared<Orchestrator>(o, dir + "/b");
    exp.start(a);
    try {
        exp.start(b);
        FAIL() << "a second 'orchestrator' started";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("db_identifier 'orchestrator'"), std::string::npos)
            << e.what();
    }
    EXPECT_FALSE(b->is_active());
    exp.stop();
}
