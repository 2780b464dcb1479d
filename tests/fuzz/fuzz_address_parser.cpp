// libFuzzer target: SSDB address-list parsing. A parsed address must print and re-parse to itself
// (without its credentials, which to_string() never prints).
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "core/address.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    try {
        for (auto a : insitu::core::parse_address_list(in)) {
            a.user.clear();
            a.password.reset();
            if (insitu::core::parse_address(a.to_string()) != a) __builtin_trap();
        }
    } catch (const std::invalid_argument&) {
    }
    return 0;
}
