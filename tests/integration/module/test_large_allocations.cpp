// The module's large-allocation tuning (issue #19; src/module/memory/large_allocations.h) on
// servers started by hand: no MALLOC_CONF in their environment.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "redis_server.h"

using insitu::Reply;
using insitu::testing::RawConnection;
using insitu::testing::RedisServer;

namespace {

constexpr std::size_t k_size = std::size_t{64} << 20;
constexpr long k_pages_per_blob = static_cast<long>(k_size / 4096);

std::string info_text(RawConnection& c, const std::string& section, const std::string& field) {
    Reply r = c.command({"INFO", section});
    std::istringstream in(r.str);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind(field + ":", 0) == 0) return line.substr(field.size() + 1);
    }
    return {};
}

long long info_ll(RawConnection& c, const std::string& section, const std::string& field) {
    std::string v = info_text(c, section, field);
    EXPECT_FALSE(v.empty()) << "no " << field << " in INFO " << section;
    return v.empty() ? -1 : std::stoll(v);
}

// Minor page faults of the server process so far (/proc/<pid>/stat, field 10).
long minor_faults(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::istringstream rest(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 10; ++i) rest >> field;
    return std::stol(field);
}

bool environ_has(pid_t pid, const std::string& var) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/environ");
    for (std::string entry; std::getline(f, entry, '\0');)
        if (entry.rfind(var + "=", 0) == 0) return true;
    return false;
}

std::string pattern(std::size_t n, unsigned seed) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed) >> 3);
    return s;
}

RedisServer::Options by_hand(std::vector<std::string> module_args,
                             std::vector<std::string> extra_args = {}) {
    RedisServer::Options o;
    o.by_hand = true;
    o.module_args = std::move(module_args);
    o.extra_args = std::move(extra_args);
    return o;
}

// The tuning needs the server's jemalloc 5.3 reachable (Debian's Redis 7 links the system
// libjemalloc, Valkey 8 bundles it prefixed); a server with another allocator (an ASan preload,
// KeyDB 6.3's jemalloc 5.2.1) keeps its behaviour and says so.
void require_tuning(RawConnection& c) {
    std::string state = info_text(c, "MODULES", "ai_large_alloc_tuning");
    ASSERT_FALSE(state.empty()) << "INFO MODULES has no ai_large_alloc_tuning";
    const std::string allocator = info_text(c, "memory", "mem_allocator");
    if (state == "unavailable" &&
        (std::getenv("INSITU_SERVER_PRELOAD") || allocator.rfind("jemalloc-5.3", 0) != 0))
        GTEST_SKIP() << "no reachable jemalloc 5.3 in this server (" << allocator << ")";
    ASSERT_EQ(state, "on");
}

// Server page faults over three 64 MiB put + unpack pairs after two warm-up pairs; the data
// round-trips every time.
long faults_of_three_pairs(RedisServer& server, RawConnection& c) {
    const std::string a = pattern(k_size, 1), b = pattern(k_size, 2);
    long before = 0;
    for (int i = 0; i < 5; ++i) {
        if (i == 2) before = minor_faults(server.pid());
        const std::string& blob = i % 2 ? a : b;
        EXPECT_TRUE(c.command({"AI.TENSORSET", "t", "UINT8", std::to_string(k_size), "BLOB", blob})
                        .is_status("OK"));
        Reply r = c.command({"AI.TENSORGET", "t", "BLOB"});
        EXPECT_EQ(r.str.size(), k_size);
        EXPECT_TRUE(r.str == blob) << "pair " << i << ": the tensor did not round-trip";
    }
    return minor_faults(server.pid()) - before;
}

