// The AI.TENSORSET / AI.TENSORGET grammar, in-process (no server).
#include <gtest/gtest.h>

#include <cstring>

#include "engine/errors.h"
#include "engine/tensor_args.h"

using namespace insitu;
using namespace insitu::engine;

namespace {
TensorSetArgs parse(std::vector<std::string_view> a, TensorLimits l = {}) {
    return parse_tensorset(a, l);
}
std::string error_of(std::vector<std::string_view> a, TensorLimits l = {}) {
    try {
        auto p = parse_tensorset(a, l);
        if (p.source == TensorSetArgs::Source::blob) validate_blob(p, a[p.data_index]);
        build_blob(p, a);
    } catch (const CommandError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST(TensorSetArgs, ParsesShapeAndSource) {
    auto a = parse({"k", "int32", "2", "3", "values", "1", "2", "3", "4", "5", "6"});
    EXPECT_EQ(a.dtype, TensorType::Int32);
    EXPECT_EQ(a.dims, (std::vector<std::int64_t>{2, 3}));
    EXPECT_EQ(a.source, TensorSetArgs::Source::values);
    EXPECT_EQ(a.count, 6u);
    EXPECT_EQ(a.nbytes, 24u);
    EXPECT_EQ(a.data_index, 5u);
    std::vector<std::string_view> args = {"k", "int32", "2", "3", "values", "1",
                                          "2", "3",     "4", "5", "6"};
    auto blob = build_blob(a, args);
    std::int32_t v[6];
    std::memcpy(v, blob->data(), 24);
    EXPECT_EQ(v[5], 6);

    auto b = parse({"k", "FLOAT", "Blob", "abcd"});  // scalar from a blob
    EXPECT_TRUE(b.dims.empty());
    EXPECT_EQ(b.count, 1u);
    EXPECT_EQ(b.source, TensorSetArgs::Source::blob);
    EXPECT_EQ(b.data_index, 3u);
}

TEST(TensorSetArgs, ErrorsUseThePeersText) {
    EXPECT_EQ(error_of({"k", "float"}), "ERR wrong number of arguments for 'AI.TENSORSET' command");
    EXPECT_EQ(error_of({"k", "float64", "1"}), msg::invalid_dtype);
    EXPECT_EQ(error_of({"k", "float", "0"}), msg::bad_shape);
    EXPECT_EQ(error_of({"k", "float", "+"}), msg::bad_shape);
    EXPECT_EQ(error_of({"k", "float", "1", "BLOB"}), msg::blob_arg);
    EXPECT_EQ(error_of({"k", "float", "1", "BLOB", "abc"}), msg::blob_length);
    EXPECT_EQ(error_of({"k", "float", "2", "VALUES", "1"}), msg::values_count);
    EXPECT_EQ(error_of({"k", "uint16", "1", "VALUES", "65536"}), msg::invalid_value);
    EXPECT_EQ(error_of({"k", "double", "1", "VALUES", "1e400"}), msg::invalid_value);
    EXPECT_EQ(error_of({"k", "double", "1", "VALUES", " 1"}), msg::invalid_value);
    EXPECT_EQ(error_of({"k", "bool", "1", "VALUES", "2"}), msg::bool_values);
    EXPECT_EQ(error_of({"k", "float", "3037000500", "3037000500", "3"}), msg::shape_overflow);
    TensorLimits small;
    small.alloc_limit = 16;
    EXPECT_EQ(error_of({"k", "float", "5"}, small), msg::shape_overflow);
    EXPECT_EQ(error_of({"k", "float", "4"}, small), "");
}

TEST(TensorGetArgs, Formats) {
    auto g = parse_tensorget(std::vector<std::string_view>{"k"});
    EXPECT_TRUE(g.meta && g.blob && !g.values);
    g = parse_tensorget(std::vector<std::string_view>{"k", "values"});
    EXPECT_TRUE(!g.meta && !g.blob && g.values);
    EXPECT_THROW(parse_tensorget(std::vector<std::string_view>{"k", "blob", "values"}),
                 CommandError);
    EXPECT_THROW(parse_tensorget(std::vector<std::string_view>{"k", "x"}), CommandError);
}

TEST(TensorArgs, SplitStrings) {
    auto s = split_strings(std::string_view("ab\0\0c\0", 6));
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0], "ab");
    EXPECT_EQ(s[1], "");
    EXPECT_EQ(s[2], "c");
}

TEST(TensorSetArgs, SharedMemoryBlock) {
    TensorLimits lim;
    auto a = parse_tensorset(
        std::vector<std::string_view>{"k", "FLOAT", "2", "3", "SHM", "8192", "77"}, lim);
    EXPECT_EQ(a.source, TensorSetArgs::Source::shm);
    EXPECT_EQ(a.nbytes, 24u);
    EXPECT_EQ(a.data_index, 5u);
    // Exactly an offset and a tag; never a STRING (its byte length is not in the shape).
    EXPECT_THROW(
        parse_tensorset(std::vector<std::string_view>{"k", "FLOAT", "2", "SHM", "8192"}, lim),
        CommandError);
    EXPECT_THROW(parse_tensorset(
                     std::vector<std::string_view>{"k", "FLOAT", "2", "SHM", "1", "2", "3"}, lim),
                 CommandError);
    EXPECT_THROW(
        parse_tensorset(std::vector<std::string_view>{"k", "STRING", "2", "SHM", "1", "2"}, lim),
        CommandError);
}

TEST(TensorGetArgs, SharedMemoryNeedsMetaAndBlob) {
    auto g = parse_tensorget(std::vector<std::string_view>{"k", "META", "BLOB", "SHM"});
    EXPECT_TRUE(g.shm && g.meta && g.blob);
    EXPECT_THROW(parse_tensorget(std::vector<std::string_view>{"k", "BLOB", "SHM"}), CommandError);
    EXPECT_THROW(parse_tensorget(std::vector<std::string_view>{"k", "META", "VALUES", "SHM"}),
                 CommandError);
}
