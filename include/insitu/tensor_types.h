// Tensor element types and memory layouts shared by every insitu API.
// The numeric values of the first entries match SmartRedis (SRTensorType / SRMemoryLayout) so
// that code ported from the peer keeps its meaning; insitu's extra types follow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace insitu {

enum class TensorType : int {
    Invalid = 0,
    Double = 1,
    Float = 2,
    Int8 = 3,
    Int16 = 4,
    Int32 = 5,
    Int64 = 6,
    Uint8 = 7,
    Uint16 = 8,
    // insitu extensions (the peer has none of these)
    Uint32 = 9,
    Uint64 = 10,
    Float16 = 11,
    BFloat16 = 12,
    Bool = 13,    // one byte per element, 0 or 1
    String = 14,  // NUL-terminated UTF-8 elements; variable size
};

enum class MemoryLayout : int {
    Invalid = 0,
    Nested = 1,             // row-major, pointer-of-pointers down to contiguous rows
    Contiguous = 2,         // row-major (C order)
    FortranNested = 3,      // not supported (the peer does not support it either)
    FortranContiguous = 4,  // column-major; transposed to row-major on the wire
};

// Bytes per element; 0 for String (variable) and Invalid.
std::size_t element_size(TensorType type) noexcept;

// The dtype name used on the wire by AI.TENSORSET / AI.TENSORGET ("FLOAT", "INT64", ...).
std::string_view wire_name(TensorType type) noexcept;

// Parses a wire dtype name, case-insensitively. Returns Invalid for an unknown name.
TensorType parse_wire_name(std::string_view name) noexcept;

// Float16 / BFloat16 element conversions (round to nearest even), for callers that hold float32.
std::uint16_t float_to_half(float f) noexcept;
float half_to_float(std::uint16_t h) noexcept;
std::uint16_t float_to_bfloat16(float f) noexcept;
float bfloat16_to_float(std::uint16_t h) noexcept;

}  // namespace insitu
