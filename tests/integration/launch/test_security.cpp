// Databases the driver starts are secure by default (docs/security.md): no access without
// credentials on any shard, ACL users with the rights they should have and no more, secrets only in
// private files (never on a command line, in a log or the summary), private co-located sockets;
// and the `insecure` opt-out works and warns. Real servers, real clients.
#include <gtest/gtest.h>
#include <insitu/client.h>
#include <insitu/experiment.h>
#include <insitu/launch_errors.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "launch/db/acl_users.h"
#include "launch/db/colocated.h"
#include "launch/db/db_command.h"
#include "launch_test_util.h"
#include "redis_server.h"

namespace fs = std::filesystem;
using namespace insitu;
using namespace insitu::testing;

namespace {

launch::DbAuth user_auth(const std::string& secrets, const std::string& user) {
    return {user, launch::read_secret(secrets, user)};
}

std::string error_of(const std::string& address, const std::vector<std::string>& args,
                     const launch::DbAuth& auth = {}) {
    auto r = launch::db_command(address, args, 5000, auth);
    if (!r) return "(no answer)";
    return r->is_error() ? r->str : "(ok)";
}

// What the app user's environment gives a client: SR_DB_USER / SR_DB_PASSWORD_FILE.
std::unique_ptr<Client> client_as(const std::vector<std::string>& addrs, const std::string& user,
                                  const std::string& secrets) {
    auto cfg = ConfigOptions::create_empty();
    std::string ssdb;
    for (const auto& a : addrs) ssdb += (ssdb.empty() ? "" : ",") + a;
    cfg->override_string_option("SSDB", ssdb);
    cfg->override_string_option("SR_DB_TYPE", addrs.size() > 1 ? "Clustered" : "Standalone");
    cfg->override_string_option("SR_DB_USER", user);
    cfg->override_string_option("SR_DB_PASSWORD_FILE", launch::secret_file(secrets, user));
    cfg->override_integer_option("SR_CONN_TIMEOUT", 5);
    return std::make_unique<Client>(cfg.get(), "security-test");
}

std::vector<std::string> secrets_in(const std::string& secrets) {
    std::vector<std::string> out;
    for (const char* u : {"admin", "app", "reader"}) out.push_back(launch::read_secret(secrets, u));
    return out;
}

// Every regular file under `dir` outside the secrets folder(s) that contains one of `secrets`.
std::vector<std::string> files_leaking(const std::string& dir,
                                       const std::vector<std::string>& secrets) {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file()) continue;
        std::string p = e.path().string();
        if (p.find("/secrets/") != std::string::npos || p.find("-secrets/") != std::string::npos)
            continue;
        std::string text = read_text(p);
        for (const auto& s : secrets)
            if (text.find(s) != std::string::npos) out.push_back(p);
    }
    return out;
}

// The command lines of the experiment's processes hold no secret.
void expect_no_secret_in_cmdlines(const std::string& dir, const std::vector<std::string>& secrets) {
    auto procs = processes_with(dir);
    EXPECT_FALSE(procs.empty());
    for (const auto& p : procs)
        for (const auto& s : secrets) EXPECT_EQ(p.find(s), std::string::npos) << p;
}

void expect_private_secrets(const std::string& secrets) {
    EXPECT_EQ(mode_of(secrets), 0700);
    for (const char* f : {"admin", "app", "reader", "server-auth.conf"})
        EXPECT_EQ(mode_of(secrets + "/" + f), 0600) << f;
    for (const auto& s : secrets_in(secrets)) EXPECT_GE(s.size(), 64u);  // >= 256 bits in hex
}

