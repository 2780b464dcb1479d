// SmartRedis's packed DataSet metadata field format (the values of the "<dataset>.meta" hash), so
// that insitu and SmartRedis read each other's datasets:
//   scalars: 1 type byte, then the values in native width and byte order, back to back;
//   strings: 1 type byte (7), then per string a native size_t length and the bytes.
// Pure functions with no I/O: the decoder takes untrusted bytes from the database.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace insitu::core {

// Type ids, numbered as SmartRedis's SRMetaDataType.
enum class MetaType : std::uint8_t {
    Invalid = 0,
    Double = 1,
    Float = 2,
    Int32 = 3,
    Int64 = 4,
    Uint32 = 5,
    Uint64 = 6,
    String = 7,
};

// Bytes per value of a scalar type; 0 for String and unknown ids.
std::size_t meta_scalar_size(MetaType type) noexcept;
bool valid_meta_type(std::uint8_t id) noexcept;

struct MetaField {
    MetaType type = MetaType::Invalid;
    std::vector<unsigned char> scalars;  // count * meta_scalar_size(type) native bytes
    std::vector<std::string> strings;
};

// A malformed buffer (empty, unknown type id, truncated value or string).
struct MetaFormatError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

MetaField decode_meta_field(std::string_view buf);

// `count` values of `type` read from `values` (native layout).
std::string encode_meta_scalars(MetaType type, const void* values, std::size_t count);
std::string encode_meta_strings(const std::vector<std::string>& strings);
std::string encode_meta_field(const MetaField& field);

}  // namespace insitu::core
