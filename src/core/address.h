// Database addresses as given in SSDB: "host:port", "tcp://host:port" or "unix:///socket/path".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace insitu::core {

struct Address {
    enum class Kind { tcp, unix_socket };
    Kind kind = Kind::tcp;
    std::string host;  // tcp: host name or IP (IPv6 in brackets is accepted, stored without)
    int port = 0;      // tcp only
    std::string path;  // unix only

    // "host:port" for TCP (the form CLUSTER SLOTS and the admin calls use), "unix://path" else.
    std::string to_string() const;
    bool operator==(const Address&) const = default;
};

// Parses one address. Throws std::invalid_argument with a message naming the bad address.
Address parse_address(std::string_view text);

// Parses a comma-separated SSDB value (empty entries are ignored; at least one is required).
std::vector<Address> parse_address_list(std::string_view ssdb);

}  // namespace insitu::core
