// One command to one database node over a fresh connection, with a deadline: what the launcher
// needs for readiness checks, cluster formation, CONFIG SET and SHUTDOWN, independent of the
// client library's retry policy (a dead shard must fail fast here, not after SR_CONN_TIMEOUT).
#pragma once

#include <insitu/reply.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tls/tls_stream.h"

namespace insitu::launch {

// Credentials for the launcher's own connections (the admin ACL user); empty: none (an insecure
// database).
struct DbAuth {
    DbAuth() = default;
    DbAuth(std::string u, std::string p, std::string ca = "")
        : user(std::move(u)), password(std::move(p)), tls_ca(std::move(ca)) {}
    std::string user;
    std::string password;
    // When the database serves TLS only: the experiment's CA file and a client context built from
    // it once (null: plaintext). The launcher checks the chain, not the host name: only this
    // database's servers hold a certificate of this CA.
    std::string tls_ca;
    std::shared_ptr<const tls::ClientContext> tls;
    bool empty() const { return password.empty(); }
};

// `address` is "host:port" or "unix:///path". Returns nullopt when the node cannot be reached or
// does not answer within timeout_ms; server errors come back as Reply::Type::error. With `auth`,
// AUTH goes first on the same connection and its error (WRONGPASS) is the reply.
std::optional<Reply> db_command(const std::string& address, const std::vector<std::string>& args,
                                int timeout_ms = 2000, const DbAuth& auth = {});

// One connection kept for several commands (the telemetry monitor samples every shard each
// second: a connection, TLS handshake and AUTH per command would cost the server more than the
// sample). Not thread-safe; a failed command closes it (open again to retry).
class DbSession {
  public:
    DbSession();
    ~DbSession();
    DbSession(DbSession&&) noexcept;
    DbSession& operator=(DbSession&&) noexcept;
    // Connects (TLS and AUTH per `auth`) within timeout_ms. Returns +OK, AUTH's error reply
    // (the session is then closed) or nullopt when the node cannot be reached.
    std::optional<Reply> open(const std::string& address, int timeout_ms, const DbAuth& auth);
    bool is_open() const { return state_ != nullptr; }
    // nullopt when closed, on a timeout or a broken connection (which closes the session).
    std::optional<Reply> command(const std::vector<std::string>& args, int timeout_ms = 2000);

  private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace insitu::launch
