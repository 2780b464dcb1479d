#include "module/shm/shm_store.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <system_error>
#include <unordered_map>

namespace insitu::module {
namespace {

struct State {
    std::mutex mu;  // KeyDB runs commands on several threads
    std::shared_ptr<engine::ShmArena> arena;
    std::string create_error;
    std::unordered_map<unsigned long long, engine::ShmArena::Block> pending;  // one per client
    std::atomic<long long> puts{0}, gets{0};
    bool subscribed = false;
    int children = 0;  // fork children alive (their snapshots may include arena tensors)
    bool backlog_events = false, config_events = false;
    std::optional<bool> backlog;
    std::chrono::steady_clock::time_point backlog_checked;
    std::optional<long long> bulk_limit;
};

State& state() {
    static State s;
    return s;
}

void on_client_change(RedisModuleCtx*, RedisModuleEvent, uint64_t subevent, void* data) {
    if (subevent != REDISMODULE_SUBEVENT_CLIENT_CHANGE_DISCONNECTED || !data) return;
    auto id = static_cast<const RedisModuleClientInfoV1*>(data)->id;
    std::size_t offset = 0;
    std::shared_ptr<engine::ShmArena> arena;
    {
        std::lock_guard lock(state().mu);
        auto it = state().pending.find(id);
        if (it == state().pending.end()) return;
        offset = it->second.offset;
        state().pending.erase(it);
        arena = state().arena;
    }
    // A client that died between AI._SHMALLOC and its AI.TENSORSET leaks nothing.
    arena->release(offset);
}

void on_replication_change(RedisModuleCtx*, RedisModuleEvent, uint64_t, void*) {
    std::lock_guard lock(state().mu);
    state().backlog.reset();
}

void on_config_change(RedisModuleCtx*, RedisModuleEvent, uint64_t, void*) {
    std::lock_guard lock(state().mu);
    state().bulk_limit.reset();
}

void on_fork_child(RedisModuleCtx*, RedisModuleEvent, uint64_t subevent, void*) {
    std::lock_guard lock(state().mu);
    state().backlog.reset();
    if (subevent == REDISMODULE_SUBEVENT_FORK_CHILD_BORN) {
        ++state().children;
        if (state().arena) state().arena->freeze();
    } else if (subevent == REDISMODULE_SUBEVENT_FORK_CHILD_DIED && state().children > 0) {
        --state().children;
        if (state().arena) state().arena->thaw();
    }
}

std::size_t host_memory() {
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && size > 0 ? static_cast<std::size_t>(pages) * static_cast<std::size_t>(size)
                                 : std::size_t{1} << 34;
}

}  // namespace

ShmSettings& shm_settings() {
    static ShmSettings s;
    return s;
}

ShmBlob::ShmBlob(std::shared_ptr<engine::ShmArena> arena, engine::ShmArena::Block block,
                 std::size_t nbytes)
    : arena_(std::move(arena)), block_(block) {
    data_ = arena_->base() + block_.offset;
    size_ = nbytes;
}

ShmBlob::~ShmBlob() {
    arena_->release(block_.offset);
}

std::string shm_unavailable_reason(RedisModuleCtx* ctx) {
    if (!shm_settings().enabled) return "turned off (module argument SHM OFF)";
    if (!RedisModule_GetClientId || !state().subscribed)
        return "this server's module API lacks client ids or client/fork events";
    // Tensors in the arena are not in used_memory: eviction could not see them.
    if (RedisModule_GetContextFlags(ctx) & REDISMODULE_CTX_FLAGS_MAXMEMORY)
        return "maxmemory is set (tensors must count in used_memory)";
    std::lock_guard lock(state().mu);
    if (!state().arena && state().create_error.empty()) {
        try {
            std::size_t cap = shm_settings().capacity ? shm_settings().capacity : host_memory();
            state().arena = std::make_shared<engine::ShmArena>(cap, shm_settings().retain);
            for (int i = 0; i < state().children; ++i) state().arena->freeze();
        } catch (const std::system_error& e) {
            state().create_error = std::string("cannot create the arena: ") + e.what();
        }
    }
    return state().arena ? std::string() : state().create_error;
}

std::shared_ptr<engine::ShmArena> shm_arena() {
    std::lock_guard lock(state().mu);
    return state().arena;
}

void shm_add_pending(unsigned long long client, const engine::ShmArena::Block& b) {
    std::optional<engine::ShmArena::Block> stale;
    std::shared_ptr<engine::ShmArena> arena;
    {
        std::lock_guard lock(state().mu);
        auto [it, inserted] = state().pending.try_emplace(client, b);
        if (!inserted) {
            stale = it->second;
            it->second = b;
        }
        arena = state().arena;
    }
    // One uncommitted block per client: an earlier one was abandoned (its AI.TENSORSET failed,
    // was redirected to another shard, or never came), so it goes back to the arena now.
    if (stale) arena->release(stale->offset);
}

std::optional<engine::ShmArena::Block> shm_take_pending(unsigned long long client,
                                                        std::size_t offset, std::uint64_t tag) {
    std::lock_guard lock(state().mu);
    auto it = state().pending.find(client);
    if (it == state().pending.end() || it->second.offset != offset || it->second.tag != tag)
        return std::nullopt;
    auto out = it->second;
    state().pending.erase(it);
    return out;
}

std::optional<bool> shm_cached_backlog() {
    std::lock_guard lock(state().mu);
    auto& st = state();
    if (!st.backlog_events || !st.backlog) return std::nullopt;
    if (*st.backlog &&
        std::chrono::steady_clock::now() - st.backlog_checked > std::chrono::seconds(10))
        st.backlog.reset();  // maybe freed by repl-backlog-ttl: look again
    return st.backlog;
}

bool shm_backlog_cacheable() {
    std::lock_guard lock(state().mu);
    return state().backlog_events;
}

void shm_cache_backlog(bool active) {
    std::lock_guard lock(state().mu);
    state().backlog = active;
    state().backlog_checked = std::chrono::steady_clock::now();
}

std::optional<long long> shm_cached_bulk_limit() {
    std::lock_guard lock(state().mu);
    if (!state().config_events) return std::nullopt;
    return state().bulk_limit;
}

void shm_cache_bulk_limit(long long v) {
    std::lock_guard lock(state().mu);
    if (v > 0) state().bulk_limit = v;
}

void shm_count_put() {
    ++state().puts;
}
void shm_count_get() {
    ++state().gets;
}

void init_shm(RedisModuleCtx* ctx) {
    if (!RedisModule_SubscribeToServerEvent || !RedisModule_GetClientId) return;
    // Both or nothing: without fork events a BGSAVE could write a block reused after the fork.
    RedisModuleEvent clients{REDISMODULE_EVENT_CLIENT_CHANGE, 1};
    RedisModuleEvent forks{REDISMODULE_EVENT_FORK_CHILD, 1};
    state().subscribed =
        RedisModule_SubscribeToServerEvent(ctx, clients, on_client_change) == REDISMODULE_OK &&
        RedisModule_SubscribeToServerEvent(ctx, forks, on_fork_child) == REDISMODULE_OK;
    RedisModuleEvent role{REDISMODULE_EVENT_REPLICATION_ROLE_CHANGED, 1};
    RedisModuleEvent replicas{REDISMODULE_EVENT_REPLICA_CHANGE, 1};
    RedisModuleEvent config{REDISMODULE_EVENT_CONFIG, 1};
    state().backlog_events =
        state().subscribed &&
        RedisModule_SubscribeToServerEvent(ctx, role, on_replication_change) == REDISMODULE_OK &&
        RedisModule_SubscribeToServerEvent(ctx, replicas, on_replication_change) == REDISMODULE_OK;
    state().config_events =
        RedisModule_SubscribeToServerEvent(ctx, config, on_config_change) == REDISMODULE_OK;
}

void add_shm_info(RedisModuleInfoCtx* ctx) {
    RedisModule_InfoAddSection(ctx, "shm");
    RedisModule_InfoAddFieldCString(ctx, "shm_path", shm_settings().enabled ? "on" : "off");
    auto arena = shm_arena();
    engine::ShmArena::Stats s;
    if (arena) s = arena->stats();
    std::size_t pending_blocks = 0;
    {
        std::lock_guard lock(state().mu);
        pending_blocks = state().pending.size();
    }
    auto field = [&](const char* name, std::size_t v) {
        RedisModule_InfoAddFieldLongLong(ctx, name, static_cast<long long>(v));
    };
    field("shm_arena_created", arena ? 1 : 0);
    field("shm_capacity_bytes", s.capacity);
    field("shm_used_bytes", s.used);
    field("shm_blocks", s.blocks);
    field("shm_pending_blocks", pending_blocks);
    field("shm_retained_free_bytes", s.retained_free);
    field("shm_resident_bytes", s.resident);
    RedisModule_InfoAddFieldLongLong(ctx, "shm_puts", state().puts.load());
    RedisModule_InfoAddFieldLongLong(ctx, "shm_gets", state().gets.load());
}

}  // namespace insitu::module
