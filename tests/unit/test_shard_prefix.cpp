// Per-shard prefixes: every slot gets a short brace-free prefix whose hash tag lands on it,
// checked with a bit-by-bit CRC16/XMODEM written here (not the library's table version).
#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <string>

#include "core/hash_slot.h"
#include "core/shard_prefix.h"

namespace {

int slot_by_hand(const std::string& s) {
    std::uint16_t crc = 0;
    for (unsigned char c : s) {
        crc ^= static_cast<std::uint16_t>(c << 8);
        for (int b = 0; b < 8; ++b)
            crc = (crc & 0x8000) ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021)
                                 : static_cast<std::uint16_t>(crc << 1);
    }
    return crc % 16384;
}

}  // namespace

TEST(ShardPrefix, EverySlotGetsAShortBraceFreePrefixThatHashesToIt) {
    for (int slot = 0; slot < 16384; ++slot) {
        std::string p = insitu::core::shard_prefix(slot);
        ASSERT_FALSE(p.empty()) << slot;
        ASSERT_LE(p.size(), 3u) << slot;
        ASSERT_EQ(p.find_first_of("{}"), std::string::npos) << slot;
        ASSERT_EQ(slot_by_hand(p), slot) << "prefix '" << p << "'";
        // Redis hashes only the tag, whatever follows it.
        ASSERT_EQ(slot_by_hand(p), insitu::core::hash_slot("{" + p + "}.model.GPU:3")) << slot;
    }
}

TEST(ShardPrefix, IsDeterministicAndReadable) {
    EXPECT_EQ(insitu::core::shard_prefix(0), insitu::core::shard_prefix(0));
    EXPECT_EQ(insitu::core::shard_prefix(16383), insitu::core::shard_prefix(16383));
    // Slots covered by alphanumeric strings use them (all of them, in practice).
    int readable = 0;
    for (int slot : {0, 1, 5461, 5462, 10922, 10923, 16383}) {
        std::string p = insitu::core::shard_prefix(slot);
        bool alnum = true;
        for (char c : p) alnum = alnum && std::isalnum(static_cast<unsigned char>(c));
        readable += alnum;
    }
    EXPECT_EQ(readable, 7);
}

TEST(ShardPrefix, KeysBuiltFromThePrefixLandOnTheSlot) {
    const std::string p = insitu::core::shard_prefix(5461);
    const std::string key = insitu::core::shard_prefixed_key(p, "mymodel");
    EXPECT_EQ(key, "{" + p + "}.mymodel");
    EXPECT_EQ(insitu::core::hash_slot(key), 5461);
}

TEST(ShardPrefix, RejectsSlotsOutsideTheCluster) {
    EXPECT_THROW(insitu::core::shard_prefix(-1), std::out_of_range);
    EXPECT_THROW(insitu::core::shard_prefix(16384), std::out_of_range);
}
