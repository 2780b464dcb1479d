// The client side of the shared-memory tensor path (docs/shared-memory.md). On a connection to a
// server on the same host, a tensor of at least SR_SHM_MIN_BYTES goes into a block of the
// server's arena (one copy; AI._SHMALLOC, then AI.TENSORSET ... SHM <offset> <tag>), and
// AI.TENSORGET ... SHM answers with the block of a tensor held there, which the client copies
// out once. Negotiated per connection at its first tensor call (AI._SHM): the server must
// answer, and this process must find the server's arena at /proc/<pid>/fd/<fd> with the inode
// and process start time the server gave, i.e. be on the same host, in the same pid namespace,
// as the same user. Anything else (RedisAI, another host, SR_SHM=0, maxmemory set, an ACL
// without the commands) leaves the connection on the socket path.
#pragma once

#include <insitu/reply.h>
#include <insitu/tensor_types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace insitu::client {

class Connection;

// SR_SHM (1: on, the default; 0: off) and SR_SHM_MIN_BYTES (the smallest tensor sent through
// shared memory; smaller ones are faster over the socket, see docs/performance.md).
struct ShmPolicy {
    bool enabled = true;
    std::size_t min_bytes = std::size_t{64} << 10;
};

class ShmMapping;

// Per-connection state (Connection::shm()).
struct ShmLink {
    enum class State { unknown, on, off } state = State::unknown;
    std::shared_ptr<ShmMapping> mapping;
    std::string off_reason;
    // The block asked for with the previous put's commit, for the next put (this connection's
    // one uncommitted block on the server).
    bool has_spare = false;
    std::size_t spare_offset = 0, spare_size = 0;
    std::uint64_t spare_tag = 0;
    // A TENSORGET answered with a block: copied out by read_blob (or dropped by discard_blob).
    bool read_pending = false;
    std::size_t read_offset = 0, read_size = 0;
    std::uint64_t read_tag = 0;
};

// True when the path is on for `c` (negotiating at the first call on the connection).
bool shm_active(Connection& c);

// Puts a tensor through the arena when the path applies (on, big enough, not STRING): the
// AI.TENSORSET reply comes back in `reply` and true is returned. False: nothing was stored, send
// the BLOB instead.
bool shm_put(Connection& c, std::string_view key, TensorType type,
             const std::vector<std::size_t>& dims, std::string_view blob, Reply& reply);

// AI.TENSORGET's "shm" [offset, size, tag] field was read: remembers the block for read_blob.
// Throws DatabaseException when the block is outside the arena.
void shm_begin_read(Connection& c, std::size_t offset, std::size_t size, std::uint64_t tag);
// When a block is pending on `c`: copies it to `dst` (nothing when dst is null), and returns
// true. Throws TransientError (the router reads again) when the block was freed meanwhile.
bool shm_finish_read(Connection& c, void* dst);

}  // namespace insitu::client
