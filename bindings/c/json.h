// Minimal JSON writing for the admin calls' string maps (values are always strings).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>

namespace insitu::capi {

inline void json_string(std::string& out, std::string_view s) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
}

// {"k": "v", ...} from any map of string to string.
template <class Map>
std::string json_object(const Map& m) {
    std::string out = "{";
    bool first = true;
    for (const auto& [k, v] : m) {
        if (!first) out += ", ";
        first = false;
        json_string(out, k);
        out += ": ";
        if constexpr (std::is_convertible_v<decltype(v), std::string_view>)
            json_string(out, v);
        else
            out += json_object(v);
    }
    return out + "}";
}

}  // namespace insitu::capi
