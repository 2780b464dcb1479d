#include "core/address.h"

#include <cctype>
#include <stdexcept>

#include "core/text.h"

namespace insitu::core {
namespace {

// What an error message may show of an address: never a password. Text after the last '@' (the
// host or socket path) is shown; `hide` hides everything (an entry of an SSDB that holds
// credentials may be the front half of a URL whose password contains an unencoded ',').
std::string shown(std::string_view text, bool hide) {
    if (hide) return "(not shown: SSDB holds credentials)";
    auto at = text.rfind('@');
    if (at == std::string_view::npos) return std::string(text);
    auto scheme = text.find("://");
    std::string out = scheme < at ? std::string(text.substr(0, scheme + 3)) : std::string();
    return out + "***@" + std::string(text.substr(at + 1));
}

[[noreturn]] void bad(std::string_view text, std::string_view why, bool hide) {
    throw std::invalid_argument("invalid database address '" + shown(text, hide) +
                                "': " + std::string(why));
}

bool allowed_char(char c) {
    // The peer's rule (alphanumerics and .:,/_-) plus brackets for IPv6 literals.
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '/' ||
           c == '_' || c == '-' || c == '[' || c == ']';
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        if (i + 2 >= s.size()) return std::nullopt;
        const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

// "user:password", "user" or ":password" (the text between "scheme://" and '@').
void set_credentials(Address& a, std::string_view info, std::string_view text, bool hide) {
    for (char c : info) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= ' ' || u == 0x7f || c == ',' || c == '@' || c == '/')
            bad(text,
                "a user name or password must be percent-encoded: write '@' as %40, ',' as %2C, "
                "'/' as %2F, '%' as %25 and no blanks or control characters",
                hide);
    }
    const auto colon = info.find(':');
    auto user = percent_decode(info.substr(0, colon));
    if (!user) bad(text, "bad percent-encoding in the user name", hide);
    a.user = std::move(*user);
    if (colon != std::string_view::npos) {
        auto password = percent_decode(info.substr(colon + 1));
        if (!password) bad(text, "bad percent-encoding in the password", hide);
        if (password->empty())
            bad(text, "empty password (leave out ':' for a user name alone)", hide);
        a.password = std::move(*password);
    }
    if (!a.has_credentials()) bad(text, "empty user name before '@'", hide);
}

Address parse_one(std::string_view text, bool hide) {
    Address a;
    std::string_view rest = text;
    if (rest.starts_with("unix://")) {
        rest.remove_prefix(7);
        // unix://user:password@/path: a path is absolute, so user info never starts with '/'.
        if (!rest.empty() && rest[0] != '/') {
            auto at = rest.find('@');
            if (at != std::string_view::npos) {
                set_credentials(a, rest.substr(0, at), text, hide);
                rest.remove_prefix(at + 1);
            }
        }
        for (char c : rest)
            if (!allowed_char(c)) bad(text, "unexpected character", hide);
        a.kind = Address::Kind::unix_socket;
        a.path = std::string(rest);
        if (a.path.empty() || a.path[0] != '/')
            bad(text, "a Unix socket path must be absolute", hide);
        return a;
    }
    bool url = false;
    for (std::string_view scheme : {"tcp://", "redis://", "rediss://"}) {
        if (rest.starts_with(scheme)) {
            rest.remove_prefix(scheme.size());
            url = true;
            a.tls = scheme == "rediss://";
            break;
        }
    }
    // Host names never hold '@': the last one ends the user info.
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
        if (!url) bad(text, "credentials need the URL form redis://user:password@host:port", hide);
        set_credentials(a, rest.substr(0, at), text, hide);
        rest.remove_prefix(at + 1);
    }
    for (char c : rest)
        if (!allowed_char(c)) bad(text, "unexpected character", hide);
    std::string_view host, port;
    if (!rest.empty() && rest[0] == '[') {
        auto close = rest.find(']');
        if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
            bad(text, "expected [ipv6]:port", hide);
        host = rest.substr(1, close - 1);
        port = rest.substr(close + 2);
    } else {
        auto colon = rest.rfind(':');
        if (colon == std::string_view::npos) bad(text, "missing ':port'", hide);
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) bad(text, "IPv6 hosts need brackets", hide);
    }
    if (host.empty()) bad(text, "empty host", hide);
    // Brackets only delimit an IPv6 host: one inside a host would not print back as parsed.
    if (host.find_first_of("[]") != std::string_view::npos)
        bad(text, "unexpected '[' or ']' in the host", hide);
    auto p = parse_ll(port);
    if (!p || *p < 1 || *p > 65535) bad(text, "port must be a number in 1..65535", hide);
    a.host = std::string(host);
    a.port = static_cast<int>(*p);
    return a;
}

}  // namespace

std::string Address::to_string() const {
    if (kind == Kind::unix_socket) return "unix://" + path;
    if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
    return host + ":" + std::to_string(port);
}

Address parse_address(std::string_view text) {
    return parse_one(text, false);
}

std::vector<Address> parse_address_list(std::string_view ssdb) {
    const bool has_credentials = ssdb.find('@') != std::string_view::npos;
    std::vector<Address> out;
    while (!ssdb.empty()) {
        auto comma = ssdb.find(',');
        std::string_view item = ssdb.substr(0, comma);
        // Tolerate surrounding blanks, which shells and config files add.
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front())))
            item.remove_prefix(1);
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back())))
            item.remove_suffix(1);
        if (!item.empty())
            out.push_back(
                parse_one(item, has_credentials && item.find('@') == std::string_view::npos));
        if (comma == std::string_view::npos) break;
        ssdb.remove_prefix(comma + 1);
    }
    if (out.empty()) throw std::invalid_argument("no database address given (SSDB is empty)");
    return out;
}

}  // namespace insitu::core
