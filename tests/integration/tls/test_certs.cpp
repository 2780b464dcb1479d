// The per-experiment CA (src/tls/certs.h): private files, a chain that verifies against its own CA
// only, the host's names, and reuse by ensure_experiment_certs.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <filesystem>

#include "tls/certs.h"
#include "tls_test_util.h"

namespace fs = std::filesystem;
using namespace insitu::tls_test;
using insitu::tls::ensure_experiment_certs;
using insitu::tls::ExperimentCerts;
using insitu::tls::generate_experiment_certs;

namespace {

std::string hostname() {
    char host[HOST_NAME_MAX + 1] = {};
    ::gethostname(host, sizeof host - 1);
    return host;
}

// An address of a non-loopback IPv4 interface, if the host has one.
std::string some_interface_ipv4() {
    ifaddrs* ifs = nullptr;
    if (::getifaddrs(&ifs) != 0) return "";
    std::string found;
    for (ifaddrs* a = ifs; a && found.empty(); a = a->ifa_next) {
        if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
        char text[INET_ADDRSTRLEN];
        ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, text,
                    sizeof text);
        if (std::string(text).rfind("127.", 0) != 0) found = text;
    }
    ::freeifaddrs(ifs);
    return found;
}

std::string subject_cn(X509* x) {
    char cn[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn);
    return cn;
}

}  // namespace

TEST(TlsCerts, WritesPrivateKeysInAPrivateFolder) {
    TempDir tmp;
    const std::string dir = tmp.path + "/nested/certs";  // parents are created too
    ExperimentCerts c = generate_experiment_certs(dir);
    EXPECT_EQ(c.dir, dir);
    EXPECT_EQ(c.ca_cert, dir + "/ca.crt");
    EXPECT_EQ(c.server_cert, dir + "/server.crt");
    EXPECT_EQ(c.server_key, dir + "/server.key");
    EXPECT_EQ(file_mode(dir), 0700u);
    EXPECT_EQ(file_mode(dir + "/ca.key"), 0600u);
    EXPECT_EQ(file_mode(c.server_key), 0600u);
    EXPECT_TRUE(fs::is_regular_file(c.ca_cert));
    EXPECT_TRUE(fs::is_regular_file(c.server_cert));
    EXPECT_NE(read_file(c.server_key).find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
    // Nothing left over from the temporary names.
    EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 4);
}

TEST(TlsCerts, RelativeFolderGivesAbsolutePaths) {
    TempDir tmp;
    const fs::path old = fs::current_path();
    fs::current_path(tmp.path);
    ExperimentCerts c;
    EXPECT_NO_THROW(c = generate_experiment_certs("rel/"));
    fs::current_path(old);
    EXPECT_EQ(c.dir, tmp.path + "/rel");
    EXPECT_EQ(c.ca_cert, tmp.path + "/rel/ca.crt");
}

TEST(TlsCerts, CaIsAFreshP256RootValidForAYear) {
    TempDir tmp;
    ExperimentCerts a = generate_experiment_certs(tmp.path + "/a");
    ExperimentCerts b = generate_experiment_certs(tmp.path + "/b");
    X509Ptr ca = load_cert(a.ca_cert), other = load_cert(b.ca_cert);
    EXPECT_EQ(X509_check_ca(ca.get()), 1);
    EXPECT_EQ(X509_get_extension_flags(ca.get()) & EXFLAG_SS, EXFLAG_SS);  // self-signed
    EXPECT_EQ(X509_get_key_usage(ca.get()), static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
    EXPECT_EQ(subject_cn(ca.get()).rfind("insitu experiment CA ", 0), 0u) << subject_cn(ca.get());
    EXPECT_NE(subject_cn(ca.get()), subject_cn(other.get()));
    EXPECT_EQ(EVP_PKEY_get_bits(X509_get0_pubkey(ca.get())), 256);
    EXPECT_TRUE(EVP_PKEY_is_a(X509_get0_pubkey(ca.get()), "EC"));
    std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(
        ASN1_INTEGER_to_BN(X509_get0_serialNumber(ca.get()), nullptr), BN_free);
    EXPECT_EQ(BN_num_bits(serial.get()), 128);
    // From an hour ago (other hosts' clocks) for 365 days.
    int days = 0, secs = 0;
    ASSERT_EQ(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(ca.get()), nullptr), 1);
    EXPECT_NEAR(days * 86400 + secs, 3600, 120);
    ASSERT_EQ(
        ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(ca.get()), X509_get0_notAfter(ca.get())),
        1);
    EXPECT_EQ(days, 365);
    EXPECT_EQ(secs, 0);
}

