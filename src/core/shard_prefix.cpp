#include "core/shard_prefix.h"

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "core/hash_slot.h"

namespace insitu::core {
namespace {

constexpr std::string_view k_alnum =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

bool matches(const std::string& s, int slot) {
    return (crc16(s) & (k_cluster_slots - 1)) == slot;
}

// Every string of `len` characters drawn from `alphabet`, in lexicographic order of indexes.
bool search(std::string_view alphabet, std::size_t len, int slot, std::string& out) {
    std::string s(len, alphabet[0]);
    std::vector<std::size_t> idx(len, 0);
    while (true) {
        if (matches(s, slot)) {
            out = s;
            return true;
        }
        std::size_t pos = len;
        while (pos > 0) {
            --pos;
            if (++idx[pos] < alphabet.size()) {
                s[pos] = alphabet[idx[pos]];
                break;
            }
            idx[pos] = 0;
            s[pos] = alphabet[0];
            if (pos == 0) return false;
        }
    }
}

// The two bytes (high byte first) whose CRC16 is each 16-bit value, built once.
const std::array<std::uint16_t, 65536>& crc_inverse() {
    static const auto table = [] {
        std::array<std::uint16_t, 65536> t{};
        for (unsigned v = 0; v < 65536; ++v) {
            const char pair[2] = {static_cast<char>(v >> 8), static_cast<char>(v & 0xff)};
            t[crc16(std::string_view(pair, 2))] = static_cast<std::uint16_t>(v);
        }
        return t;
    }();
    return table;
}

}  // namespace

std::string shard_prefix(int slot) {
    if (slot < 0 || slot >= k_cluster_slots)
        throw std::out_of_range("hash slot " + std::to_string(slot) + " is not in 0..16383");
    const std::uint16_t v = crc_inverse()[static_cast<std::size_t>(slot)];
    std::string out{static_cast<char>(v >> 8), static_cast<char>(v & 0xff)};
    if (out.find_first_of("{}") == std::string::npos) return out;
    for (std::size_t len = 1; len <= 3; ++len)
        if (search(k_alnum, len, slot, out)) return out;
    throw std::logic_error("no shard prefix found for hash slot " + std::to_string(slot));
}

std::string shard_prefixed_key(const std::string& prefix, const std::string& name) {
    return "{" + prefix + "}." + name;
}

std::string printable_key(std::string_view key) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : key) {
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out.push_back(static_cast<char>(c));
        } else {
            out += "\\x";
            out.push_back(k_hex[c >> 4]);
            out.push_back(k_hex[c & 0xf]);
        }
    }
    return out;
}

}  // namespace insitu::core
