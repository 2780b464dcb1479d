#include "core/address.h"

#include <cctype>
#include <stdexcept>

#include "core/text.h"

namespace insitu::core {
namespace {

[[noreturn]] void bad(std::string_view text, std::string_view why) {
    throw std::invalid_argument("invalid database address '" + std::string(text) +
                                "': " + std::string(why));
}

bool allowed_char(char c) {
    // The peer's rule (alphanumerics and .:,/_-) plus brackets for IPv6 literals.
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '/' ||
           c == '_' || c == '-' || c == '[' || c == ']';
}

}  // namespace

std::string Address::to_string() const {
    if (kind == Kind::unix_socket) return "unix://" + path;
    if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
    return host + ":" + std::to_string(port);
}

Address parse_address(std::string_view text) {
    for (char c : text)
        if (!allowed_char(c)) bad(text, "unexpected character");
    Address a;
    std::string_view rest = text;
    if (rest.starts_with("unix://")) {
        a.kind = Address::Kind::unix_socket;
        a.path = std::string(rest.substr(7));
        if (a.path.empty() || a.path[0] != '/') bad(text, "a Unix socket path must be absolute");
        return a;
    }
    if (rest.starts_with("tcp://")) rest.remove_prefix(6);
    std::string_view host, port;
    if (!rest.empty() && rest[0] == '[') {
        auto close = rest.find(']');
        if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
            bad(text, "expected [ipv6]:port");
        host = rest.substr(1, close - 1);
        port = rest.substr(close + 2);
    } else {
        auto colon = rest.rfind(':');
        if (colon == std::string_view::npos) bad(text, "missing ':port'");
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) bad(text, "IPv6 hosts need brackets");
    }
    if (host.empty()) bad(text, "empty host");
    auto p = parse_ll(port);
    if (!p || *p < 1 || *p > 65535) bad(text, "port must be a number in 1..65535");
    a.host = std::string(host);
    a.port = static_cast<int>(*p);
    return a;
}

std::vector<Address> parse_address_list(std::string_view ssdb) {
    std::vector<Address> out;
    while (!ssdb.empty()) {
        auto comma = ssdb.find(',');
        std::string_view item = ssdb.substr(0, comma);
        // Tolerate surrounding blanks, which shells and config files add.
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front())))
            item.remove_prefix(1);
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back())))
            item.remove_suffix(1);
        if (!item.empty()) out.push_back(parse_address(item));
        if (comma == std::string_view::npos) break;
        ssdb.remove_prefix(comma + 1);
    }
    if (out.empty()) throw std::invalid_argument("no database address given (SSDB is empty)");
    return out;
}

}  // namespace insitu::core
