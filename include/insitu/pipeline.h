// insitu::Pipeline (insitu extension, not in SmartRedis): put_tensor / unpack_tensor /
// get_tensor_into calls queued on a Client and sent together, each answered by a std::future.
//
//   insitu::Pipeline p(client);
//   auto stored = p.put_tensor("u", u.data(), {64}, TensorType::Float, MemoryLayout::Contiguous);
//   auto read = p.unpack_tensor("v", v.data(), {64}, TensorType::Float, MemoryLayout::Contiguous);
//   p.flush();     // both sent; stored.get() / read.get() return, or throw that item's error
//
// Round trips: flush() sends the queue in order as runs of consecutive puts and of consecutive
// reads, each run through the client's batch calls (Client::put_tensors, unpack_tensors,
// get_tensors_into: pipelined per shard, windows of up to 64 commands), so a read queued after a
// put of the same key sees that put. Queueing the window-th item flushes by itself; the
// destructor flushes what is left.
//
// Results: a future becomes ready when its item was sent, never before flush() (or the automatic
// flush): get() on an item still queued waits forever, so flush first. Its error is what the
// single call would have thrown (KeyException for a missing tensor, TypeException for another
// dtype, ParameterException for another shape, ...); the other items are done regardless.
//
// Memory: as for MPI's nonblocking calls, a put's data is read and an unpack's buffer written
// during the flush, not when queued: keep them valid (and a put's data unchanged) until then.
//
// Threads: the pipeline uses the client's connections; like the Client it is not thread-safe.
// Queue and flush on the thread that uses the client; calls made on the client directly in
// between run before the queued ones. The futures may be waited on from any thread. The client
// must outlive the pipeline and stay where it is (not moved from) meanwhile.
#pragma once

#include <insitu/client.h>

#include <cstddef>
#include <future>
#include <string>
#include <vector>

namespace insitu {

class Pipeline {
  public:
    // `window`: queued items that trigger a flush (0: only flush() and the destructor send).
    explicit Pipeline(Client& client, std::size_t window = 64);
    ~Pipeline();  // flushes; errors reach the futures only
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    std::future<void> put_tensor(const std::string& name, const void* data,
                                 const std::vector<std::size_t>& dims, TensorType type,
                                 MemoryLayout layout);
    std::future<void> unpack_tensor(const std::string& name, void* data,
                                    const std::vector<std::size_t>& dims, TensorType type,
                                    MemoryLayout layout);
    // Reads into memory from `allocate(type, dims)`, called during the flush once the tensor's
    // dtype and shape are known (as Client::get_tensor_into).
    std::future<void> get_tensor_into(const std::string& name, Client::TensorAllocator allocate);

    // Sends every queued item; all their futures are ready afterwards. Throws nothing for an
    // item's failure (that goes to its future).
    void flush();
    std::size_t queued() const noexcept;

  private:
    struct Item;
    std::future<void> enqueue(Item item);
    void run_puts(std::vector<Item>& items, std::size_t begin, std::size_t end);
    void run_reads(std::vector<Item>& items, std::size_t begin, std::size_t end);

    Client* client_;
    std::size_t window_;
    std::vector<Item> queue_;
};

}  // namespace insitu
