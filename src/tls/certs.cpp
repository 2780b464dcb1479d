#include "tls/certs.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>

#include "tls/private_files.h"

namespace fs = std::filesystem;

namespace insitu::tls {
namespace {

template <auto Free>
struct Deleter {
    template <class T>
    void operator()(T* p) const {
        Free(p);
    }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using GensPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;

// OpenSSL's reasons for the call that just failed (this empties its error queue).
std::string openssl_reason() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        out += (out.empty() ? "" : "; ") + std::string(buf);
    }
    return out.empty() ? "no OpenSSL error queued" : out;
}
[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("insitu tls: " + what + ": " + openssl_reason());
}

struct Paths {
    std::string dir, ca_cert, ca_key, server_cert, server_key;
};
Paths paths_of(const std::string& dir) {
    fs::path d = fs::absolute(dir).lexically_normal();
    if (!d.has_filename()) d = d.parent_path();  // "a/b/" -> "a/b"
    return {d.string(), (d / "ca.crt").string(), (d / "ca.key").string(),
            (d / "server.crt").string(), (d / "server.key").string()};
}

std::string random_hex(int bytes) {
    unsigned char raw[32];
    if (bytes > 32 || RAND_bytes(raw, bytes) != 1) fail("cannot read random bytes");
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < bytes; ++i) out += {digits[raw[i] >> 4], digits[raw[i] & 15]};
    return out;
}

std::string bio_text(BIO* b) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(b, &data);
    return std::string(data, static_cast<std::size_t>(n));
}

void write_cert(const std::string& path, X509* cert) {
    BioPtr b(BIO_new(BIO_s_mem()));
    if (!b || PEM_write_bio_X509(b.get(), cert) != 1) fail("cannot encode " + path);
    write_file_atomically(path, bio_text(b.get()), 0644);
}

