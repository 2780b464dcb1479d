// The packed DataSet metadata format, against buffers assembled byte by byte here.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "core/metadata_codec.h"

using insitu::core::decode_meta_field;
using insitu::core::encode_meta_scalars;
using insitu::core::encode_meta_strings;
using insitu::core::MetaFormatError;
using insitu::core::MetaType;

namespace {

template <typename T>
std::string raw(T v) {
    return std::string(reinterpret_cast<const char*>(&v), sizeof v);
}

}  // namespace

TEST(MetadataCodec, DecodesScalarsOfEveryType) {
    {
        std::string buf = std::string(1, '\x01') + raw(1.5) + raw(-2.25);
        auto f = decode_meta_field(buf);
        EXPECT_EQ(f.type, MetaType::Double);
        ASSERT_EQ(f.scalars.size(), 16u);
        double v[2];
        std::memcpy(v, f.scalars.data(), 16);
        EXPECT_EQ(v[0], 1.5);
        EXPECT_EQ(v[1], -2.25);
    }
    {
        auto f = decode_meta_field(std::string(1, '\x02') + raw(3.5f));
        EXPECT_EQ(f.type, MetaType::Float);
        EXPECT_EQ(f.scalars.size(), 4u);
    }
    // Little-endian hosts: bytes of -2 as int32 are FE FF FF FF.
    auto i32 = decode_meta_field(std::string("\x03\xFE\xFF\xFF\xFF", 5));
    EXPECT_EQ(i32.type, MetaType::Int32);
    std::int32_t x = 0;
    std::memcpy(&x, i32.scalars.data(), 4);
    EXPECT_EQ(x, -2);
    EXPECT_EQ(decode_meta_field(std::string(1, '\x04') + raw<std::int64_t>(7)).type,
              MetaType::Int64);
    EXPECT_EQ(decode_meta_field(std::string(1, '\x05') + raw<std::uint32_t>(7)).type,
              MetaType::Uint32);
    EXPECT_EQ(decode_meta_field(std::string(1, '\x06') + raw<std::uint64_t>(7)).type,
              MetaType::Uint64);
    // A type byte alone: a field with no values.
    EXPECT_TRUE(decode_meta_field(std::string(1, '\x06')).scalars.empty());
}

TEST(MetadataCodec, DecodesStrings) {
    std::string buf = std::string(1, '\x07') + raw<std::size_t>(3) + "abc" + raw<std::size_t>(0) +
                      raw<std::size_t>(4) + std::string("x\0y\n", 4);
    auto f = decode_meta_field(buf);
    EXPECT_EQ(f.type, MetaType::String);
    ASSERT_EQ(f.strings.size(), 3u);
    EXPECT_EQ(f.strings[0], "abc");
    EXPECT_EQ(f.strings[1], "");
    EXPECT_EQ(f.strings[2], std::string("x\0y\n", 4));
    EXPECT_TRUE(decode_meta_field(std::string(1, '\x07')).strings.empty());
}

TEST(MetadataCodec, EncodesExactlyThePeersBytes) {
    double d[2] = {1.5, -2.25};
    EXPECT_EQ(encode_meta_scalars(MetaType::Double, d, 2),
              std::string(1, '\x01') + raw(1.5) + raw(-2.25));
    std::uint32_t u = 0xDEADBEEF;
    EXPECT_EQ(encode_meta_scalars(MetaType::Uint32, &u, 1), std::string("\x05\xEF\xBE\xAD\xDE", 5));
    EXPECT_EQ(encode_meta_strings({"ab", ""}),
              std::string(1, '\x07') + raw<std::size_t>(2) + "ab" + raw<std::size_t>(0));
    EXPECT_EQ(encode_meta_strings({}), std::string(1, '\x07'));
    EXPECT_THROW(encode_meta_scalars(MetaType::String, &u, 1), MetaFormatError);
}

TEST(MetadataCodec, RejectsMalformedBuffers) {
    EXPECT_THROW(decode_meta_field(""), MetaFormatError);
    EXPECT_THROW(decode_meta_field(std::string(1, '\x00')), MetaFormatError);
    EXPECT_THROW(decode_meta_field(std::string(1, '\x08') + "abcd"), MetaFormatError);
    EXPECT_THROW(decode_meta_field(std::string(1, '\xFF')), MetaFormatError);
    // Scalars: not a whole number of values.
    EXPECT_THROW(decode_meta_field(std::string("\x01\x00\x00\x00", 4)), MetaFormatError);
    EXPECT_THROW(decode_meta_field(std::string("\x03\x01\x02\x03\x04\x05", 6)), MetaFormatError);
    // Strings: truncated length, length past the end, huge length (no overflow, no allocation).
    EXPECT_THROW(decode_meta_field(std::string("\x07\x01\x00", 3)), MetaFormatError);
    EXPECT_THROW(decode_meta_field(std::string(1, '\x07') + raw<std::size_t>(4) + "abc"),
                 MetaFormatError);
    EXPECT_THROW(decode_meta_field(std::string(1, '\x07') + raw<std::size_t>(~std::size_t{0})),
                 MetaFormatError);
    EXPECT_THROW(decode_meta_field(std::string(1, '\x07') + raw<std::size_t>(1) + "a" + "\x01"),
                 MetaFormatError);
}