TEST(LargeAllocations, HandStartedServerReusesLargeBuffers) {
    RedisServer tuned(by_hand({}));
    RedisServer untuned(by_hand({"LARGE_ALLOC_RETAIN_MS", "0"}));
    ASSERT_FALSE(environ_has(tuned.pid(), "MALLOC_CONF"));
    ASSERT_FALSE(environ_has(tuned.pid(), "JE_MALLOC_CONF"));
    auto c = tuned.connect();
    require_tuning(*c);
    if (IsSkipped() || HasFatalFailure()) return;
    EXPECT_EQ(info_ll(*c, "MODULES", "ai_large_alloc_retain_ms"), 10000);
    EXPECT_GE(info_ll(*c, "MODULES", "ai_large_alloc_arena"), 0);
    auto u = untuned.connect();
    EXPECT_EQ(info_text(*u, "MODULES", "ai_large_alloc_tuning"), "off");

    const long tuned_faults = faults_of_three_pairs(tuned, *c);
    const long untuned_faults = faults_of_three_pairs(untuned, *u);
    // Untuned, every query and reply buffer is faulted in afresh: 2 x 16384 pages per pair.
    // Tuned, they reuse pages already mapped: over three pairs, less than one untuned pair's
    // worth. (Usually under one buffer's; on a loaded machine the pairs take longer, jemalloc's
    // gradual release returns more meanwhile, and one buffer's worth was seen: 16388.)
    EXPECT_LT(tuned_faults, 2 * k_pages_per_blob) << "untuned: " << untuned_faults;
    EXPECT_GT(untuned_faults, tuned_faults);
}

// Blocks kept for reuse still go back to the kernel once unused: after DEL, used_memory drops at
// once and the arena's retained bytes within the retain time; with jemalloc's background thread
// off too (the module's timer then advances the decay).
class LargeAllocationsRelease : public ::testing::TestWithParam<const char*> {};

TEST_P(LargeAllocationsRelease, DeletedTensorIsReleased) {
    RedisServer server(
        by_hand({"LARGE_ALLOC_RETAIN_MS", "300"}, {"--jemalloc-bg-thread", GetParam()}));
    auto c = server.connect();
    require_tuning(*c);
    if (IsSkipped() || HasFatalFailure()) return;
    EXPECT_EQ(info_ll(*c, "MODULES", "ai_large_alloc_retain_ms"), 300);
    const long long used0 = info_ll(*c, "memory", "used_memory");
    {
        // Its own connection: closing it frees the query buffer Redis keeps for a next big
        // argument, which would otherwise stay in used_memory.
        auto w = server.connect();
        const std::string blob = pattern(k_size, 3);
        ASSERT_TRUE(w->command({"AI.TENSORSET", "t", "UINT8", std::to_string(k_size), "BLOB", blob})
                        .is_status("OK"));
        Reply r = w->command({"AI.TENSORGET", "t", "BLOB"});
        ASSERT_TRUE(r.str == blob);
    }
    Reply usage = c->command({"MEMORY", "USAGE", "t"});
    EXPECT_GE(usage.integer, static_cast<long long>(k_size));
    EXPECT_GE(info_ll(*c, "memory", "used_memory"), used0 + static_cast<long long>(k_size));
    const long long rss_with = info_ll(*c, "memory", "used_memory_rss");
    ASSERT_EQ(c->command({"DEL", "t"}).integer, 1);
    EXPECT_LT(info_ll(*c, "memory", "used_memory"), used0 + static_cast<long long>(k_size / 8));

    // used_memory_rss is sampled by the server's cron (every 100 ms or so, later on a loaded
    // machine): wait for both the held bytes and the sampled RSS to come down.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    const long long rss_goal = rss_with - static_cast<long long>(k_size / 2);
    long long dirty = -1, rss = -1;
    while (std::chrono::steady_clock::now() < deadline) {
        dirty = info_ll(*c, "MODULES", "ai_large_alloc_dirty_bytes");
        rss = info_ll(*c, "memory", "used_memory_rss");
        if (dirty >= 0 && dirty < (1 << 20) && rss < rss_goal) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_GE(dirty, 0);
    EXPECT_LT(dirty, 1 << 20) << "freed large blocks still held 10 s after DEL";
    EXPECT_LT(rss, rss_goal) << "RSS did not come down within 10 s of DEL";
}

INSTANTIATE_TEST_SUITE_P(BackgroundThread, LargeAllocationsRelease, ::testing::Values("yes", "no"));

}  // namespace