void write_key(const std::string& path, EVP_PKEY* key) {
    BioPtr b(BIO_new(BIO_s_secmem()));  // cleared when freed
    if (!b || PEM_write_bio_PrivateKey(b.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        fail("cannot encode " + path);
    std::string pem = bio_text(b.get());
    write_file_atomically(path, pem, 0600);
    OPENSSL_cleanse(pem.data(), pem.size());
}

PkeyPtr new_key(const std::string& path) {
    PkeyPtr key(EVP_EC_gen("P-256"));
    if (!key) fail("cannot generate an ECDSA P-256 key for " + path);
    return key;
}

// Version 3, a random 128-bit serial, valid from an hour ago (clocks of other hosts) for a year.
X509Ptr new_cert(EVP_PKEY* key, const std::string& cn, const std::string& path) {
    X509Ptr x(X509_new());
    BnPtr serial(BN_new());
    time_t now = std::time(nullptr);
    if (!x || !serial || X509_set_version(x.get(), X509_VERSION_3) != 1 ||
        BN_rand(serial.get(), 128, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1 ||
        !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x.get())) ||
        !X509_time_adj_ex(X509_getm_notBefore(x.get()), 0, -3600, &now) ||
        !X509_time_adj_ex(X509_getm_notAfter(x.get()), 365, -3600, &now) ||
        X509_NAME_add_entry_by_txt(X509_get_subject_name(x.get()), "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                   0) != 1 ||
        X509_set_pubkey(x.get(), key) != 1)
        fail("cannot build " + path);
    return x;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value, const std::string& path) {
    X509V3_CTX ctx{};
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
        fail(std::string("cannot add ") + OBJ_nid2sn(nid) + " to " + path);
}

void sign(X509* cert, EVP_PKEY* key, const std::string& path) {
    if (X509_sign(cert, key, EVP_sha256()) <= 0) fail("cannot sign " + path);
}

struct Ca {
    PkeyPtr key;
    X509Ptr cert;
};

Ca make_ca(const Paths& p) {
    Ca ca{new_key(p.ca_key), nullptr};
    ca.cert = new_cert(ca.key.get(), "insitu experiment CA " + random_hex(8), p.ca_cert);
    X509* x = ca.cert.get();
    if (X509_set_issuer_name(x, X509_get_subject_name(x)) != 1) fail("cannot build " + p.ca_cert);
    add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE", p.ca_cert);
    add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign", p.ca_cert);
    add_ext(x, x, NID_subject_key_identifier, "hash", p.ca_cert);
    sign(x, ca.key.get(), p.ca_cert);
    write_key(p.ca_key, ca.key.get());
    write_cert(p.ca_cert, x);
    return ca;
}

// The names clients may use for this host's servers; IPs in inet_ntop's form.
struct Names {
    std::set<std::string> dns, ips;
};

std::optional<std::string> canonical_ip(std::string s) {
    if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
    unsigned char bin[sizeof(in6_addr)];
    char text[INET6_ADDRSTRLEN];
    for (int family : {AF_INET, AF_INET6})
        if (::inet_pton(family, s.c_str(), bin) == 1 && ::inet_ntop(family, bin, text, sizeof text))
            return std::string(text);
    return std::nullopt;
}

Names server_names(const std::vector<std::string>& extra_names) {
    Names n{{"localhost"}, {"127.0.0.1", "::1"}};
    char host[HOST_NAME_MAX + 1] = {};
    if (::gethostname(host, sizeof host - 1) == 0 && host[0]) n.dns.insert(host);
    ifaddrs* ifs = nullptr;
    if (::getifaddrs(&ifs) != 0)
        throw std::runtime_error(std::string("insitu tls: cannot list the network interfaces: ") +
                                 std::strerror(errno));
    char text[INET6_ADDRSTRLEN];
    for (ifaddrs* a = ifs; a; a = a->ifa_next) {
        if (!a->ifa_addr) continue;
        const int family = a->ifa_addr->sa_family;
        const void* addr = nullptr;
        if (family == AF_INET) addr = &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr;
        if (family == AF_INET6) addr = &reinterpret_cast<sockaddr_in6*>(a->ifa_addr)->sin6_addr;
        if (addr && ::inet_ntop(family, addr, text, sizeof text)) n.ips.insert(text);
    }
    ::freeifaddrs(ifs);
    for (const auto& name : extra_names) {
        if (name.empty()) continue;
        if (auto ip = canonical_ip(name))
            n.ips.insert(*ip);
        else
            n.dns.insert(name);
    }
    return n;
}

void add_sans(X509* cert, const Names& names, const std::string& path) {
    GensPtr gens(sk_GENERAL_NAME_new_null());
    if (!gens) fail("cannot build the names of " + path);
    auto push = [&](int type, ASN1_STRING* value, const std::string& name) {
        GENERAL_NAME* g = value ? GENERAL_NAME_new() : nullptr;
        if (g) GENERAL_NAME_set0_value(g, type, value);
        if (!g || !sk_GENERAL_NAME_push(gens.get(), g)) {
            g ? GENERAL_NAME_free(g) : ASN1_STRING_free(value);
            fail("cannot add the name " + name + " to " + path);
        }
    };
    for (const auto& d : names.dns) {
        ASN1_IA5STRING* s = ASN1_IA5STRING_new();
        if (s && ASN1_STRING_set(s, d.data(), static_cast<int>(d.size())) != 1)
            ASN1_IA5STRING_free(s), s = nullptr;
        push(GEN_DNS, s, d);
    }
    for (const auto& ip : names.ips) push(GEN_IPADD, a2i_IPADDRESS(ip.c_str()), ip);
    if (X509_add1_ext_i2d(cert, NID_subject_alt_name, gens.get(), 0, X509V3_ADD_DEFAULT) != 1)
        fail("cannot add subjectAltName to " + path);
}

void issue_server_cert(const Ca& ca, const Paths& p, const Names& names) {
    PkeyPtr key = new_key(p.server_key);
    X509Ptr cert = new_cert(key.get(), "insitu experiment server", p.server_cert);
    X509* x = cert.get();
    if (X509_set_issuer_name(x, X509_get_subject_name(ca.cert.get())) != 1)
        fail("cannot build " + p.server_cert);
    add_ext(x, ca.cert.get(), NID_basic_constraints, "critical,CA:FALSE", p.server_cert);
    add_ext(x, ca.cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment",
            p.server_cert);
    // clientAuth too: the cluster bus and replicas connect to their peers with this certificate.
    add_ext(x, ca.cert.get(), NID_ext_key_usage, "serverAuth,clientAuth", p.server_cert);
    add_ext(x, ca.cert.get(), NID_subject_key_identifier, "hash", p.server_cert);
    add_ext(x, ca.cert.get(), NID_authority_key_identifier, "keyid:always", p.server_cert);
    add_sans(x, names, p.server_cert);
    sign(x, ca.key.get(), p.server_cert);
    write_key(p.server_key, key.get());
    write_cert(p.server_cert, x);
}

ExperimentCerts generate(const Paths& p, const Names& names) {
    issue_server_cert(make_ca(p), p, names);
    return {p.dir, p.ca_cert, p.server_cert, p.server_key};
}

// ---- reuse (ensure_experiment_certs) ----------------------------------------------------------
X509Ptr read_cert(const std::string& path) {
    BioPtr b(BIO_new_file(path.c_str(), "r"));
    return X509Ptr(b ? PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr) : nullptr);
}

PkeyPtr read_key(const std::string& path) {
    if (!is_private_file(path)) return nullptr;
    BioPtr b(BIO_new_file(path.c_str(), "r"));
    // An encrypted key is not ours: no passphrase, and no prompt on the terminal either.
    auto no_passphrase = [](char*, int, int, void*) { return 0; };
    return PkeyPtr(b ? PEM_read_bio_PrivateKey(b.get(), nullptr, no_passphrase, nullptr) : nullptr);
}

bool unexpired(X509* cert) {
    return X509_cmp_current_time(X509_get0_notAfter(cert)) > 0;
}

std::optional<Ca> usable_ca(const Paths& p) {
    Ca ca{read_key(p.ca_key), read_cert(p.ca_cert)};
    const bool ok = ca.key && ca.cert && X509_check_private_key(ca.cert.get(), ca.key.get()) == 1 &&
                    X509_check_ca(ca.cert.get()) != 0 && unexpired(ca.cert.get());
    ERR_clear_error();  // a failed read is an answer here, not an error
    return ok ? std::optional<Ca>(std::move(ca)) : std::nullopt;
}

bool server_cert_fits(const Ca& ca, const Paths& p, const Names& names) {
    PkeyPtr key = read_key(p.server_key);
    X509Ptr cert = read_cert(p.server_cert);
    bool ok = key && cert && X509_check_private_key(cert.get(), key.get()) == 1 &&
              X509_check_issued(ca.cert.get(), cert.get()) == X509_V_OK &&
              X509_verify(cert.get(), X509_get0_pubkey(ca.cert.get())) == 1 &&
              unexpired(cert.get());
    for (const auto& d : names.dns)
        ok = ok && X509_check_host(cert.get(), d.c_str(), d.size(), 0, nullptr) == 1;
    for (const auto& ip : names.ips) ok = ok && X509_check_ip_asc(cert.get(), ip.c_str(), 0) == 1;
    ERR_clear_error();
    return ok;
}

}  // namespace

ExperimentCerts generate_experiment_certs(const std::string& dir,
                                          const std::vector<std::string>& extra_names) {
    const Paths p = paths_of(dir);
    make_private_dir(p.dir);
    return generate(p, server_names(extra_names));
}

ExperimentCerts ensure_experiment_certs(const std::string& dir,
                                        const std::vector<std::string>& extra_names) {
    const Paths p = paths_of(dir);
    make_private_dir(p.dir);
    const Names names = server_names(extra_names);
    std::optional<Ca> ca = usable_ca(p);
    if (!ca) return generate(p, names);
    if (!server_cert_fits(*ca, p, names)) issue_server_cert(*ca, p, names);
    return {p.dir, p.ca_cert, p.server_cert, p.server_key};
}

}  // namespace insitu::tls