// The rights of each user, on one shard. `key` is owned by that shard.
void expect_acl_rules(const std::string& a, const std::string& secrets, const std::string& key) {
    auto app = user_auth(secrets, "app"), reader = user_auth(secrets, "reader");
    auto admin = user_auth(secrets, "admin");
    // Application user: data and models yes, administration no.
    EXPECT_EQ(error_of(a, {"AI.TENSORSET", key, "FLOAT", "1", "VALUES", "1"}, app), "(ok)");
    EXPECT_EQ(error_of(a, {"AI.TENSORGET", key, "VALUES"}, app), "(ok)");
    EXPECT_EQ(error_of(a, {"INFO", "server"}, app), "(ok)");
    EXPECT_EQ(error_of(a, {"AI.CONFIG", "GET", "MODEL_CHUNK_SIZE"}, app), "(ok)");  // set_model
    for (const auto& cmd :
         std::vector<std::vector<std::string>>{{"FLUSHALL"},
                                               {"FLUSHDB"},
                                               {"CONFIG", "SET", "maxmemory", "1gb"},
                                               {"CONFIG", "GET", "maxmemory"},
                                               {"AI.CONFIG", "LOADBACKEND", "TORCH", "x.so"},
                                               {"AI.CONFIG", "BACKENDSPATH", "/tmp"},
                                               {"SHUTDOWN", "NOSAVE"},
                                               {"ACL", "LIST"},
                                               {"REPLICAOF", "NO", "ONE"},
                                               {"CLUSTER", "RESET"}}) {
        EXPECT_EQ(error_of(a, cmd, app).rfind("NOPERM", 0), 0u)
            << cmd[0] << " " << error_of(a, cmd, app);
    }
    // MODULE and DEBUG are also off server-wide; the ACL refuses them too.
    EXPECT_NE(error_of(a, {"MODULE", "LOAD", "/x.so"}, app), "(ok)");
    for (const auto& cmd : std::vector<std::vector<std::string>>{{"MODULE", "LOAD", "/x.so"},
                                                                 {"DEBUG", "SLEEP", "0"}}) {
        std::vector<std::string> dry = {"ACL", "DRYRUN", "app"};
        dry.insert(dry.end(), cmd.begin(), cmd.end());
        auto r = launch::db_command(a, dry, 5000, admin);
        ASSERT_TRUE(r);
        EXPECT_NE(r->str.find("no permissions"), std::string::npos) << cmd[0] << ": " << r->str;
    }
    // Reader: reads only.
    EXPECT_EQ(error_of(a, {"AI.TENSORGET", key, "VALUES"}, reader), "(ok)");
    EXPECT_EQ(error_of(a, {"EXISTS", key}, reader), "(ok)");
    for (const auto& cmd : std::vector<std::vector<std::string>>{
             {"AI.TENSORSET", key, "FLOAT", "1", "VALUES", "2"},
             {"AI.MODELSTORE", key + "m", "TORCH", "CPU", "BLOB", "x"},
             {"AI.SCRIPTEXECUTE", key + "s", "f", "KEYS", "1", key, "INPUTS", "1", key, "OUTPUTS",
              "1", key},
             {"AI.MODELEXECUTE", key + "m", "INPUTS", "1", key, "OUTPUTS", "1", key},
             {"SET", key, "x"},
             {"DEL", key},
             {"FLUSHALL"}}) {
        EXPECT_EQ(error_of(a, cmd, reader).rfind("NOPERM", 0), 0u) << cmd[0];
    }
    // The same rules as the server evaluates them without running anything.
    auto dry = [&](const std::string& user, std::vector<std::string> cmd) {
        cmd.insert(cmd.begin(), {"ACL", "DRYRUN", user});
        auto r = launch::db_command(a, cmd, 5000, admin);
        return r && r->is_status("OK");
    };
    EXPECT_TRUE(dry("app", {"AI.MODELSTORE", key, "TORCH", "CPU", "BLOB", "x"}));
    EXPECT_TRUE(dry("app", {"AI.MODELEXECUTE", key, "INPUTS", "1", key, "OUTPUTS", "1", key}));
    EXPECT_TRUE(dry("app", {"AI.SCRIPTEXECUTE", key, "f", "KEYS", "1", key}));
    EXPECT_TRUE(dry("app", {"CLUSTER", "SLOTS"}));
    EXPECT_FALSE(dry("app", {"CLUSTER", "MEET", "127.0.0.1", "1"}));
    EXPECT_TRUE(dry("reader", {"AI.MODELGET", key, "META"}));
    EXPECT_TRUE(dry("reader", {"AI.SCRIPTGET", key, "META"}));
    EXPECT_TRUE(dry("reader", {"AI.INFO", key}));
    EXPECT_TRUE(dry("reader", {"CLUSTER", "SLOTS"}));
    EXPECT_FALSE(
        dry("reader", {"AI.DAGEXECUTE_RO", "KEYS", "1", key, "|>", "AI.TENSORGET", key, "VALUES"}));
    EXPECT_FALSE(dry("reader", {"AI.SCRIPTSTORE", key, "CPU", "SOURCE", "x"}));
    EXPECT_TRUE(dry("admin", {"FLUSHALL"}));
    // A wrong password is refused at once.
    EXPECT_EQ(error_of(a, {"PING"}, {"app", "wrong"}).rfind("WRONGPASS", 0), 0u);
    EXPECT_EQ(error_of(a, {"DEL", key}, admin), "(ok)");
}

