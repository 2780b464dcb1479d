// The server side of the shared-memory tensor path (insitu extension, docs/shared-memory.md):
// the arena (created at the first client's AI._SHM), the blocks handed to clients but not yet
// committed by an AI.TENSORSET ... SHM (freed when their client disconnects), the blob type of
// tensors stored in the arena, and the INFO fields.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "engine/shm_arena.h"
#include "engine/tensor.h"
#include "module/redis_api/redis_module_api.h"

namespace insitu::module {

struct ShmSettings {
    bool enabled = true;                          // SHM ON|OFF
    std::size_t capacity = 0;                     // SHM_SIZE_MB; 0: the host's memory size
    std::size_t retain = std::size_t{256} << 20;  // SHM_RETAIN_MB
};
ShmSettings& shm_settings();

// A stored tensor's bytes in the arena; the block goes back to the arena with the last reference.
class ShmBlob final : public engine::Blob {
  public:
    ShmBlob(std::shared_ptr<engine::ShmArena> arena, engine::ShmArena::Block block,
            std::size_t nbytes);
    ~ShmBlob() override;
    ShmBlob(const ShmBlob&) = delete;
    ShmBlob& operator=(const ShmBlob&) = delete;
    const engine::ShmArena::Block& block() const { return block_; }

  private:
    std::shared_ptr<engine::ShmArena> arena_;
    engine::ShmArena::Block block_;
};

// Why the path is off for this server now (empty: on). Creates the arena on first use.
std::string shm_unavailable_reason(RedisModuleCtx* ctx);
std::shared_ptr<engine::ShmArena> shm_arena();

// The block AI._SHMALLOC handed to a client, until its AI.TENSORSET ... SHM: one per client (a
// new one releases the previous).
void shm_add_pending(unsigned long long client, const engine::ShmArena::Block& b);
// Removes and returns the client's pending block at `offset` with `tag`, if there is one.
std::optional<engine::ShmArena::Block> shm_take_pending(unsigned long long client,
                                                        std::size_t offset, std::uint64_t tag);

// Caches of what a shared-memory put needs to know from the server, each dropped by the events
// that can change it (nothing is cached when the server cannot send those events):
//  - whether a replication backlog exists: dropped when a fork child is born (a replica's full
//    sync forks right after creating the backlog), on replica and role changes, and 10 s after
//    a "yes" (a backlog is freed after repl-backlog-ttl without any event);
//  - proto-max-bulk-len: dropped on every CONFIG SET.
std::optional<bool> shm_cached_backlog();
// False when the server sends no events that would keep that cache true (never cached).
bool shm_backlog_cacheable();
void shm_cache_backlog(bool active);
std::optional<long long> shm_cached_bulk_limit();
void shm_cache_bulk_limit(long long v);

// Counters for INFO.
void shm_count_put();
void shm_count_get();

// Subscribes to client disconnections (pending blocks are freed then). Called at load.
void init_shm(RedisModuleCtx* ctx);
void add_shm_info(RedisModuleInfoCtx* ctx);

}  // namespace insitu::module
