// engine::ShmArena in-process: blocks do not overlap, tags are unique and zeroed on release,
// freed blocks are reused warm (same offset) within the retention budget and punched out beyond
// it, neighbours coalesce, a full arena says so, and another mapping of the memfd sees the bytes.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstring>
#include <set>

#include "engine/shm_arena.h"

using insitu::engine::ShmArena;

namespace {
std::uint64_t tag_at(const ShmArena& a, std::size_t offset) {
    return reinterpret_cast<const std::uint64_t*>(
        a.base())[(offset - a.data_start()) / ShmArena::k_page];
}
}  // namespace

TEST(ShmArena, BlocksAreDisjointPageAlignedAndTagged) {
    ShmArena a(64 << 20, 0);
    std::set<std::uint64_t> tags;
    std::vector<ShmArena::Block> blocks;
    for (std::size_t n : {1, 4096, 4097, 100000, 1 << 20}) {
        auto b = a.allocate(n);
        ASSERT_TRUE(b);
        EXPECT_GE(b->size, n);
        EXPECT_EQ(b->offset % ShmArena::k_page, 0u);
        EXPECT_GE(b->offset, a.data_start());
        EXPECT_NE(b->tag, 0u);
        EXPECT_EQ(tag_at(a, b->offset), b->tag);
        tags.insert(b->tag);
        for (const auto& o : blocks)
            EXPECT_TRUE(b->offset + b->size <= o.offset || o.offset + o.size <= b->offset);
        blocks.push_back(*b);
    }
    EXPECT_EQ(tags.size(), blocks.size());
    EXPECT_EQ(a.stats().blocks, blocks.size());
    auto found = a.find(blocks[2].offset, blocks[2].tag);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->size, blocks[2].size);
    EXPECT_FALSE(a.find(blocks[2].offset, blocks[2].tag + 1));
    a.release(blocks[2].offset);
    EXPECT_EQ(tag_at(a, blocks[2].offset), 0u);  // readers see the release
    EXPECT_FALSE(a.find(blocks[2].offset, blocks[2].tag));
}

TEST(ShmArena, FreedBlocksAreReusedWarmWithinTheBudgetAndPunchedBeyondIt) {
    ShmArena a(64 << 20, 2 << 20);
    auto b1 = a.allocate(1 << 20);
    std::memset(a.base() + b1->offset, 1, 1 << 20);
    std::size_t resident = a.stats().resident;
    EXPECT_GE(resident, std::size_t{1} << 20);
    a.release(b1->offset);
    EXPECT_EQ(a.stats().retained_free, std::size_t{1} << 20);
    auto b2 = a.allocate(1 << 20);
    EXPECT_EQ(b2->offset, b1->offset);  // the warm block again
    EXPECT_NE(b2->tag, b1->tag);
    EXPECT_EQ(a.stats().retained_free, 0u);
    // 4 MiB freed with a 2 MiB budget: punched, its memory back to the kernel.
    auto big = a.allocate(4 << 20);
    std::memset(a.base() + big->offset, 2, 4 << 20);
    std::size_t before = a.stats().resident;
    a.release(big->offset);
    EXPECT_LE(a.stats().resident + (4 << 20), before + ShmArena::k_page);
    a.release(b2->offset);
    EXPECT_EQ(a.stats().used, 0u);
}

TEST(ShmArena, NeighboursCoalesceAndAFullArenaSaysSo) {
    ShmArena a(1 << 20, 1 << 20);
    auto x = a.allocate(512 << 10), y = a.allocate(512 << 10);
    ASSERT_TRUE(x && y);
    EXPECT_FALSE(a.allocate(1));
    a.release(x->offset);
    a.release(y->offset);
    auto whole = a.allocate(1 << 20);  // only possible if the two freed halves merged
    ASSERT_TRUE(whole);
    EXPECT_EQ(whole->offset, x->offset);
}

TEST(ShmArena, AnotherMappingOfTheMemfdSeesTheBytes) {
    ShmArena a(1 << 20, 0);
    auto b = a.allocate(8192);
    std::memcpy(a.base() + b->offset, "tensor bytes", 12);
    void* p = mmap(nullptr, a.mapping_size(), PROT_READ, MAP_SHARED, a.fd(), 0);
    ASSERT_NE(p, MAP_FAILED);
    EXPECT_EQ(std::memcmp(static_cast<char*>(p) + b->offset, "tensor bytes", 12), 0);
    munmap(p, a.mapping_size());
}

TEST(ShmArena, FrozenArenaSetsReleasedBlocksAsideUntilThawed) {
    ShmArena a(4 << 20, 0);  // no retention: a recycled block would be punched (zeroed)
    auto b = a.allocate(1 << 20);
    std::memset(a.base() + b->offset, 7, 1 << 20);
    a.freeze();  // a fork child is writing a snapshot that includes b
    a.release(b->offset);
    EXPECT_EQ(a.base()[b->offset + 12345], 7);  // bytes kept for the child
    auto c = a.allocate(1 << 20);
    EXPECT_NE(c->offset, b->offset);  // not reused while frozen
    a.thaw();
    EXPECT_EQ(a.base()[b->offset + 12345], 0);  // recycled now (punched: no retention)
    auto d = a.allocate(1 << 20);
    EXPECT_EQ(d->offset, b->offset);
}
