// The stored tensor: dtype, shape and a shared, immutable byte blob (row-major). No Redis here:
// the module plugs in a Blob that keeps the received argument string alive, so a large BLOB is
// never copied after Redis parsed it, and COPY / DAG loads share the bytes instead of copying.
#pragma once

#include <insitu/tensor_types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace insitu::engine {

class Blob {
  public:
    virtual ~Blob() = default;
    std::string_view bytes() const { return {data_, size_}; }
    const char* data() const { return data_; }
    std::size_t size() const { return size_; }

  protected:
    const char* data_ = nullptr;
    std::size_t size_ = 0;
};
using BlobPtr = std::shared_ptr<const Blob>;

// Memory for blobs the engine creates (VALUES, zeros). The module points these at Redis's
// allocator so the bytes count in used_memory; the default is malloc.
struct Allocator {
    void* (*alloc)(std::size_t);
    void* (*calloc)(std::size_t, std::size_t);
    void (*free)(void*);
};
void set_allocator(const Allocator& a);

class HeapBlob final : public Blob {
  public:
    explicit HeapBlob(std::size_t size, bool zeroed = false);
    ~HeapBlob() override;
    HeapBlob(const HeapBlob&) = delete;
    HeapBlob& operator=(const HeapBlob&) = delete;
    char* mutable_data() { return const_cast<char*>(data_); }
};

struct Tensor {
    TensorType dtype = TensorType::Invalid;
    std::vector<std::int64_t> dims;
    BlobPtr blob;

    std::size_t element_count() const;
    std::string_view data() const { return blob ? blob->bytes() : std::string_view{}; }
};

}  // namespace insitu::engine