TEST(TlsCerts, ServerCertVerifiesAgainstItsOwnCaOnly) {
    TempDir tmp;
    ExperimentCerts a = generate_experiment_certs(tmp.path + "/a");
    ExperimentCerts b = generate_experiment_certs(tmp.path + "/b");
    EXPECT_EQ(verify_chain(a.ca_cert, a.server_cert, X509_PURPOSE_SSL_SERVER), X509_V_OK);
    // The cluster bus and replicas present the same certificate as TLS clients.
    EXPECT_EQ(verify_chain(a.ca_cert, a.server_cert, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
    EXPECT_NE(verify_chain(b.ca_cert, a.server_cert, X509_PURPOSE_SSL_SERVER), X509_V_OK);
    EXPECT_NE(verify_chain(a.ca_cert, b.server_cert, X509_PURPOSE_SSL_SERVER), X509_V_OK);
    X509Ptr server = load_cert(a.server_cert);
    EXPECT_EQ(X509_check_ca(server.get()), 0);
    EXPECT_EQ(X509_get_key_usage(server.get()),
              static_cast<uint32_t>(KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT));
}

TEST(TlsCerts, ServerCertNamesThisHostAndExtraNames) {
    TempDir tmp;
    ExperimentCerts c =
        generate_experiment_certs(tmp.path + "/c", {"db.example.test", "10.1.2.3", "[fd00::5]"});
    X509Ptr x = load_cert(c.server_cert);
    for (std::string ip : {"127.0.0.1", "::1", "10.1.2.3", "fd00::5"})
        EXPECT_EQ(X509_check_ip_asc(x.get(), ip.c_str(), 0), 1) << ip;
    for (std::string host : {std::string("localhost"), hostname(), std::string("db.example.test")})
        EXPECT_EQ(X509_check_host(x.get(), host.c_str(), host.size(), 0, nullptr), 1) << host;
    const std::string ifaddr = some_interface_ipv4();
    if (!ifaddr.empty()) {
        EXPECT_EQ(X509_check_ip_asc(x.get(), ifaddr.c_str(), 0), 1) << ifaddr;
    }
    // And no more than that: an IP is not a DNS name, and other names are not covered.
    EXPECT_NE(X509_check_host(x.get(), "10.1.2.3", 8, 0, nullptr), 1);
    EXPECT_NE(X509_check_host(x.get(), "other.example.test", 18, 0, nullptr), 1);
    EXPECT_NE(X509_check_ip_asc(x.get(), "10.9.9.9", 0), 1);
}

TEST(TlsCerts, EnsureReusesACompleteSet) {
    TempDir tmp;
    const std::string dir = tmp.path + "/certs";
    ExperimentCerts first = ensure_experiment_certs(dir);
    const std::string ca = read_file(first.ca_cert), server = read_file(first.server_cert);
    const std::string key = read_file(first.server_key);
    ExperimentCerts again = ensure_experiment_certs(dir);
    EXPECT_EQ(again.ca_cert, first.ca_cert);
    EXPECT_EQ(read_file(again.ca_cert), ca);
    EXPECT_EQ(read_file(again.server_cert), server);
    EXPECT_EQ(read_file(again.server_key), key);
    // generate_experiment_certs, by contrast, always makes a new CA.
    generate_experiment_certs(dir);
    EXPECT_NE(read_file(first.ca_cert), ca);
}

TEST(TlsCerts, EnsureRegeneratesWhatIsMissingOrUnfit) {
    TempDir tmp;
    const std::string dir = tmp.path + "/certs";
    ExperimentCerts c = ensure_experiment_certs(dir);
    const std::string ca = read_file(c.ca_cert);

    // A lost server certificate: a new one from the same CA (running clients keep trusting it).
    fs::remove(c.server_cert);
    ensure_experiment_certs(dir);
    EXPECT_EQ(read_file(c.ca_cert), ca);
    EXPECT_EQ(verify_chain(c.ca_cert, c.server_cert, X509_PURPOSE_SSL_SERVER), X509_V_OK);

    // A server key others could read: replaced, with a certificate for the new key.
    std::string server = read_file(c.server_cert);
    ASSERT_EQ(::chmod(c.server_key.c_str(), 0644), 0);
    ensure_experiment_certs(dir);
    EXPECT_EQ(file_mode(c.server_key), 0600u);
    EXPECT_NE(read_file(c.server_cert), server);
    EXPECT_EQ(read_file(c.ca_cert), ca);

    // A name the certificate lacks: reissued by the same CA with it.
    ensure_experiment_certs(dir, {"new-name.example.test"});
    X509Ptr x = load_cert(c.server_cert);
    EXPECT_EQ(X509_check_host(x.get(), "new-name.example.test", 21, 0, nullptr), 1);
    EXPECT_EQ(read_file(c.ca_cert), ca);

    // A lost CA key: everything new.
    fs::remove(dir + "/ca.key");
    ensure_experiment_certs(dir);
    EXPECT_TRUE(fs::exists(dir + "/ca.key"));
    EXPECT_NE(read_file(c.ca_cert), ca);
    EXPECT_EQ(verify_chain(c.ca_cert, c.server_cert, X509_PURPOSE_SSL_SERVER), X509_V_OK);
}

TEST(TlsCerts, RefusesAFolderOthersCanRead) {
    TempDir tmp;
    const std::string dir = tmp.path + "/open";
    ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
    ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);
    for (auto make : {&generate_experiment_certs, &ensure_experiment_certs}) {
        try {
            make(dir, {});
            ADD_FAILURE() << "a 0755 folder was accepted";
        } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find(dir), std::string::npos) << e.what();
        }
    }
    EXPECT_TRUE(fs::is_empty(dir));
    EXPECT_EQ(file_mode(dir), 0755u);  // refused, not silently changed

    // A symlink to a private folder is refused too.
    const std::string real = tmp.path + "/real", link = tmp.path + "/link";
    ASSERT_EQ(::mkdir(real.c_str(), 0700), 0);
    fs::create_directory_symlink(real, link);
    EXPECT_THROW(generate_experiment_certs(link), std::runtime_error);
    // An existing private folder is fine.
    EXPECT_NO_THROW(generate_experiment_certs(real));
}
