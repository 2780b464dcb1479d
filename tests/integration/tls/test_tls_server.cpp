// A real redis-server serving TLS only with the per-experiment certificates: redis-cli gets PONG
// when it trusts that CA, and nothing when it trusts another CA or speaks plaintext. A cluster
// with tls-cluster forms over TLS (the server certificate doubles as the bus's client certificate).
#include <gtest/gtest.h>

#include <cstdlib>

#include "redis_server.h"
#include "tls/certs.h"
#include "tls_test_util.h"

using namespace insitu::tls_test;
using insitu::testing::RedisCluster;
using insitu::testing::RedisServer;

namespace {

std::string redis_cli() {
    const char* p = std::getenv("REDIS_CLI");
    return (p && *p) ? p : "redis-cli";
}

// `redis-cli ... <args>` on 127.0.0.1:port, bounded in time so that a hang fails instead.
CommandResult cli(int port, const std::string& args) {
    return run_command("timeout 20 '" + redis_cli() + "' -h 127.0.0.1 -p " + std::to_string(port) +
                       " " + args);
}

std::string tls_args(const std::string& ca_cert) {
    return "--tls --cacert '" + ca_cert + "'";
}

RedisServer::Options tls_options(const std::string& cert_dir) {
    RedisServer::Options o;
    o.load_module = false;  // TLS is the server's; the module plays no part
    o.tls_dir = cert_dir;
    return o;
}

}  // namespace

TEST(TlsServer, AnswersOnlyClientsThatTrustTheExperimentCa) {
    TempDir tmp;
    auto certs = insitu::tls::generate_experiment_certs(tmp.path + "/certs");
    auto other = insitu::tls::generate_experiment_certs(tmp.path + "/other");
    RedisServer server(tls_options(certs.dir));

    CommandResult ok = cli(server.port(), tls_args(certs.ca_cert) + " PING");
    EXPECT_EQ(ok.status, 0) << ok.output;
    EXPECT_EQ(ok.output, "PONG\n");

    CommandResult wrong_ca = cli(server.port(), tls_args(other.ca_cert) + " PING");
    EXPECT_EQ(wrong_ca.output.find("PONG"), std::string::npos) << wrong_ca.output;
    EXPECT_NE(wrong_ca.status, 0) << wrong_ca.output;

    CommandResult plain = cli(server.port(), "PING");
    EXPECT_EQ(plain.output.find("PONG"), std::string::npos) << plain.output;

    // The refusals were the certificate's and the protocol's: the server still answers.
    EXPECT_EQ(cli(server.port(), tls_args(certs.ca_cert) + " PING").output, "PONG\n");
}

TEST(TlsServer, ClusterFormsOverTls) {
    TempDir tmp;
    auto certs = insitu::tls::generate_experiment_certs(tmp.path + "/certs");
    // The fixture waits for cluster_state:ok on every shard: with tls-cluster the bus (and so
    // MEET and gossip) is TLS only, each side presenting the server certificate.
    RedisCluster cluster(3, tls_options(certs.dir));
    for (auto* shard : cluster.shards()) {
        CommandResult info = cli(shard->port(), tls_args(certs.ca_cert) + " CLUSTER INFO");
        EXPECT_EQ(info.status, 0) << info.output;
        EXPECT_NE(info.output.find("cluster_state:ok"), std::string::npos) << info.output;
        EXPECT_NE(info.output.find("cluster_known_nodes:3"), std::string::npos) << info.output;
        CommandResult bus = cli(shard->port(), tls_args(certs.ca_cert) + " CONFIG GET tls-cluster");
        EXPECT_EQ(bus.output, "tls-cluster\nyes\n");
    }
}
