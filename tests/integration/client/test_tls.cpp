// The client over TLS (rediss://) against real TLS-only redis-server processes with a
// per-experiment CA: data round trips (small and large, standalone and a cluster whose
// redirections lead to other TLS nodes), and the refusals: another CA, no CA, a plaintext
// address for a TLS server, and a mistyped host check.
#include <gtest/gtest.h>

#include <insitu/client.h>
#include <insitu/errors.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "client_test_util.h"
#include "redis_server.h"
#include "tls/certs.h"

using namespace insitu;
using insitu::test::make_client;
using insitu::testing::RedisCluster;
using insitu::testing::RedisServer;

namespace {

struct Certs {
    std::string dir = insitu::testing::make_temp_dir("tls-client");
    tls::ExperimentCerts own = tls::generate_experiment_certs(dir + "/own");
    tls::ExperimentCerts other = tls::generate_experiment_certs(dir + "/other");
    ~Certs() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

RedisServer::Options tls_options(const std::string& cert_dir) {
    RedisServer::Options o;
    o.tls_dir = cert_dir;
    return o;
}

std::string rediss(int port) {
    return "rediss://127.0.0.1:" + std::to_string(port);
}

template <class F>
std::string error_of(F&& fn, double* seconds = nullptr) {
    auto t0 = std::chrono::steady_clock::now();
    try {
        fn();
    } catch (const Exception& e) {
        if (seconds)
            *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return e.what();
    }
    return "";
}

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

void round_trip(Client& c, const std::string& key, std::size_t bytes) {
    std::vector<unsigned char> in(bytes);
    for (std::size_t i = 0; i < bytes; ++i) in[i] = static_cast<unsigned char>(i * 131 + 7);
    c.put_tensor(key, in.data(), {bytes}, TensorType::Uint8, MemoryLayout::Contiguous);
    std::vector<unsigned char> out(bytes);
    c.unpack_tensor(key, out.data(), {bytes}, TensorType::Uint8, MemoryLayout::Contiguous);
    EXPECT_TRUE(out == in) << key << ": " << bytes << " bytes came back different";
}

}  // namespace

TEST(Tls, ClientTrustingTheCaMovesSmallAndLargeTensors) {
    Certs certs;
    RedisServer server(tls_options(certs.own.dir));
    Client c = make_client(rediss(server.port()), false, {{"SR_TLS_CA_FILE", certs.own.ca_cert}});
    round_trip(c, "small", 12);
    round_trip(c, "medium", 100'000);  // several TLS records, gathered and direct reads
    round_trip(c, "large", 16u << 20);
    // The server has no plaintext TCP port (tls_dir): all of this went over TLS.
    EXPECT_TRUE(c.tensor_exists("large"));
}

TEST(Tls, AnotherCaIsRefusedFastAndClearly) {
    Certs certs;
    RedisServer server(tls_options(certs.own.dir));
    double took = 0;
    auto what = error_of(
        [&] {
            make_client(rediss(server.port()), false,
                        {{"SR_TLS_CA_FILE", certs.other.ca_cert}, {"SR_CONN_TIMEOUT", "10"}});
        },
        &took);
    EXPECT_TRUE(contains(what, "certificate verify failed")) << what;
    EXPECT_TRUE(contains(what, "127.0.0.1:" + std::to_string(server.port()))) << what;
    EXPECT_LT(took, 2.0) << "a refused certificate was retried: " << what;
    // Without SR_TLS_CA_FILE the system's CAs are used: they did not sign this server either.
    what = error_of([&] {
        make_client(rediss(server.port()), false, {{"SR_CONN_TIMEOUT", "10"}});
    });
    EXPECT_TRUE(contains(what, "certificate verify failed")) << what;
}

TEST(Tls, HostNamesInTheCertificateAreAccepted) {
    Certs certs;
    RedisServer server(tls_options(certs.own.dir));
    // The server certificate names localhost and 127.0.0.1 (and this host's names and
    // addresses); SR_TLS_VERIFY_HOST=0 checks the chain only.
    Client by_name = make_client("rediss://localhost:" + std::to_string(server.port()), false,
                                 {{"SR_TLS_CA_FILE", certs.own.ca_cert}});
    round_trip(by_name, "by_name", 64);
    Client chain_only =
        make_client(rediss(server.port()), false,
                    {{"SR_TLS_CA_FILE", certs.own.ca_cert}, {"SR_TLS_VERIFY_HOST", "0"}});
    round_trip(chain_only, "chain_only", 64);
    auto what = error_of([&] {
        make_client(rediss(server.port()), false,
                    {{"SR_TLS_CA_FILE", certs.own.ca_cert}, {"SR_TLS_VERIFY_HOST", "maybe"}});
    });
    EXPECT_TRUE(contains(what, "SR_TLS_VERIFY_HOST")) << what;
}

TEST(Tls, BadSettingsAreNamed) {
    Certs certs;
    RedisServer server(tls_options(certs.own.dir));
    auto what = error_of([&] {
        make_client(rediss(server.port()), false, {{"SR_TLS_CA_FILE", certs.dir + "/missing.crt"}});
    });
    EXPECT_TRUE(contains(what, "missing.crt")) << what;
    EXPECT_TRUE(contains(what, "SR_TLS_CA_FILE")) << what;
    // A CA turns TLS on for host:port addresses too (db.get_address() gives no scheme).
    Client by_ca = make_client("127.0.0.1:" + std::to_string(server.port()), false,
                               {{"SR_TLS_CA_FILE", certs.own.ca_cert}});
    round_trip(by_ca, "by_ca", 64);
    what = error_of([&] {
        make_client(rediss(server.port()) + ",127.0.0.1:1", true,
                    {{"SR_TLS_CA_FILE", certs.own.ca_cert}});
    });
    EXPECT_TRUE(contains(what, "mixes")) << what;
    // A plaintext client at a TLS-only server: the hint says rediss://.
    what = error_of([&] {
        make_client("127.0.0.1:" + std::to_string(server.port()), false,
                    {{"SR_CONN_TIMEOUT", "1"}});
    });
    EXPECT_TRUE(contains(what, "rediss://")) << what;
}

TEST(Tls, ClusterOverTlsFollowsRedirectionsToTlsNodes) {
    Certs certs;
    RedisCluster cluster(3, tls_options(certs.own.dir));
    std::string ssdb;
    for (auto& s : cluster.shards()) ssdb += (ssdb.empty() ? "" : ",") + rediss(s->port());
    Client c = make_client(ssdb, true, {{"SR_TLS_CA_FILE", certs.own.ca_cert}});
    for (int i = 0; i < 30; ++i) round_trip(c, "k" + std::to_string(i), 1000 + i);
    round_trip(c, "big", 4u << 20);
    // Only the first node given: the others come from CLUSTER SLOTS (TLS ports) and MOVED.
    Client one = make_client(rediss(cluster.shards()[0]->port()), true,
                             {{"SR_TLS_CA_FILE", certs.own.ca_cert}});
    for (int i = 0; i < 30; ++i) {
        std::vector<unsigned char> out(1000 + i);
        one.unpack_tensor("k" + std::to_string(i), out.data(), {out.size()}, TensorType::Uint8,
                          MemoryLayout::Contiguous);
    }
}
