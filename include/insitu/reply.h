// A database reply as parsed from RESP (RESP2, plus the RESP3 types a server may send).
// Returned by Client::run_command for commands insitu has no typed call for.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace insitu {

struct Reply {
    enum class Type {
        bulk,
        status,
        error,
        integer,
        nil,
        array,
        dbl,
        boolean,
        map,
        set,
        big_number
    };
    Type type = Type::nil;
    std::string str;              // bulk, status, error, dbl/big_number text
    long long integer = 0;        // integer, boolean
    std::vector<Reply> elements;  // array, set; map as key,value,key,value...

    bool is_error() const { return type == Type::error; }
    bool is_status(std::string_view s) const { return type == Type::status && str == s; }
    std::string_view text() const { return str; }
};

// Human-readable rendering, redis-cli style, for logs and the CLI.
std::string to_display(const Reply& r, int indent = 0);

}  // namespace insitu
