// Redis Cluster key hashing: CRC16 (XMODEM) of the key, or of its {hash tag}, mod 16384.
#pragma once

#include <cstdint>
#include <string_view>

namespace insitu::core {

inline constexpr int k_cluster_slots = 16384;

std::uint16_t crc16(std::string_view data) noexcept;

// The slot of a key, honouring the first non-empty {...} hash tag.
int hash_slot(std::string_view key) noexcept;

// The part of the key that is hashed (the hash tag if present, else the whole key).
std::string_view hashed_part(std::string_view key) noexcept;

}  // namespace insitu::core
