// JSON text for the admin calls' string maps. nlohmann::json holds the values (objects with their
// keys sorted) and escapes every string; invalid UTF-8 (a server value can be any bytes) becomes
// U+FFFD instead of an exception. Only the layout is written here: the C API has always returned
// one line with a space after ':' and ',' ({"k": "v", ...}), which dump() cannot produce, and
// callers match on that text.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace insitu::capi {

inline void append_json(std::string& out, const nlohmann::json& value) {
    constexpr auto replace = nlohmann::json::error_handler_t::replace;
    if (!value.is_object()) {
        out += value.dump(-1, ' ', false, replace);
        return;
    }
    out += '{';
    bool first = true;
    for (const auto& [key, field] : value.items()) {
        if (!first) out += ", ";
        first = false;
        out += nlohmann::json(key).dump(-1, ' ', false, replace);
        out += ": ";
        append_json(out, field);
    }
    out += '}';
}

// {"k": "v", ...} (or {"k": {...}, ...}) from any map of string to string or to such maps, in
// byte order of the keys so that the text is stable for a given server state.
template <class Map>
std::string json_object(const Map& m) {
    std::string out;
    append_json(out, nlohmann::json(m));
    return out;
}

}  // namespace insitu::capi
