#include "module/memory/large_allocations.h"

#include <dlfcn.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace insitu::module {
namespace {

using mallctl_fn = int (*)(const char*, void*, std::size_t*, void*, std::size_t);

struct State {
    mallctl_fn mallctl = nullptr;
    const char* status = "off";  // on / off / unavailable (the log says why)
    long long retain_ms = 0;
    long long arena = -1;
    std::string prefix;  // "arena.<i>."
};

State& state() {
    static State s;
    return s;
}

template <typename T>
bool read_ctl(const std::string& name, T& out) {
    std::size_t n = sizeof(T);
    return state().mallctl(name.c_str(), &out, &n, nullptr, 0) == 0 && n == sizeof(T);
}

template <typename T>
bool write_ctl(const std::string& name, T value) {
    return state().mallctl(name.c_str(), nullptr, nullptr, &value, sizeof(T)) == 0;
}

// The mallctl of the jemalloc that RedisModule_Alloc ends in. A build with Redis's bundled
// jemalloc exports it prefixed, next to je_malloc, and then that is the one Redis calls (the
// process's plain malloc may be another allocator); Debian's redis-server links the system
// libjemalloc, whose unprefixed malloc is the process's. Both names must come from the same
// object: asking one jemalloc about another allocator's pointer is undefined.
mallctl_fn find_mallctl() {
    for (auto [ctl, alloc] :
         {std::pair{"je_mallctl", "je_malloc"}, std::pair{"mallctl", "malloc"}}) {
        void* c = dlsym(RTLD_DEFAULT, ctl);
        void* a = dlsym(RTLD_DEFAULT, alloc);
        Dl_info ci{}, ai{};
        if (c && a && dladdr(c, &ci) && dladdr(a, &ai) && ci.dli_fbase == ai.dli_fbase)
            return reinterpret_cast<mallctl_fn>(c);
    }
    return nullptr;
}

bool lookup_arena(void* p, unsigned& arena) {
    std::size_t n = sizeof(arena);
    return state().mallctl("arenas.lookup", &arena, &n, &p, sizeof(p)) == 0;
}

// Without jemalloc's background thread (Redis's jemalloc-bg-thread no) decay only advances when
// the arena allocates or frees; this keeps retained blocks of an idle server going back to the
// kernel on time.
void decay_timer(RedisModuleCtx* ctx, void*) {
    bool background = false;
    if (!read_ctl("background_thread", background) || !background)
        state().mallctl((state().prefix + "decay").c_str(), nullptr, nullptr, nullptr, 0);
    RedisModule_CreateTimer(ctx, 1000, decay_timer, nullptr);
}

}  // namespace

void tune_large_allocations(RedisModuleCtx* ctx, long long retain_ms) {
    State& s = state();
    s.retain_ms = retain_ms;
    if (retain_ms <= 0) return;  // LARGE_ALLOC_RETAIN_MS 0: the allocator as configured
    auto unavailable = [&](const char* why) {
        s.status = "unavailable";
        RedisModule_Log(ctx, "notice", "insitu: large allocations not tuned: %s", why);
    };
    s.mallctl = find_mallctl();
    if (!s.mallctl) return unavailable("the server's allocator is not a reachable jemalloc");

    // Where the server puts a 64 MiB block (the dedicated oversize arena, or the main thread's
    // own arena when opt.oversize_threshold is off), and its small allocations.
    constexpr std::size_t k_probe = std::size_t{64} << 20;
    void* big = RedisModule_Alloc(k_probe);
    void* small = RedisModule_Alloc(64);
    unsigned big_arena = 0, small_arena = 0;
    const bool found = lookup_arena(big, big_arena) && lookup_arena(small, small_arena);
    RedisModule_Free(small);
    RedisModule_Free(big);
    if (!found) return unavailable("arenas.lookup failed");
    s.prefix = "arena." + std::to_string(big_arena) + ".";

    // The oversize arena purges at once (dirty decay 0): give it a decay time. A shared arena
    // already has its own decay time, which the server's small objects live by: left as is.
    ssize_t decay = 0, old_decay = 0;
    if (!read_ctl(s.prefix + "dirty_decay_ms", old_decay))
        return unavailable("no arena dirty_decay_ms");
    decay = old_decay;
    if (big_arena != small_arena && old_decay >= 0 && old_decay < retain_ms) {
        decay = static_cast<ssize_t>(retain_ms);
        if (!write_ctl(s.prefix + "dirty_decay_ms", decay))
            return unavailable("cannot set the arena's dirty_decay_ms");
    }
    // Freed blocks at or above the arena's oversize threshold skip decay and are purged at once
    // (jemalloc 5.3's extent_record); lifting the threshold lets them decay like the others.
    if (!write_ctl(s.prefix + "oversize_threshold", SIZE_MAX)) {
        write_ctl(s.prefix + "dirty_decay_ms", old_decay);
        return unavailable("no arena oversize_threshold (jemalloc older than 5.3)");
    }
    s.status = "on";
    s.arena = big_arena;
    if (RedisModule_CreateTimer) RedisModule_CreateTimer(ctx, 1000, decay_timer, nullptr);
    RedisModule_Log(ctx, "notice",
                    "insitu: large allocations (jemalloc arena %u) kept for reuse, returned to "
                    "the kernel over %lld ms (LARGE_ALLOC_RETAIN_MS; 0 turns this off)",
                    big_arena, static_cast<long long>(decay));
}

void add_large_allocations_info(RedisModuleInfoCtx* ctx) {
    State& s = state();
    RedisModule_InfoAddSection(ctx, "large_allocations");
    RedisModule_InfoAddFieldCString(ctx, "large_alloc_tuning", s.status);
    RedisModule_InfoAddFieldLongLong(ctx, "large_alloc_retain_ms", s.retain_ms);
    RedisModule_InfoAddFieldLongLong(ctx, "large_alloc_arena", s.arena);
    // Freed pages the arena holds for reuse: resident, not in used_memory.
    long long dirty = -1;
    std::uint64_t epoch = 1;
    std::size_t pages = 0, page = 0;
    if (s.arena >= 0 && write_ctl("epoch", epoch) &&
        read_ctl("stats.arenas." + std::to_string(s.arena) + ".pdirty", pages) &&
        read_ctl("arenas.page", page))
        dirty = static_cast<long long>(pages * page);
    RedisModule_InfoAddFieldLongLong(ctx, "large_alloc_dirty_bytes", dirty);
}

}  // namespace insitu::module
