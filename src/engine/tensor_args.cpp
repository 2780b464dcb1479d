#include "engine/tensor_args.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/half.h"
#include "core/text.h"
#include "engine/errors.h"

namespace insitu::engine {
namespace {

constexpr std::size_t k_max_rank = 32;

[[noreturn]] void fail(const char* m) {
    throw CommandError(m);
}

template <typename T>
void put(char* dst, std::size_t i, T v) {
    std::memcpy(dst + i * sizeof(T), &v, sizeof(T));
}

template <typename T>
T checked_int(std::string_view s) {
    if constexpr (std::is_signed_v<T>) {
        auto v = core::parse_ll(s);
        if (!v || *v < std::numeric_limits<T>::min() || *v > std::numeric_limits<T>::max())
            fail(msg::invalid_value);
        return static_cast<T>(*v);
    } else {
        auto v = core::parse_ull(s);
        if (!v || *v > std::numeric_limits<T>::max()) fail(msg::invalid_value);
        return static_cast<T>(*v);
    }
}

double checked_double(std::string_view s) {
    auto v = core::parse_double(s);
    if (!v) fail(msg::invalid_value);
    return *v;
}

}  // namespace

TensorSetArgs parse_tensorset(std::span<const std::string_view> args, const TensorLimits& limits) {
    // args: key type [dim ...] [BLOB data | VALUES v ...]
    if (args.size() < 3) fail("ERR wrong number of arguments for 'AI.TENSORSET' command");
    TensorSetArgs a;
    a.dtype = parse_wire_name(args[1]);
    if (a.dtype == TensorType::Invalid) fail(msg::invalid_dtype);

    std::size_t i = 2;
    for (; i < args.size(); ++i) {
        if (core::iequals(args[i], "BLOB")) {
            a.source = TensorSetArgs::Source::blob;
            break;
        }
        if (core::iequals(args[i], "VALUES")) {
            a.source = TensorSetArgs::Source::values;
            break;
        }
        if (core::iequals(args[i], "SHM")) {
            a.source = TensorSetArgs::Source::shm;
            break;
        }
        auto d = core::parse_ll(args[i]);
        if (!d || *d <= 0) fail(msg::bad_shape);
        if (a.dims.size() == k_max_rank) fail(msg::too_many_dims);
        a.dims.push_back(*d);
    }

    std::size_t count = 1;
    for (auto d : a.dims) {
        auto ud = static_cast<std::size_t>(d);
        if (count > std::numeric_limits<std::size_t>::max() / ud) fail(msg::shape_overflow);
        count *= ud;
    }
    a.count = count;
    std::size_t esize = element_size(a.dtype);
    if (esize && count > std::numeric_limits<std::size_t>::max() / esize) fail(msg::shape_overflow);
    a.nbytes = count * esize;

    switch (a.source) {
        case TensorSetArgs::Source::blob:
            if (args.size() - i != 2) fail(msg::blob_arg);
            a.data_index = i + 1;
            break;
        case TensorSetArgs::Source::shm:
            if (args.size() - i != 3) fail(msg::shm_args);
            if (a.dtype == TensorType::String) fail(msg::shm_string);
            a.data_index = i + 1;
            break;
        case TensorSetArgs::Source::values:
            if (args.size() - (i + 1) != count) fail(msg::values_count);
            a.data_index = i + 1;
            break;
        case TensorSetArgs::Source::zeros:
            // STRING zeros are `count` empty strings: one NUL each.
            if ((a.dtype == TensorType::String ? count : a.nbytes) > limits.alloc_limit)
                fail(msg::shape_overflow);
            break;
    }
    return a;
}

void validate_blob(const TensorSetArgs& a, std::string_view blob) {
    if (a.dtype == TensorType::String) {
        std::size_t nuls = static_cast<std::size_t>(std::count(blob.begin(), blob.end(), '\0'));
        if (blob.empty() || blob.back() != '\0' || nuls != a.count) fail(msg::string_count);
        return;
    }
    if (blob.size() != a.nbytes) fail(msg::blob_length);
    if (a.dtype == TensorType::Bool) {
        for (unsigned char c : blob)
            if (c > 1) fail(msg::bool_values);
    }
}

BlobPtr build_blob(const TensorSetArgs& a, std::span<const std::string_view> args) {
    if (a.source == TensorSetArgs::Source::zeros) {
        if (a.dtype == TensorType::String) return std::make_shared<HeapBlob>(a.count, true);
        return std::make_shared<HeapBlob>(a.nbytes, true);
    }
    auto values = args.subspan(a.data_index, a.count);
    if (a.dtype == TensorType::String) {
        std::size_t total = 0;
        for (auto v : values) {
            if (v.find('\0') != std::string_view::npos) fail(msg::string_nul);
            total += v.size() + 1;
        }
        if (total > std::size_t{1} << 32) fail(msg::shape_overflow);
        auto blob = std::make_shared<HeapBlob>(total);
        char* p = blob->mutable_data();
        for (auto v : values) {
            std::memcpy(p, v.data(), v.size());
            p += v.size();
            *p++ = '\0';
        }
        return blob;
    }
    auto blob = std::make_shared<HeapBlob>(a.nbytes);
    char* dst = blob->mutable_data();
    for (std::size_t i = 0; i < values.size(); ++i) {
        std::string_view v = values[i];
        switch (a.dtype) {
            case TensorType::Float:
                put(dst, i, static_cast<float>(checked_double(v)));
                break;
            case TensorType::Double:
                put(dst, i, checked_double(v));
                break;
            case TensorType::Float16:
                put(dst, i, core::float_to_half(static_cast<float>(checked_double(v))));
                break;
            case TensorType::BFloat16:
                put(dst, i, core::float_to_bfloat16(static_cast<float>(checked_double(v))));
                break;
            case TensorType::Int8:
                put(dst, i, checked_int<std::int8_t>(v));
                break;
            case TensorType::Int16:
                put(dst, i, checked_int<std::int16_t>(v));
                break;
            case TensorType::Int32:
                put(dst, i, checked_int<std::int32_t>(v));
                break;
            case TensorType::Int64:
                put(dst, i, checked_int<std::int64_t>(v));
                break;
            case TensorType::Uint8:
                put(dst, i, checked_int<std::uint8_t>(v));
                break;
            case TensorType::Uint16:
                put(dst, i, checked_int<std::uint16_t>(v));
                break;
            case TensorType::Uint32:
                put(dst, i, checked_int<std::uint32_t>(v));
                break;
            case TensorType::Uint64:
                put(dst, i, checked_int<std::uint64_t>(v));
                break;
            case TensorType::Bool: {
                auto b = checked_int<std::uint8_t>(v);
                if (b > 1) fail(msg::bool_values);
                put(dst, i, b);
                break;
            }
            default:
                fail(msg::invalid_dtype);
        }
    }
    return blob;
}

TensorGetArgs parse_tensorget(std::span<const std::string_view> args) {
    // args: key [META] [BLOB | VALUES] [SHM]  (SHM: insitu, see TensorGetArgs)
    if (args.size() < 1 || args.size() > 4)
        fail("ERR wrong number of arguments for 'AI.TENSORGET' command");
    TensorGetArgs g;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (core::iequals(args[i], "META"))
            g.meta = true;
        else if (core::iequals(args[i], "BLOB"))
            g.blob = true;
        else if (core::iequals(args[i], "VALUES"))
            g.values = true;
        else if (core::iequals(args[i], "SHM"))
            g.shm = true;
        else
            fail(msg::bad_format);
    }
    if (g.shm && !(g.meta && g.blob)) fail(msg::shm_get);
    if (g.blob && g.values) fail(msg::both_formats);
    if (!g.meta && !g.blob && !g.values) g.meta = g.blob = true;
    return g;
}

std::vector<std::string_view> split_strings(std::string_view blob) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i < blob.size(); ++i) {
        if (blob[i] == '\0') {
            out.push_back(blob.substr(start, i - start));
            start = i + 1;
        }
    }
    return out;
}

}  // namespace insitu::engine
