#include <insitu/tensor_types.h>

#include <array>
#include <cctype>

#include "core/half.h"

namespace insitu {
namespace {

struct DtypeInfo {
    TensorType type;
    std::string_view name;
    std::size_t size;
};

constexpr std::array<DtypeInfo, 14> k_dtypes{{
    {TensorType::Double, "DOUBLE", 8},
    {TensorType::Float, "FLOAT", 4},
    {TensorType::Int8, "INT8", 1},
    {TensorType::Int16, "INT16", 2},
    {TensorType::Int32, "INT32", 4},
    {TensorType::Int64, "INT64", 8},
    {TensorType::Uint8, "UINT8", 1},
    {TensorType::Uint16, "UINT16", 2},
    {TensorType::Uint32, "UINT32", 4},
    {TensorType::Uint64, "UINT64", 8},
    {TensorType::Float16, "FLOAT16", 2},
    {TensorType::BFloat16, "BFLOAT16", 2},
    {TensorType::Bool, "BOOL", 1},
    {TensorType::String, "STRING", 0},
}};

const DtypeInfo* find(TensorType type) noexcept {
    for (const auto& d : k_dtypes)
        if (d.type == type) return &d;
    return nullptr;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(a[i])) != static_cast<unsigned char>(b[i]))
            return false;
    return true;
}

}  // namespace

std::size_t element_size(TensorType type) noexcept {
    const DtypeInfo* d = find(type);
    return d ? d->size : 0;
}

std::string_view wire_name(TensorType type) noexcept {
    const DtypeInfo* d = find(type);
    return d ? d->name : std::string_view{};
}

TensorType parse_wire_name(std::string_view name) noexcept {
    for (const auto& d : k_dtypes)
        if (iequals(name, d.name)) return d.type;
    return TensorType::Invalid;
}

std::uint16_t float_to_half(float f) noexcept {
    return core::float_to_half(f);
}
float half_to_float(std::uint16_t h) noexcept {
    return core::half_to_float(h);
}
std::uint16_t float_to_bfloat16(float f) noexcept {
    return core::float_to_bfloat16(f);
}
float bfloat16_to_float(std::uint16_t h) noexcept {
    return core::bfloat16_to_float(h);
}

}  // namespace insitu
