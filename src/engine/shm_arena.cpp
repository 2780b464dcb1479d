#include "engine/shm_arena.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <system_error>

namespace insitu::engine {
namespace {

std::size_t round_up(std::size_t n, std::size_t to) {
    return (n + to - 1) / to * to;
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser: tags look random in memory
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

[[noreturn]] void fail(const char* call) {
    throw std::system_error(errno, std::generic_category(), call);
}

}  // namespace

ShmArena::ShmArena(std::size_t capacity, std::size_t retain)
    : capacity_(round_up(capacity, k_page)), retain_(retain) {
    data_start_ = round_up(capacity_ / k_page * sizeof(std::uint64_t), k_page);
    mapping_size_ = data_start_ + capacity_;
    fd_ = memfd_create("insitu-tensors", MFD_CLOEXEC);
    if (fd_ < 0) fail("memfd_create");
    struct stat st {};
    if (ftruncate(fd_, static_cast<off_t>(mapping_size_)) != 0 || fstat(fd_, &st) != 0) {
        int e = errno;
        close(fd_);
        errno = e;
        fail("ftruncate");
    }
    inode_ = st.st_ino;
    void* p = mmap(nullptr, mapping_size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) {
        int e = errno;
        close(fd_);
        errno = e;
        fail("mmap");
    }
    base_ = static_cast<char*>(p);
    free_.emplace(data_start_, Range{capacity_, false});
    tag_seed_ =
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
        (static_cast<std::uint64_t>(getpid()) << 32);
}

ShmArena::~ShmArena() {
    munmap(base_, mapping_size_);
    close(fd_);
}

std::uint64_t* ShmArena::tag_slot(std::size_t offset) const {
    return reinterpret_cast<std::uint64_t*>(base_) + (offset - data_start_) / k_page;
}

std::optional<ShmArena::Block> ShmArena::allocate(std::size_t n) {
    std::size_t size = round_up(n == 0 ? 1 : n, k_page);
    std::lock_guard lock(mu_);
    // Warm ranges first (resident in the server and in clients' page tables: no faults), lowest
    // offset first so that a steady stream of same-size tensors keeps reusing the same pages.
    auto pick = free_.end();
    for (auto it = free_.begin(); it != free_.end(); ++it) {
        if (it->second.size < size) continue;
        if (it->second.warm) {
            pick = it;
            break;
        }
        if (pick == free_.end()) pick = it;
    }
    if (pick == free_.end()) return std::nullopt;
    std::size_t offset = pick->first;
    Range r = pick->second;
    free_.erase(pick);
    if (r.size > size) free_.emplace(offset + size, Range{r.size - size, r.warm});
    if (r.warm) retained_free_ -= size;
    used_.emplace(offset, size);
    used_bytes_ += size;
    std::uint64_t tag = mix(tag_seed_ + ++next_tag_);
    if (tag == 0) tag = 1;
    std::atomic_ref<std::uint64_t>(*tag_slot(offset)).store(tag, std::memory_order_release);
    return Block{offset, size, tag};
}

void ShmArena::release(std::size_t offset) {
    std::lock_guard lock(mu_);
    auto it = used_.find(offset);
    if (it == used_.end()) return;
    std::size_t size = it->second;
    used_.erase(it);
    used_bytes_ -= size;
    // Readers check this before and after copying: once zero, their copy may be stale.
    std::atomic_ref<std::uint64_t>(*tag_slot(offset)).store(0, std::memory_order_release);
    if (frozen_ > 0) {
        set_aside_.emplace_back(offset, size);
        return;
    }
    recycle(offset, size);
}

void ShmArena::recycle(std::size_t offset, std::size_t size) {
    bool warm = retained_free_ + size <= retain_;
    if (warm) {
        retained_free_ += size;
    } else {
        // Beyond the retention budget the pages go back to the kernel.
        fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                  static_cast<off_t>(size));
    }
    insert_free(offset, size, warm);
}

void ShmArena::freeze() {
    std::lock_guard lock(mu_);
    ++frozen_;
}

void ShmArena::thaw() {
    std::lock_guard lock(mu_);
    if (frozen_ == 0 || --frozen_ > 0) return;
    for (auto [offset, size] : set_aside_) recycle(offset, size);
    set_aside_.clear();
}

void ShmArena::insert_free(std::size_t offset, std::size_t size, bool warm) {
    auto next = free_.lower_bound(offset);
    if (next != free_.end() && next->first == offset + size && next->second.warm == warm) {
        size += next->second.size;
        next = free_.erase(next);
    }
    if (next != free_.begin()) {
        auto prev = std::prev(next);
        if (prev->first + prev->second.size == offset && prev->second.warm == warm) {
            prev->second.size += size;
            return;
        }
    }
    free_.emplace(offset, Range{size, warm});
}

std::optional<ShmArena::Block> ShmArena::find(std::size_t offset, std::uint64_t tag) const {
    std::lock_guard lock(mu_);
    auto it = used_.find(offset);
    if (it == used_.end() || tag == 0) return std::nullopt;
    if (std::atomic_ref<std::uint64_t>(*tag_slot(offset)).load(std::memory_order_acquire) != tag)
        return std::nullopt;
    return Block{offset, it->second, tag};
}

ShmArena::Stats ShmArena::stats() const {
    Stats s;
    {
        std::lock_guard lock(mu_);
        s.capacity = capacity_;
        s.used = used_bytes_;
        s.blocks = used_.size();
        s.retained_free = retained_free_;
    }
    struct stat st {};
    if (fstat(fd_, &st) == 0) s.resident = static_cast<std::size_t>(st.st_blocks) * 512;
    return s;
}

}  // namespace insitu::engine
