// libFuzzer target: SSDB address-list parsing. A parsed address must print and re-parse to itself
// (without its credentials, which to_string() never prints), and its credentials, percent-encoded
// again in full, must parse back to the same user and password.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.h"

namespace {

// Every byte as %XX: the decoder must give back exactly the bytes, whatever they are.
std::string encode_all(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        out += '%';
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

// What the target built itself must parse: a refusal is a finding as much as a wrong result.
insitu::core::Address reparse(const std::string& text) {
    try {
        return insitu::core::parse_address(text);
    } catch (const std::invalid_argument&) {
        __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::vector<insitu::core::Address> parsed;
    try {
        parsed = insitu::core::parse_address_list(in);
    } catch (const std::invalid_argument&) {
        return 0;
    }
    for (auto a : parsed) {
        const std::string printed = a.to_string();
        if (a.has_credentials()) {
            std::string info = encode_all(a.user);
            if (a.password) info += ":" + encode_all(*a.password);
            const std::string url = a.kind == insitu::core::Address::Kind::unix_socket
                                        ? "unix://" + info + "@" + a.path
                                        : "redis://" + info + "@" + printed;
            if (reparse(url) != a) __builtin_trap();
        }
        a.user.clear();
        a.password.reset();
        if (a.to_string() != printed) __builtin_trap();  // credentials never printed
        if (reparse(printed) != a) __builtin_trap();
    }
    return 0;
}
