// Per-shard prefixes: every slot gets a short brace-free prefix whose hash tag lands on it,
// checked with a bit-by-bit CRC16/XMODEM written here (not the library's table version).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

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

TEST(ShardPrefix, IsSmartRedisTwoBytePrefixWhereverThatHasNoBrace) {
    // SmartRedis inverts the CRC: its prefix is the one byte pair whose full 16-bit CRC16 equals
    // the slot, e.g. two zero bytes for slot 0. Inverse table built here by brute force.
    std::vector<std::string> inverse(65536);
    for (unsigned v = 0; v < 65536; ++v) {
        std::string pair{static_cast<char>(v >> 8), static_cast<char>(v & 0xff)};
        std::uint16_t crc = 0;
        for (unsigned char c : pair) {
            crc ^= static_cast<std::uint16_t>(c << 8);
            for (int b = 0; b < 8; ++b)
                crc = (crc & 0x8000) ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021)
                                     : static_cast<std::uint16_t>(crc << 1);
        }
        inverse[crc] = pair;
    }
    EXPECT_EQ(insitu::core::shard_prefix(0), std::string("\0\0", 2));
    int pairs = 0;
    for (int slot = 0; slot < 16384; ++slot) {
        const std::string& peer = inverse[static_cast<std::size_t>(slot)];
        if (peer.find_first_of("{}") != std::string::npos) {
            EXPECT_NE(insitu::core::shard_prefix(slot), peer) << slot;
            continue;
        }
        ASSERT_EQ(insitu::core::shard_prefix(slot), peer) << slot;
        ++pairs;
    }
    // Only pairs containing '{' or '}' (about 2 in 256) need the readable fallback.
    EXPECT_GT(pairs, 16000);
    EXPECT_LT(pairs, 16384);
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

TEST(ShardPrefix, PrintableKeysEscapeBinaryPrefixes) {
    EXPECT_EQ(insitu::core::printable_key(std::string("{\0\xff}.m", 6)), "{\\x00\\xff}.m");
    EXPECT_EQ(insitu::core::printable_key("a\\b"), "a\\x5cb");
    EXPECT_EQ(insitu::core::printable_key("plain.key"), "plain.key");
}
