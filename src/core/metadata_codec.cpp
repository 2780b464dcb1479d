#include "core/metadata_codec.h"

#include <cstring>

namespace insitu::core {

std::size_t meta_scalar_size(MetaType type) noexcept {
    switch (type) {
        case MetaType::Double:
        case MetaType::Int64:
        case MetaType::Uint64:
            return 8;
        case MetaType::Float:
        case MetaType::Int32:
        case MetaType::Uint32:
            return 4;
        default:
            return 0;
    }
}

bool valid_meta_type(std::uint8_t id) noexcept {
    return id >= static_cast<std::uint8_t>(MetaType::Double) &&
           id <= static_cast<std::uint8_t>(MetaType::String);
}

MetaField decode_meta_field(std::string_view buf) {
    if (buf.empty()) throw MetaFormatError("empty metadata buffer (no type byte)");
    const auto id = static_cast<std::uint8_t>(buf[0]);
    if (!valid_meta_type(id))
        throw MetaFormatError("unknown metadata type id " + std::to_string(id));
    MetaField f;
    f.type = static_cast<MetaType>(id);
    std::string_view rest = buf.substr(1);
    if (f.type != MetaType::String) {
        const std::size_t size = meta_scalar_size(f.type);
        if (rest.size() % size != 0)
            throw MetaFormatError(std::to_string(rest.size()) +
                                  " value bytes are not a whole number of " + std::to_string(size) +
                                  "-byte scalars");
        f.scalars.assign(rest.begin(), rest.end());
        return f;
    }
    while (!rest.empty()) {
        std::size_t len = 0;
        if (rest.size() < sizeof len)
            throw MetaFormatError("truncated string length (" + std::to_string(rest.size()) +
                                  " bytes left)");
        std::memcpy(&len, rest.data(), sizeof len);
        rest.remove_prefix(sizeof len);
        if (len > rest.size())
            throw MetaFormatError("string of " + std::to_string(len) + " bytes with only " +
                                  std::to_string(rest.size()) + " bytes left");
        f.strings.emplace_back(rest.substr(0, len));
        rest.remove_prefix(len);
    }
    return f;
}

std::string encode_meta_scalars(MetaType type, const void* values, std::size_t count) {
    const std::size_t size = meta_scalar_size(type);
    if (size == 0) throw MetaFormatError("not a scalar metadata type");
    std::string out(1 + size * count, '\0');
    out[0] = static_cast<char>(type);
    if (count) std::memcpy(out.data() + 1, values, size * count);
    return out;
}

std::string encode_meta_strings(const std::vector<std::string>& strings) {
    std::size_t total = 1;
    for (const auto& s : strings) total += sizeof(std::size_t) + s.size();
    std::string out;
    out.reserve(total);
    out.push_back(static_cast<char>(MetaType::String));
    for (const auto& s : strings) {
        std::size_t len = s.size();
        out.append(reinterpret_cast<const char*>(&len), sizeof len);
        out.append(s);
    }
    return out;
}

std::string encode_meta_field(const MetaField& field) {
    if (field.type == MetaType::String) return encode_meta_strings(field.strings);
    const std::size_t size = meta_scalar_size(field.type);
    if (size == 0) throw MetaFormatError("invalid metadata type");
    return encode_meta_scalars(field.type, field.scalars.data(), field.scalars.size() / size);
}

}  // namespace insitu::core
