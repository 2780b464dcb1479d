#include <gtest/gtest.h>

#include <numeric>

#include "core/address.h"
#include "core/half.h"
#include "core/hash_slot.h"
#include "core/layout.h"
#include "insitu/tensor_types.h"

using namespace insitu;

TEST(HashSlot, Crc16ReferenceVector) {
    // The check value of CRC16/XMODEM, quoted by the Redis Cluster specification.
    EXPECT_EQ(core::crc16("123456789"), 0x31C3);
}

TEST(HashSlot, HashTagsShareSlot) {
    EXPECT_EQ(core::hash_slot("{user1000}.following"), core::hash_slot("{user1000}.followers"));
    EXPECT_EQ(core::hash_slot("{user1000}.following"), core::hash_slot("user1000"));
    // Empty tag: the whole key is hashed; only the first tag counts.
    EXPECT_EQ(core::hashed_part("foo{}{bar}"), "foo{}{bar}");
    EXPECT_EQ(core::hashed_part("foo{{bar}}zap"), "{bar");
    EXPECT_EQ(core::hashed_part("foo{bar}{zap}"), "bar");
    EXPECT_EQ(core::hash_slot("foo"), 12182);  // CLUSTER KEYSLOT foo
}

TEST(Address, ParsesEveryForm) {
    auto a = core::parse_address("127.0.0.1:6379");
    EXPECT_EQ(a.kind, core::Address::Kind::tcp);
    EXPECT_EQ(a.host, "127.0.0.1");
    EXPECT_EQ(a.port, 6379);
    auto b = core::parse_address("tcp://node-1.cluster_a:7000");
    EXPECT_EQ(b.host, "node-1.cluster_a");
    EXPECT_EQ(b.port, 7000);
    auto c = core::parse_address("unix:///tmp/redis.sock");
    EXPECT_EQ(c.kind, core::Address::Kind::unix_socket);
    EXPECT_EQ(c.path, "/tmp/redis.sock");
    auto d = core::parse_address("[::1]:6380");
    EXPECT_EQ(d.host, "::1");
    EXPECT_EQ(d.to_string(), "[::1]:6380");
    auto list = core::parse_address_list("a:1, tcp://b:2,,unix:///s");
    ASSERT_EQ(list.size(), 3u);
    EXPECT_EQ(list[1].to_string(), "b:2");
}

TEST(Address, RejectsBadInputNamingIt) {
    for (const char* bad : {"localhost", "host:", "host:0", "host:70000", "host:12a", ":80",
                            "unix://relative", "a b:1", "host;rm:1", "::1:80"}) {
        try {
            core::parse_address(bad);
            ADD_FAILURE() << "accepted " << bad;
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
        }
    }
    EXPECT_THROW(core::parse_address_list(" , "), std::invalid_argument);
}

TEST(Address, UrlCredentialsAreParsedAndDecoded) {
    auto a = core::parse_address("redis://app:s3cr%40t%2C%25x@127.0.0.1:6379");
    EXPECT_EQ(a.kind, core::Address::Kind::tcp);
    EXPECT_EQ(a.user, "app");
    ASSERT_TRUE(a.password);
    EXPECT_EQ(*a.password, "s3cr@t,%x");
    EXPECT_EQ(a.host, "127.0.0.1");
    EXPECT_EQ(a.port, 6379);
    // Never printed with the credentials.
    EXPECT_EQ(a.to_string(), "127.0.0.1:6379");

    auto b = core::parse_address("redis://:pw:with:colons@[::1]:7000");
    EXPECT_EQ(b.user, "");
    EXPECT_EQ(*b.password, "pw:with:colons");
    EXPECT_EQ(b.host, "::1");

    auto c = core::parse_address("unix://reader:pw@/tmp/db.sock");
    EXPECT_EQ(c.kind, core::Address::Kind::unix_socket);
    EXPECT_EQ(c.path, "/tmp/db.sock");
    EXPECT_EQ(c.user, "reader");
    EXPECT_EQ(*c.password, "pw");
    EXPECT_EQ(c.to_string(), "unix:///tmp/db.sock");

    auto d =
        core::parse_address("tcp://app@h:1");  // a user alone: the password comes from elsewhere
    EXPECT_EQ(d.user, "app");
    EXPECT_FALSE(d.password);
    EXPECT_FALSE(core::parse_address("redis://h:1").has_credentials());

    auto list = core::parse_address_list("redis://:p%2Cq@a:1, redis://:p%2Cq@b:2");
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(*list[1].password, "p,q");
}

