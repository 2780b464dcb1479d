#include "launch/db/tls_files.h"

#include <netdb.h>
#include <sys/socket.h>

#include <insitu/launch_errors.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "launch/db/server_config.h"
#include "tls/certs.h"

namespace fs = std::filesystem;

namespace insitu::launch {
namespace {

// Every address a host name resolves to here (clients connect by address: CLUSTER SLOTS).
void add_addresses(const std::string& host, std::set<std::string>& out) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) return;
    for (addrinfo* a = res; a; a = a->ai_next) {
        char buf[NI_MAXHOST];
        if (::getnameinfo(a->ai_addr, a->ai_addrlen, buf, sizeof buf, nullptr, 0, NI_NUMERICHOST) ==
            0)
            out.insert(buf);
    }
    ::freeaddrinfo(res);
}

}  // namespace

std::string tls_dir_of(const std::string& secrets_dir) {
    return (fs::path(secrets_dir) / "tls").string();
}

std::string tls_ca_file_of(const std::string& secrets_dir) {
    return (fs::path(tls_dir_of(secrets_dir)) / "ca.crt").string();
}

void generate_tls(const std::string& secrets_dir, const std::vector<std::string>& hosts) {
    std::set<std::string> names;
    for (const auto& h : hosts) {
        names.insert(h);
        add_addresses(h, names);
    }
    try {
        fs::remove_all(tls_dir_of(secrets_dir));
        tls::generate_experiment_certs(tls_dir_of(secrets_dir), {names.begin(), names.end()});
    } catch (const std::exception& e) {
        throw LaunchError(std::string("cannot create the database's TLS certificates: ") +
                          e.what());
    }
}

std::string ssdb_value(const std::vector<std::string>& addresses, bool tls) {
    std::string ssdb;
    for (const auto& a : addresses) {
        if (!ssdb.empty()) ssdb += ",";
        if (tls && !a.starts_with("unix://")) ssdb += "rediss://";
        ssdb += a;
    }
    return ssdb;
}

std::string render_tls_config(const std::string& secrets_dir, int port, bool cluster) {
    const fs::path dir = tls_dir_of(secrets_dir);
    std::ostringstream c;
    c << "# TLS only (docs/security.md): no plaintext TCP port.\n"
      << "port 0\n"
      << "tls-port " << port << "\n"
      << "tls-cert-file " << config_quote((dir / "server.crt").string()) << "\n"
      << "tls-key-file " << config_quote((dir / "server.key").string()) << "\n"
      << "tls-ca-cert-file " << config_quote((dir / "ca.crt").string())
      << "\n"
      // Clients prove who they are with their ACL password, not a certificate.
      << "tls-auth-clients no\n"
      << "tls-replication yes\n";
    if (cluster) c << "tls-cluster yes\n";
    return c.str();
}

}  // namespace insitu::launch
