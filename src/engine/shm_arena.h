// Shared-memory tensor storage for clients on the server's host (issue #19). One memfd, mapped
// by the server and by every local client that negotiated the shared-memory path: a client asks
// for a block, writes its tensor there once, and the stored tensor then *is* that block (no copy
// on the server). Readers copy straight out of the mapping.
//
// Layout: [tag table: one u64 per page of the data region][data region]. A block's tag (written
// only by the server: set on allocate, zeroed on release) is unique per allocation; a reader that
// copies without holding a reference checks the tag before and after its copy, so a block freed
// and reused meanwhile is detected and the read retried. Freed blocks stay resident up to a
// retention budget (reused warm: no page faults in either process); beyond it their pages are
// punched out and returned to the kernel.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace insitu::engine {

class ShmArena {
  public:
    static constexpr std::size_t k_page = 4096;

    struct Block {
        std::size_t offset = 0;  // of the payload, from the start of the mapping
        std::size_t size = 0;    // bytes usable (a whole number of pages)
        std::uint64_t tag = 0;
    };
    struct Stats {
        std::size_t capacity = 0;       // bytes of the data region
        std::size_t used = 0;           // bytes in allocated blocks
        std::size_t blocks = 0;         // allocated blocks
        std::size_t retained_free = 0;  // freed bytes kept resident for reuse
        std::size_t resident = 0;       // bytes the memfd holds in memory (fstat st_blocks)
    };

    // A memfd of `capacity` data bytes (sparse: memory is used only where written) plus its tag
    // table, mapped read-write. Throws std::system_error naming the failing call.
    ShmArena(std::size_t capacity, std::size_t retain);
    ~ShmArena();
    ShmArena(const ShmArena&) = delete;
    ShmArena& operator=(const ShmArena&) = delete;

    // While a fork child (BGSAVE, AOF rewrite, a replica's full sync) is writing a snapshot, the
    // blocks it saw must keep their bytes: blocks released meanwhile are set aside (neither
    // reused nor punched) until thaw(). Calls nest.
    void freeze();
    void thaw();

    // A block of at least `n` bytes, or nothing when the arena has no room.
    std::optional<Block> allocate(std::size_t n);
    // Returns a block (by payload offset) to the arena. Thread-safe, like allocate: the last
    // reference to a tensor may drop on a backend thread.
    void release(std::size_t offset);
    // The block at `offset` when it is allocated with this tag; nothing otherwise.
    std::optional<Block> find(std::size_t offset, std::uint64_t tag) const;

    char* base() const { return base_; }
    int fd() const { return fd_; }
    ino_t inode() const { return inode_; }
    std::size_t mapping_size() const { return mapping_size_; }
    std::size_t data_start() const { return data_start_; }
    Stats stats() const;

  private:
    struct Range {
        std::size_t size;
        bool warm;  // resident (freed after use, within the retention budget)
    };
    std::uint64_t* tag_slot(std::size_t offset) const;
    void insert_free(std::size_t offset, std::size_t size, bool warm);
    // A released block back into the free ranges (warm within the budget, else punched out).
    void recycle(std::size_t offset, std::size_t size);

    int fd_ = -1;
    ino_t inode_ = 0;
    char* base_ = nullptr;
    std::size_t mapping_size_ = 0;
    std::size_t data_start_ = 0;
    std::size_t capacity_ = 0;
    std::size_t retain_ = 0;

    mutable std::mutex mu_;
    std::map<std::size_t, Range> free_;                  // by offset
    std::unordered_map<std::size_t, std::size_t> used_;  // offset -> size
    std::size_t used_bytes_ = 0;
    std::size_t retained_free_ = 0;
    int frozen_ = 0;
    std::vector<std::pair<std::size_t, std::size_t>> set_aside_;  // offset, size
    std::uint64_t next_tag_ = 0;
    std::uint64_t tag_seed_ = 0;
};

}  // namespace insitu::engine