// A key the shard at `index` of `n` owns (hash tags per shard would need the slot table).
std::string key_on(const std::vector<std::string>& addrs, std::size_t i,
                   const launch::DbAuth& admin) {
    for (int k = 0;; ++k) {
        std::string key = "sec" + std::to_string(k);
        if (addrs.size() == 1) return key;
        auto r = launch::db_command(addrs[i], {"EXISTS", key}, 5000, admin);
        if (r && !r->is_error()) return key;  // no MOVED: this shard owns it
    }
}

}  // namespace

class LaunchSecurity : public ::testing::TestWithParam<int> {};

TEST_P(LaunchSecurity, DatabaseRequiresCredentialsAndEachUserHasItsRights) {
    const int shards = GetParam();
    std::string dir = make_temp_dir("exp-secure");
    Experiment exp("secure", dir);
    auto db = exp.create_database(0, shards);
    // The application's environment: the app user and its password file, never the password.
    auto app = exp.create_model(
        "app", exp.create_run_settings("/bin/sh", {"-c", "env | grep -E '^(SSDB|SR_DB)' | sort"}));
    auto ana = exp.create_model(
        "ana", exp.create_run_settings("/bin/sh", {"-c", "env | grep -E '^SR_DB_' | sort"}));
    ana->set_db_role("reader");
    EXPECT_THROW(ana->set_db_role("root"), std::invalid_argument);
    exp.start(db);
    const std::string secrets = db->secrets_dir();
    EXPECT_EQ(secrets, fs::absolute(dir + "/orchestrator/secrets").string());
    expect_private_secrets(secrets);
    EXPECT_EQ(mode_of(dir + "/orchestrator/orchestrator_0.conf"), 0600);
    auto addrs = db->get_address();
    ASSERT_EQ(addrs.size(), static_cast<std::size_t>(shards));
    for (const auto& a : addrs) {
        EXPECT_EQ(error_of(a, {"PING"}).rfind("NOAUTH", 0), 0u) << a;
        EXPECT_EQ(error_of(a, {"GET", "x"}).rfind("NOAUTH", 0), 0u) << a;
    }
    auto admin = launch::admin_auth(secrets);
    for (std::size_t i = 0; i < addrs.size(); ++i)
        expect_acl_rules(addrs[i], secrets, key_on(addrs, i, admin));

    // A client with what the application gets works, in a cluster too.
    auto c = client_as(addrs, "app", secrets);
    for (int i = 0; i < 20; ++i) {
        std::vector<float> v = {1.f * i, 2, 3};
        c->put_tensor("t" + std::to_string(i), v.data(), {3}, TensorType::Float,
                      MemoryLayout::Contiguous);
    }
    std::vector<float> got(3);
    c->unpack_tensor("t7", got.data(), {3}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(got[0], 7.f);
    auto r = client_as(addrs, "reader", secrets);
    EXPECT_TRUE(r->tensor_exists("t7"));
    std::vector<float> v = {0, 0, 0};
    EXPECT_THROW(r->put_tensor("t7", v.data(), {3}, TensorType::Float, MemoryLayout::Contiguous),
                 std::exception);

    exp.start(app, ana);
    std::string out = read_text(dir + "/app/app.out");
    EXPECT_NE(out.find("SR_DB_USER=app\n"), std::string::npos) << out;
    EXPECT_NE(out.find("SR_DB_PASSWORD_FILE=" + secrets + "/app\n"), std::string::npos) << out;
    std::string ana_out = read_text(dir + "/ana/ana.out");
    EXPECT_NE(ana_out.find("SR_DB_USER=reader\n"), std::string::npos) << ana_out;
    EXPECT_NE(ana_out.find("SR_DB_PASSWORD_FILE=" + secrets + "/reader\n"), std::string::npos);

    auto all = secrets_in(secrets);
    expect_no_secret_in_cmdlines(dir, all);
    EXPECT_EQ(files_leaking(dir, all), std::vector<std::string>{});
    for (const auto& s : all) EXPECT_EQ(exp.summary().find(s), std::string::npos);
    // The checkpoint names the folder, never a secret.
    EXPECT_NE(read_text(dir + "/orchestrator/smartsim_db.dat").find("secrets " + secrets),
              std::string::npos);

    // Every start has fresh secrets.
    exp.stop(db);
    exp.start(db);
    auto again = secrets_in(secrets);
    for (std::size_t i = 0; i < all.size(); ++i) EXPECT_NE(all[i], again[i]);
    EXPECT_EQ(error_of(db->get_address()[0], {"PING"}, {"app", all[1]}).rfind("WRONGPASS", 0), 0u);
    EXPECT_EQ(error_of(db->get_address()[0], {"PING"}, {"app", again[1]}), "(ok)");
    exp.stop(db);
}

INSTANTIATE_TEST_SUITE_P(StandaloneAndCluster, LaunchSecurity, ::testing::Values(1, 3),
                         [](const auto& info) {
                             return info.param == 1 ? std::string("Standalone")
                                                    : std::string("Cluster");
                         });

TEST(LaunchSecurity, ReconnectedDatabaseUsesTheSecretsFolderOfItsCheckpoint) {
    std::string dir = make_temp_dir("exp-secure-reconnect");
    Experiment first("first", dir + "/first");
    auto db = first.create_database(0, 1);
    first.start(db);
    Experiment second("second", dir + "/second");
    const std::string checkpoint = dir + "/first/orchestrator/smartsim_db.dat";
    // An admin secret others may read is refused by name, not reported as "not running".
    const std::string admin_file = launch::secret_file(db->secrets_dir(), "admin");
    ::chmod(admin_file.c_str(), 0644);
    try {
        second.reconnect_orchestrator(checkpoint);
        ADD_FAILURE() << "reconnected with an unsafe admin secret";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find(admin_file), std::string::npos) << e.what();
        EXPECT_EQ(std::string(e.what()).find("not running"), std::string::npos) << e.what();
    }
    ::chmod(admin_file.c_str(), 0600);
    auto again = second.reconnect_orchestrator(checkpoint);
    EXPECT_EQ(again->secrets_dir(), db->secrets_dir());
    EXPECT_TRUE(again->is_active());
    again->set_max_clients(321);  // CONFIG SET as admin
    auto r = launch::db_command(db->get_address()[0], {"CONFIG", "GET", "maxclients"}, 2000,
                                launch::admin_auth(db->secrets_dir()));
    ASSERT_TRUE(r && r->elements.size() == 2);
    EXPECT_EQ(r->elements[1].str, "321");
    second.stop(again);
    EXPECT_TRUE(wait_until([&] { return !db->is_active(); }, std::chrono::seconds(5)));
}

