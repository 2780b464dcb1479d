#include "core/shard_prefix.h"

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

}  // namespace

std::string shard_prefix(int slot) {
    if (slot < 0 || slot >= k_cluster_slots)
        throw std::out_of_range("hash slot " + std::to_string(slot) + " is not in 0..16383");
    std::string out;
    // 62^3 strings cover every slot in practice; the binary alphabet below is the guarantee
    // (two bytes already reach every 16-bit CRC value, four of them per slot).
    for (std::size_t len = 1; len <= 3; ++len)
        if (search(k_alnum, len, slot, out)) return out;
    std::string bytes;
    for (int c = 1; c < 256; ++c)
        if (c != '{' && c != '}') bytes.push_back(static_cast<char>(c));
    for (std::size_t len = 2; len <= 3; ++len)
        if (search(bytes, len, slot, out)) return out;
    throw std::logic_error("no shard prefix found for hash slot " + std::to_string(slot));
}

std::string shard_prefixed_key(const std::string& prefix, const std::string& name) {
    return "{" + prefix + "}." + name;
}

}  // namespace insitu::core
