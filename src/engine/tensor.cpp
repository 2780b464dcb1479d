#include "engine/tensor.h"

#include <cstdlib>
#include <new>

namespace insitu::engine {
namespace {
Allocator g_alloc{&std::malloc, &std::calloc, &std::free};
}

void set_allocator(const Allocator& a) {
    g_alloc = a;
}

HeapBlob::HeapBlob(std::size_t size, bool zeroed) {
    // Never ask an allocator for 0 bytes: some return nullptr for it.
    std::size_t n = size ? size : 1;
    void* p = zeroed ? g_alloc.calloc(n, 1) : g_alloc.alloc(n);
    if (!p) throw std::bad_alloc();
    data_ = static_cast<const char*>(p);
    size_ = size;
}

HeapBlob::~HeapBlob() {
    g_alloc.free(const_cast<char*>(data_));
}

std::size_t Tensor::element_count() const {
    std::size_t n = 1;
    for (auto d : dims) n *= static_cast<std::size_t>(d);
    return n;
}

}  // namespace insitu::engine
