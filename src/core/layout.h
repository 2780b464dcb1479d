// Conversions between the caller's memory layout and the row-major bytes stored in the database.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace insitu::core {

// Number of elements of a shape; throws std::overflow_error if it does not fit in size_t.
std::size_t element_count(std::span<const std::size_t> dims);

// Column-major (Fortran) <-> row-major (C) copies of an n-d array with logical shape `dims`.
void fortran_to_c(const void* src, void* dst, std::span<const std::size_t> dims, std::size_t elem);
void c_to_fortran(const void* src, void* dst, std::span<const std::size_t> dims, std::size_t elem);

// Nested (pointer-of-pointers) arrays: gather into / scatter from contiguous row-major bytes.
void gather_nested(const void* nested, void* dst, std::span<const std::size_t> dims,
                   std::size_t elem);
void scatter_nested(const void* src, void* nested, std::span<const std::size_t> dims,
                    std::size_t elem);

// Builds the pointer levels of a nested view over contiguous row-major `data`. The pointers
// live in `storage`; the returned value is what a caller casts to T**...*.
void* build_nested_view(void* data, std::span<const std::size_t> dims, std::size_t elem,
                        std::vector<void*>& storage);

}  // namespace insitu::core