TEST(LaunchSecurity, InsecureDatabaseHasNoAuthenticationAndWarns) {
    std::string dir = make_temp_dir("exp-insecure");
    Experiment exp("insecure", dir);
    auto db = exp.create_database(0, 1, "lo", "orchestrator", 0, 0, 0, /*insecure=*/true);
    EXPECT_TRUE(db->is_insecure());
    EXPECT_EQ(db->secrets_dir(), "");
    auto app = exp.create_model(
        "app", exp.create_run_settings("/bin/sh", {"-c", "env | grep -E '^(SSDB|SR_DB)' | sort"}));
    ::testing::internal::CaptureStderr();
    exp.start(db);
    std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("without authentication (insecure): anyone on its node(s) can read"),
              std::string::npos)
        << err;
    auto a = db->get_address()[0];
    auto pong = launch::db_command(a, {"PING"});
    ASSERT_TRUE(pong);
    EXPECT_TRUE(pong->is_status("PONG"));
    EXPECT_FALSE(fs::exists(dir + "/orchestrator/secrets"));
    exp.start(app);
    std::string out = read_text(dir + "/app/app.out");
    EXPECT_NE(out.find("SSDB="), std::string::npos);
    EXPECT_EQ(out.find("SR_DB_USER"), std::string::npos) << out;
    EXPECT_NE(read_text(dir + "/orchestrator/smartsim_db.dat").find("insecure 1"),
              std::string::npos);
    exp.stop(db);
}