TEST(Address, ErrorsNeverShowThePassword) {
    const std::string secret = "Zq9secretPW";
    for (const std::string& bad :
         {"redis://app:" + secret + "@host", "redis://app:" + secret + "@host:0",
          "rediss://app:" + secret + "@host", "app:" + secret + "@host:6379",
          "redis://app:" + secret + "%zz@host:1", "redis://app:" + secret + " x@host:1",
          "unix://app:" + secret + "@relative", "redis://app:" + secret + "@bad host:1"}) {
        try {
            core::parse_address(bad);
            ADD_FAILURE() << "accepted " << bad;
        } catch (const std::invalid_argument& e) {
            EXPECT_EQ(std::string(e.what()).find(secret), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("invalid database address"), std::string::npos);
        }
    }
    // An unencoded ',' in a password splits SSDB: neither half may be echoed.
    try {
        core::parse_address_list("redis://app:Zq9sec,retPW@host:1");
        ADD_FAILURE() << "accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_EQ(std::string(e.what()).find("Zq9sec"), std::string::npos) << e.what();
        EXPECT_EQ(std::string(e.what()).find("retPW"), std::string::npos) << e.what();
    }
}

TEST(Address, TlsUrlAsksForTls) {
    auto a = core::parse_address("rediss://app:pw@h:6379");
    EXPECT_TRUE(a.tls);
    EXPECT_EQ(a.host, "h");
    EXPECT_EQ(a.port, 6379);
    EXPECT_EQ(a.user, "app");
    EXPECT_EQ(a.to_string(), "h:6379");
    EXPECT_FALSE(core::parse_address("redis://h:6379").tls);
    EXPECT_FALSE(core::parse_address("h:6379").tls);
}

TEST(Layout, FortranRoundTripMatchesIndexFormula) {
    std::vector<std::size_t> dims = {2, 3, 4};
    std::vector<int> f(24), c(24), back(24);
    // Fortran element (i,j,k) at i + 2*(j + 3*k) holds value 100*i + 10*j + k.
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j)
            for (int k = 0; k < 4; ++k)
                f[static_cast<std::size_t>(i + 2 * (j + 3 * k))] = 100 * i + 10 * j + k;
    core::fortran_to_c(f.data(), c.data(), dims, sizeof(int));
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j)
            for (int k = 0; k < 4; ++k)
                EXPECT_EQ(c[static_cast<std::size_t>((i * 3 + j) * 4 + k)], 100 * i + 10 * j + k);
    core::c_to_fortran(c.data(), back.data(), dims, sizeof(int));
    EXPECT_EQ(back, f);
}

TEST(Layout, NestedGatherScatterAndView) {
    std::vector<std::size_t> dims = {3, 2, 2};
    std::vector<double> flat(12);
    std::iota(flat.begin(), flat.end(), 0.0);
    std::vector<void*> storage;
    auto*** nested = static_cast<double***>(core::build_nested_view(flat.data(), dims, 8, storage));
    EXPECT_EQ(nested[2][1][0], 10.0);
    EXPECT_EQ(nested[1][0][1], 5.0);
    std::vector<double> gathered(12);
    core::gather_nested(nested, gathered.data(), dims, 8);
    EXPECT_EQ(gathered, flat);
    std::vector<double> other(12, -1), src(12);
    std::iota(src.begin(), src.end(), 100.0);
    std::vector<void*> st2;
    void* view = core::build_nested_view(other.data(), dims, 8, st2);
    core::scatter_nested(src.data(), view, dims, 8);
    EXPECT_EQ(other, src);
}

TEST(Layout, ElementCountOverflowThrows) {
    std::vector<std::size_t> dims = {1ull << 40, 1ull << 40};
    EXPECT_THROW(core::element_count(dims), std::overflow_error);
}

TEST(Dtype, WireNamesRoundTripCaseInsensitively) {
    for (int i = 1; i <= 14; ++i) {
        auto t = static_cast<TensorType>(i);
        auto name = std::string(wire_name(t));
        ASSERT_FALSE(name.empty());
        EXPECT_EQ(parse_wire_name(name), t);
        for (auto& ch : name) ch = static_cast<char>(std::tolower(ch));
        EXPECT_EQ(parse_wire_name(name), t);
    }
    EXPECT_EQ(parse_wire_name("FLOAT32"), TensorType::Invalid);
    EXPECT_EQ(element_size(TensorType::BFloat16), 2u);
    EXPECT_EQ(element_size(TensorType::String), 0u);
}

TEST(Half, KnownValues) {
    EXPECT_EQ(core::float_to_half(1.0f), 0x3c00);
    EXPECT_EQ(core::float_to_half(-2.0f), 0xc000);
    EXPECT_EQ(core::float_to_half(65504.0f), 0x7bff);
    EXPECT_EQ(core::float_to_half(1e6f), 0x7c00);
    EXPECT_EQ(core::float_to_half(5.960464477539063e-08f), 0x0001);  // smallest subnormal
    EXPECT_EQ(core::half_to_float(0x0001), 5.960464477539063e-08f);
    EXPECT_EQ(core::half_to_float(0x3555), 0.333251953125f);
    EXPECT_EQ(core::float_to_bfloat16(1.0f), 0x3f80);
    EXPECT_EQ(core::bfloat16_to_float(0xc040), -3.0f);
    for (std::uint32_t h = 0; h < 0x7c00; ++h)  // every finite positive half survives a round trip
        ASSERT_EQ(core::float_to_half(core::half_to_float(static_cast<std::uint16_t>(h))), h);
}
