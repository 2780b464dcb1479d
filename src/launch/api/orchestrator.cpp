// Orchestrator: the description of a database deployment and its runtime configuration calls
// (CONFIG SET on every shard). Starting the shards is deploy.cpp's job.
#include <insitu/launch_errors.h>
#include <insitu/orchestrator.h>

#include <cctype>
#include <stdexcept>

#include "launch/db/acl_users.h"
#include "launch/db/db_command.h"
#include "launch/db/tls_files.h"

namespace insitu {

Orchestrator::Orchestrator(OrchestratorOptions opts, std::string path)
    : Entity(opts.db_identifier, std::move(path)), opts_(std::move(opts)) {
    if (opts_.db_nodes == 2 || opts_.db_nodes < 1)
        throw ConfigError("db_nodes must be 1 (standalone) or >= 3 (cluster); got " +
                          std::to_string(opts_.db_nodes));
    if (opts_.replicas < 0) throw ConfigError("replicas must not be negative");
    if (opts_.replicas > 0 && opts_.db_nodes < 3)
        throw ConfigError(
            "replicas need a cluster (db_nodes >= 3): a standalone database has nothing to fail "
            "over to (got db_nodes " +
            std::to_string(opts_.db_nodes) + ", replicas " + std::to_string(opts_.replicas) + ")");
    if (opts_.port < 0 || opts_.port + num_servers() > 55535)
        throw ConfigError("database port out of range (the cluster bus uses port + 10000)");
    if (opts_.db_identifier.empty()) throw ConfigError("db_identifier must not be empty");
    if (opts_.tls && opts_.insecure)
        throw ConfigError(
            "tls=True needs authentication: a database without users (insecure=True) would "
            "let anyone who reaches it over TLS in; drop insecure=True");
    for (char c : opts_.db_identifier)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
            throw ConfigError(
                "db_identifier must be [A-Za-z0-9_] (it suffixes variable "
                "names): " +
                opts_.db_identifier);
}

std::string Orchestrator::secrets_dir() const {
    if (opts_.insecure) return "";
    return opts_.secrets_dir.empty() ? launch::secrets_dir_of(path()) : opts_.secrets_dir;
}

std::string Orchestrator::tls_ca_file() const {
    if (!opts_.tls) return "";
    return launch::tls_ca_file_of(secrets_dir());
}

int Orchestrator::primary_of(int server) const {
    return server < opts_.db_nodes ? -1 : server % opts_.db_nodes;
}

int Orchestrator::host_index(int server, int n_hosts) const {
    if (n_hosts <= 0) return 0;
    if (n_hosts >= num_servers()) return server;  // a host each
    const int n = opts_.db_nodes;
    const int primary = server % n, copy = server / n;  // copy 0: the primary itself
    return (primary + copy) % n_hosts;
}

std::string Orchestrator::shard_name(int i) const {
    return opts_.db_identifier + "_" + std::to_string(i);
}

std::vector<std::string> Orchestrator::get_address() const {
    if (addresses_.empty())
        throw LaunchError("database " + opts_.db_identifier + " is not running");
    return addresses_;
}

bool Orchestrator::is_active() const {
    if (addresses_.empty()) return false;
    launch::DbAuth auth;
    try {
        auth = launch::admin_auth(secrets_dir(), opts_.tls);
    } catch (const std::exception&) {
        return false;  // no secrets: not a database this driver can use
    }
    for (const auto& a : addresses_) {
        auto r = launch::db_command(a, {"PING"}, 1000, auth);
        if (!r || !r->is_status("PONG")) return false;
        if (is_clustered()) {
            auto info = launch::db_command(a, {"CLUSTER", "INFO"}, 1000, auth);
            if (!info || info->str.find("cluster_state:ok") == std::string::npos) return false;
        }
    }
    return true;
}

void Orchestrator::set_db_conf(const std::string& key, const std::string& value) {
    auto auth = launch::admin_auth(secrets_dir(), opts_.tls);
    for (const auto& a : get_address()) {
        auto r = launch::db_command(a, {"CONFIG", "SET", key, value}, 5000, auth);
        if (!r) throw LaunchError("database shard " + a + " did not answer CONFIG SET " + key);
        if (r->is_error())
            throw LaunchError("database shard " + a + ": CONFIG SET " + key + " " + value + ": " +
                              r->str);
    }
}

void Orchestrator::enable_checkpoints(int frequency) {
    if (frequency < 1) throw ConfigError("enable_checkpoints: frequency must be >= 1 s");
    set_db_conf("save", std::to_string(frequency) + " 1");
}

void Orchestrator::set_max_memory(const std::string& mem) {
    set_db_conf("maxmemory", mem);
}

void Orchestrator::set_eviction_strategy(const std::string& policy) {
    set_db_conf("maxmemory-policy", policy);
}

void Orchestrator::set_max_clients(int clients) {
    if (clients < 1) throw ConfigError("set_max_clients: must be >= 1");
    set_db_conf("maxclients", std::to_string(clients));
}

void Orchestrator::set_max_message_size(std::int64_t bytes) {
    if (bytes < 1024 * 1024) throw ConfigError("set_max_message_size: at least 1 MiB");
    set_db_conf("proto-max-bulk-len", std::to_string(bytes));
}

}  // namespace insitu