class LaunchSecurityColocated : public ::testing::TestWithParam<bool> {};

TEST_P(LaunchSecurityColocated, ColocatedDatabaseRequiresCredentialsAndItsSocketIsPrivate) {
    const bool uds = GetParam();
    std::string dir = make_temp_dir(uds ? "exp-sec-colo-uds" : "exp-sec-colo-tcp");
    Experiment exp("colo", dir);
    int port = free_port();
    std::string sock = dir + "/db.sock";
    auto app = exp.create_model(
        "app", exp.create_run_settings("/bin/sh",
                                       {"-c", "env | grep -E '^(SSDB|SR_DB)' | sort; sleep 4"}));
    if (uds)
        app->colocate_db_uds(sock, 755, 1, std::vector<int>{});
    else
        app->colocate_db_tcp(port, "lo", 1, std::vector<int>{});
    exp.start({app}, false);
    ColocatedSettings s = *app->colocated_settings();
    std::string addr = launch::colocated_address(s);
    const std::string secrets = launch::colocated_secrets_dir(dir + "/app", "app-db");
    auto up = [&] { return launch::db_command(addr, {"PING"}, 200).has_value(); };
    ASSERT_TRUE(wait_until(up, std::chrono::seconds(15))) << read_text(dir + "/app/app.err");
    EXPECT_EQ(error_of(addr, {"PING"}).rfind("NOAUTH", 0), 0u);
    expect_private_secrets(secrets);
    expect_acl_rules(addr, secrets, "k");
    if (uds) {
        std::string real = addr.substr(std::string("unix://").size());
        EXPECT_EQ(fs::path(real).parent_path().string(),
                  dir + "/insitu-sockets-" + std::to_string(::getuid()));
        EXPECT_EQ(mode_of(fs::path(real).parent_path().string()), 0700);
        EXPECT_EQ(mode_of(real) & 0777, 0700);
    }
    auto all = secrets_in(secrets);
    expect_no_secret_in_cmdlines(dir, all);
    exp.poll(1, false);
    EXPECT_EQ(exp.get_status(*app), std::vector<Status>{Status::Completed});
    std::string out = read_text(dir + "/app/app.out");
    EXPECT_NE(out.find("SSDB=" + addr + "\n"), std::string::npos) << out;
    EXPECT_NE(out.find("SR_DB_USER=app\n"), std::string::npos) << out;
    EXPECT_NE(out.find("SR_DB_PASSWORD_FILE=" + secrets + "/app\n"), std::string::npos) << out;
    EXPECT_EQ(files_leaking(dir, all), std::vector<std::string>{});
}

TEST_P(LaunchSecurityColocated, InsecureColocatedDatabaseAnswersWithoutCredentials) {
    const bool uds = GetParam();
    std::string dir = make_temp_dir(uds ? "exp-insec-colo-uds" : "exp-insec-colo-tcp");
    Experiment exp("colo", dir);
    int port = free_port();
    std::string sock = dir + "/db.sock";
    auto app = exp.create_model("app", exp.create_run_settings("/bin/sh", {"-c", "sleep 3"}));
    if (uds)
        app->colocate_db_uds(sock, 755, 1, std::vector<int>{}, false, false, "", {}, true);
    else
        app->colocate_db_tcp(port, "lo", 1, std::vector<int>{}, false, false, "", {}, true);
    exp.start({app}, false);
    std::string addr = launch::colocated_address(*app->colocated_settings());
    EXPECT_EQ(addr, uds ? "unix://" + sock : "127.0.0.1:" + std::to_string(port));
    ASSERT_TRUE(wait_until(
        [&] {
            auto r = launch::db_command(addr, {"PING"}, 200);
            return r && r->is_status("PONG");
        },
        std::chrono::seconds(15)))
        << read_text(dir + "/app/app.err");
    EXPECT_FALSE(fs::exists(dir + "/app/app-db-secrets"));
    exp.poll(1, false);
}

INSTANTIATE_TEST_SUITE_P(TcpAndUnix, LaunchSecurityColocated, ::testing::Values(false, true),
                         [](const auto& info) {
                             return info.param ? std::string("Unix") : std::string("Tcp");
                         });
