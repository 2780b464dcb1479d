#include "core/hash_slot.h"

#include <array>

namespace insitu::core {
namespace {

// Table for CRC16/XMODEM (poly 0x1021, init 0), generated at compile time.
constexpr std::array<std::uint16_t, 256> make_table() {
    std::array<std::uint16_t, 256> t{};
    for (int i = 0; i < 256; ++i) {
        std::uint16_t crc = static_cast<std::uint16_t>(i << 8);
        for (int b = 0; b < 8; ++b)
            crc = (crc & 0x8000) ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021)
                                 : static_cast<std::uint16_t>(crc << 1);
        t[static_cast<std::size_t>(i)] = crc;
    }
    return t;
}
constexpr auto k_table = make_table();

}  // namespace

std::uint16_t crc16(std::string_view data) noexcept {
    std::uint16_t crc = 0;
    for (unsigned char c : data)
        crc = static_cast<std::uint16_t>((crc << 8) ^ k_table[((crc >> 8) ^ c) & 0xff]);
    return crc;
}

std::string_view hashed_part(std::string_view key) noexcept {
    auto open = key.find('{');
    if (open == std::string_view::npos) return key;
    auto close = key.find('}', open + 1);
    if (close == std::string_view::npos || close == open + 1) return key;
    return key.substr(open + 1, close - open - 1);
}

int hash_slot(std::string_view key) noexcept {
    return crc16(hashed_part(key)) & (k_cluster_slots - 1);
}

}  // namespace insitu::core
