#include "core/layout.h"

#include <cstring>
#include <stdexcept>

namespace insitu::core {

std::size_t element_count(std::span<const std::size_t> dims) {
    std::size_t n = 1;
    for (std::size_t d : dims) {
        if (d != 0 && n > static_cast<std::size_t>(-1) / d)
            throw std::overflow_error("tensor shape is too large");
        n *= d;
    }
    return n;
}

namespace {

// Walks every element in row-major order and moves it between a row-major and a column-major
// buffer. `to_c` selects the direction. The column-major offset is updated incrementally.
void transpose(const unsigned char* src, unsigned char* dst, std::span<const std::size_t> dims,
               std::size_t elem, bool to_c) {
    const std::size_t rank = dims.size();
    const std::size_t n = element_count(dims);
    if (n == 0) return;
    if (rank <= 1) {
        std::memcpy(dst, src, n * elem);
        return;
    }
    std::vector<std::size_t> fstride(rank), idx(rank, 0);
    fstride[0] = 1;
    for (std::size_t i = 1; i < rank; ++i) fstride[i] = fstride[i - 1] * dims[i - 1];
    std::size_t foff = 0;
    for (std::size_t c = 0; c < n; ++c) {
        if (to_c)
            std::memcpy(dst + c * elem, src + foff * elem, elem);
        else
            std::memcpy(dst + foff * elem, src + c * elem, elem);
        // Advance the row-major multi-index (last dimension fastest).
        for (std::size_t d = rank; d-- > 0;) {
            if (++idx[d] < dims[d]) {
                foff += fstride[d];
                break;
            }
            foff -= fstride[d] * (dims[d] - 1);
            idx[d] = 0;
        }
    }
}

void gather(const void* node, unsigned char*& out, std::span<const std::size_t> dims,
            std::size_t elem) {
    if (dims.size() == 1) {
        std::memcpy(out, node, dims[0] * elem);
        out += dims[0] * elem;
        return;
    }
    auto ptrs = static_cast<const void* const*>(node);
    for (std::size_t i = 0; i < dims[0]; ++i) gather(ptrs[i], out, dims.subspan(1), elem);
}

void scatter(const unsigned char*& in, void* node, std::span<const std::size_t> dims,
             std::size_t elem) {
    if (dims.size() == 1) {
        std::memcpy(node, in, dims[0] * elem);
        in += dims[0] * elem;
        return;
    }
    auto ptrs = static_cast<void* const*>(node);
    for (std::size_t i = 0; i < dims[0]; ++i) scatter(in, ptrs[i], dims.subspan(1), elem);
}

}  // namespace

void fortran_to_c(const void* src, void* dst, std::span<const std::size_t> dims, std::size_t elem) {
    transpose(static_cast<const unsigned char*>(src), static_cast<unsigned char*>(dst), dims, elem,
              true);
}

void c_to_fortran(const void* src, void* dst, std::span<const std::size_t> dims, std::size_t elem) {
    transpose(static_cast<const unsigned char*>(src), static_cast<unsigned char*>(dst), dims, elem,
              false);
}

void gather_nested(const void* nested, void* dst, std::span<const std::size_t> dims,
                   std::size_t elem) {
    if (dims.empty()) throw std::invalid_argument("a nested tensor needs at least one dimension");
    auto out = static_cast<unsigned char*>(dst);
    gather(nested, out, dims, elem);
}

void scatter_nested(const void* src, void* nested, std::span<const std::size_t> dims,
                    std::size_t elem) {
    if (dims.empty()) throw std::invalid_argument("a nested tensor needs at least one dimension");
    auto in = static_cast<const unsigned char*>(src);
    scatter(in, nested, dims, elem);
}

void* build_nested_view(void* data, std::span<const std::size_t> dims, std::size_t elem,
                        std::vector<void*>& storage) {
    if (dims.size() <= 1) return data;
    // Level l (0-based, for l < rank-1) has prod(dims[0..l]) pointers.
    std::size_t total = 0, count = 1;
    for (std::size_t l = 0; l + 1 < dims.size(); ++l) {
        count *= dims[l];
        total += count;
    }
    storage.assign(total, nullptr);
    std::size_t level_begin = 0;
    count = 1;
    for (std::size_t l = 0; l + 1 < dims.size(); ++l) {
        count *= dims[l];
        std::size_t next_begin = level_begin + count;
        for (std::size_t i = 0; i < count; ++i) {
            if (l + 2 == dims.size())
                storage[level_begin + i] =
                    static_cast<unsigned char*>(data) + i * dims[l + 1] * elem;
            else
                storage[level_begin + i] = &storage[next_begin + i * dims[l + 1]];
        }
        level_begin = next_begin;
    }
    return storage.data();
}

}  // namespace insitu::core
