// Databases started with tls=True serve TLS only, with a CA generated for each start: the
// applications get rediss:// addresses and the CA, clients that trust it work (standalone and
// a cluster formed over a TLS bus), plaintext and clients of another CA get nothing, keys are
// private, and a restart brings a new CA. Real servers, real clients.
#include <gtest/gtest.h>
#include <insitu/client.h>
#include <insitu/experiment.h>
#include <insitu/launch_errors.h>

#include <sys/stat.h>

#include <filesystem>

#include "launch/db/acl_users.h"
#include "launch/db/db_command.h"
#include "launch_test_util.h"
#include "redis_server.h"
#include "tls/certs.h"

namespace fs = std::filesystem;
using namespace insitu;
using namespace insitu::testing;

namespace {

std::string reply_of(const std::string& address, const std::vector<std::string>& args,
                     const launch::DbAuth& auth) {
    auto r = launch::db_command(address, args, 5000, auth);
    if (!r) return "(no answer)";
    return r->is_error() ? r->str : "(ok)";
}

// A client configured the way the application's environment configures it.
std::unique_ptr<Client> client_with(const std::string& ssdb, bool cluster, const std::string& ca,
                                    const std::string& secrets) {
    auto cfg = ConfigOptions::create_empty();
    cfg->override_string_option("SSDB", ssdb);
    cfg->override_string_option("SR_DB_TYPE", cluster ? "Clustered" : "Standalone");
    cfg->override_string_option("SR_DB_USER", "app");
    cfg->override_string_option("SR_DB_PASSWORD_FILE", launch::secret_file(secrets, "app"));
    cfg->override_string_option("SR_TLS_CA_FILE", ca);
    cfg->override_integer_option("SR_CONN_TIMEOUT", 5);
    return std::make_unique<Client>(cfg.get(), "tls-test");
}

std::string env_value(const std::string& text, const std::string& name) {
    auto at = text.find(name + "=");
    if (at == std::string::npos) return "";
    auto end = text.find('\n', at);
    return text.substr(at + name.size() + 1, end - at - name.size() - 1);
}

}  // namespace

class LaunchTls : public ::testing::TestWithParam<int> {};

TEST_P(LaunchTls, DatabaseServesTlsOnlyToClientsTrustingItsCa) {
    const int shards = GetParam();
    std::string dir = make_temp_dir("exp-tls");
    Experiment exp("tls", dir);
    auto db = exp.create_database(0, shards, "lo", "orchestrator", 0, 0, 0, false, true);
    auto app = exp.create_model(
        "app", exp.create_run_settings("/bin/sh", {"-c", "env | grep -E '^(SSDB|SR_)' | sort"}));
    exp.start(db);
    const std::string secrets = db->secrets_dir();
    const std::string ca = db->tls_ca_file();
    EXPECT_EQ(ca, secrets + "/tls/ca.crt");
    EXPECT_EQ(mode_of(secrets + "/tls"), 0700);
    EXPECT_EQ(mode_of(secrets + "/tls/ca.key"), 0600);
    EXPECT_EQ(mode_of(secrets + "/tls/server.key"), 0600);

    auto addrs = db->get_address();
    ASSERT_EQ(addrs.size(), static_cast<std::size_t>(shards));
    auto admin = launch::admin_auth(secrets, true);
    EXPECT_EQ(admin.tls_ca, ca);
    ASSERT_TRUE(admin.tls);
    launch::DbAuth tls_only;  // TLS, no credentials
    tls_only.tls = admin.tls;
    for (const auto& a : addrs) {
        // Plaintext gets nothing at all; TLS without credentials gets NOAUTH; the admin works.
        EXPECT_EQ(reply_of(a, {"PING"}, {}), "(no answer)") << a;
        EXPECT_EQ(reply_of(a, {"PING"}, tls_only).rfind("NOAUTH", 0), 0u) << a;
        EXPECT_EQ(reply_of(a, {"PING"}, admin), "(ok)") << a;
        EXPECT_EQ(reply_of(a, {"PING"}, launch::admin_auth(secrets, false)), "(no answer)") << a;
        if (shards > 1) {
            auto info = launch::db_command(a, {"CLUSTER", "INFO"}, 5000, admin);
            ASSERT_TRUE(info);
            EXPECT_NE(info->str.find("cluster_state:ok"), std::string::npos) << info->str;
        }
    }

    // The application's environment: rediss:// addresses and the CA.
    exp.start(app);
    std::string out = read_text(dir + "/app/app.out");
    std::string ssdb = env_value(out, "SSDB");
    EXPECT_EQ(ssdb.rfind("rediss://", 0), 0u) << out;
    EXPECT_EQ(env_value(out, "SR_TLS_CA_FILE"), ca) << out;
    EXPECT_EQ(env_value(out, "SR_DB_USER"), "app") << out;

    auto c = client_with(ssdb, shards > 1, ca, secrets);
    std::vector<float> big(1 << 18);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<float>(i);
    for (int i = 0; i < 12; ++i)
        c->put_tensor("t" + std::to_string(i), big.data(), {big.size()}, TensorType::Float,
                      MemoryLayout::Contiguous);
    std::vector<float> got(big.size());
    c->unpack_tensor("t7", got.data(), {got.size()}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_EQ(got, big);

    // A client trusting another CA is refused, fast and by name.
    std::string other_dir = make_temp_dir("other-ca");
    auto other = tls::generate_experiment_certs(other_dir + "/ca");
    try {
        client_with(ssdb, shards > 1, other.ca_cert, secrets);
        ADD_FAILURE() << "a client trusting another CA connected";
    } catch (const Exception& e) {
        EXPECT_NE(std::string(e.what()).find("certificate verify failed"), std::string::npos)
            << e.what();
    }

    // A TLS database whose CA file is gone: named, never a plaintext fallback.
    fs::rename(ca, ca + ".moved");
    try {
        launch::admin_auth(secrets, true);
        ADD_FAILURE() << "admin_auth without the CA file";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find(ca), std::string::npos) << e.what();
    }
    fs::rename(ca + ".moved", ca);

    // A restart brings a new CA: the old one is no longer trusted by the servers' certificates.
    std::string old_ca = read_text(ca);
    exp.stop(db);
    exp.start(db);
    EXPECT_NE(read_text(ca), old_ca);
    // (port 0: the restarted shards have new ports)
    auto again = client_with("rediss://" + db->get_address()[0], shards > 1, ca, secrets);
    EXPECT_FALSE(again->tensor_exists("t7"));  // a new database, empty
    exp.stop(db);
    fs::remove_all(other_dir);
}

INSTANTIATE_TEST_SUITE_P(StandaloneAndCluster, LaunchTls, ::testing::Values(1, 3),
                         [](const auto& info) {
                             return info.param == 1 ? std::string("Standalone")
                                                    : std::string("Cluster");
                         });

TEST(LaunchTlsConfig, TlsWithoutAuthenticationIsRefused) {
    std::string dir = make_temp_dir("exp-tls-insecure");
    Experiment exp("tls-insecure", dir);
    try {
        exp.create_database(0, 1, "lo", "orchestrator", 0, 0, 0, true, true);
        ADD_FAILURE() << "tls with insecure accepted";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("insecure"), std::string::npos) << e.what();
    }
}
