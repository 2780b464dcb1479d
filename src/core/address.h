// Database addresses as given in SSDB: "host:port", "tcp://host:port", "redis://host:port",
// "rediss://host:port" (TLS) or "unix:///socket/path", the URL forms optionally with credentials:
//   redis://user:password@host:port   redis://:password@host:port   redis://user@host:port
//   unix://user:password@/socket/path  unix://:password@/socket/path
// User name and password are percent-decoded (%40 for '@', %2C for ',', %25 for '%', ...).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace insitu::core {

struct Address {
    enum class Kind { tcp, unix_socket };
    Kind kind = Kind::tcp;
    std::string host;  // tcp: host name or IP (IPv6 in brackets is accepted, stored without)
    int port = 0;      // tcp only
    bool tls = false;  // given as rediss://
    std::string path;  // unix only
    // From the URL's user info, decoded. Never part of to_string() or of an error message.
    std::string user;                     // "" when the URL names none
    std::optional<std::string> password;  // absent when the URL gives none

    bool has_credentials() const { return !user.empty() || password.has_value(); }
    // "host:port" for TCP (the form CLUSTER SLOTS and the admin calls use), "unix://path" else;
    // without credentials.
    std::string to_string() const;
    bool operator==(const Address&) const = default;
};

// Parses one address. Throws std::invalid_argument with a message naming the bad address (with
// any password in it replaced by "***").
Address parse_address(std::string_view text);

// Parses a comma-separated SSDB value (empty entries are ignored; at least one is required).
// A ',' inside a password must be written %2C.
std::vector<Address> parse_address_list(std::string_view ssdb);

}  // namespace insitu::core
