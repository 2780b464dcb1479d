// Small string helpers shared by the module's argument parsers and the client.
#pragma once

#include <cctype>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace insitu::core {

// ASCII case folding, as the protocol's keywords are ASCII: inline, where std::tolower is a
// locale-aware library call per character (visible in the module's per-command profile).
constexpr char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
constexpr char ascii_upper(char c) noexcept {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

inline bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

inline std::string to_upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = ascii_upper(c);
    return out;
}

// Whole-string decimal parse; no sign for unsigned, no whitespace, no trailing bytes.
inline std::optional<long long> parse_ll(std::string_view s) noexcept {
    long long v = 0;
    if (s.empty()) return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return v;
}

inline std::optional<unsigned long long> parse_ull(std::string_view s) noexcept {
    unsigned long long v = 0;
    if (s.empty() || s[0] == '-') return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return v;
}

// Parses a double the way Redis does (strtod over the whole string, no NaN).
std::optional<double> parse_double(std::string_view s) noexcept;

}  // namespace insitu::core
