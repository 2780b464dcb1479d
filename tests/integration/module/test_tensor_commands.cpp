// AI.TENSORSET / AI.TENSORGET against a real redis-server with the insitu module loaded.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <thread>

#include "core/half.h"
#include "redis_server.h"

using insitu::Reply;
using insitu::testing::RawConnection;
using insitu::testing::RedisServer;

namespace {

std::string bytes_of(const void* p, std::size_t n) {
    return std::string(static_cast<const char*>(p), n);
}

class TensorCommands : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { server_ = new RedisServer(); }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    void SetUp() override {
        conn_ = server_->connect();
        ASSERT_TRUE(cmd({"FLUSHALL"}).is_status("OK"));
    }
    Reply cmd(const std::vector<std::string>& a) { return conn_->command(a); }
    void expect_error(const std::vector<std::string>& a, const std::string& text) {
        Reply r = cmd(a);
        ASSERT_TRUE(r.is_error()) << "no error for " << a[0] << " " << (a.size() > 1 ? a[1] : "");
        EXPECT_EQ(r.str, text);
    }
    static RedisServer* server_;
    std::unique_ptr<RawConnection> conn_;
};
RedisServer* TensorCommands::server_ = nullptr;

struct DtypeCase {
    std::string name;
    std::string blob;                 // two elements, row-major
    std::vector<std::string> values;  // the same two elements as VALUES
    std::vector<std::string> expect;  // TENSORGET VALUES as text (RESP2)
};

template <typename T>
std::string two(T a, T b) {
    T v[2] = {a, b};
    return bytes_of(v, sizeof v);
}

std::vector<DtypeCase> dtype_cases() {
    using namespace insitu::core;
    return {
        {"FLOAT", two<float>(1.5f, -2.25f), {"1.5", "-2.25"}, {"1.5", "-2.25"}},
        {"DOUBLE",
         two<double>(0.125, 1e300),
         {"0.125", "1e300"},
         {"0.125", "1.0000000000000001e+300"}},
        {"INT8", two<std::int8_t>(-128, 127), {"-128", "127"}, {"-128", "127"}},
        {"INT16", two<std::int16_t>(-32768, 32767), {"-32768", "32767"}, {"-32768", "32767"}},
        {"INT32", two<std::int32_t>(INT32_MIN, 7), {"-2147483648", "7"}, {"-2147483648", "7"}},
        {"INT64",
         two<std::int64_t>(INT64_MIN, INT64_MAX),
         {"-9223372036854775808", "9223372036854775807"},
         {"-9223372036854775808", "9223372036854775807"}},
        {"UINT8", two<std::uint8_t>(0, 255), {"0", "255"}, {"0", "255"}},
        {"UINT16", two<std::uint16_t>(1, 65535), {"1", "65535"}, {"1", "65535"}},
        {"UINT32", two<std::uint32_t>(1, 4294967295u), {"1", "4294967295"}, {"1", "4294967295"}},
        {"UINT64",
         two<std::uint64_t>(3, UINT64_MAX),
         {"3", "18446744073709551615"},
         {"3", "18446744073709551615"}},
        {"FLOAT16",
         two<std::uint16_t>(float_to_half(1.0f), float_to_half(-0.5f)),
         {"1", "-0.5"},
         {"1", "-0.5"}},
        {"BFLOAT16",
         two<std::uint16_t>(float_to_bfloat16(2.0f), float_to_bfloat16(-3.0f)),
         {"2", "-3"},
         {"2", "-3"}},
        {"BOOL", std::string("\x01\x00", 2), {"1", "0"}, {"1", "0"}},
        {"STRING", std::string("ab\0\0", 4), {"ab", ""}, {"ab", ""}},
    };
}

std::string text_of(const Reply& r) {
    return r.type == Reply::Type::integer ? std::to_string(r.integer) : r.str;
}

// Servers print a double reply differently (Redis 7.0 "%.17g", Valkey 8 the shortest text that
// reads back the same): floating-point values are compared as the doubles they denote.
std::string value_of(const std::string& dtype, const std::string& text) {
    if (dtype != "FLOAT" && dtype != "DOUBLE" && dtype != "FLOAT16" && dtype != "BFLOAT16")
        return text;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", std::strtod(text.c_str(), nullptr));
    return buf;
}

}  // namespace

TEST_F(TensorCommands, EveryDtypeRoundTripsThroughBlobAndValues) {
    for (const auto& c : dtype_cases()) {
        SCOPED_TRACE(c.name);
        ASSERT_TRUE(cmd({"AI.TENSORSET", "b", c.name, "2", "BLOB", c.blob}).is_status("OK"));
        std::vector<std::string> vs = {"AI.TENSORSET", "v", c.name, "2", "VALUES"};
        vs.insert(vs.end(), c.values.begin(), c.values.end());
        ASSERT_TRUE(cmd(vs).is_status("OK")) << cmd(vs).str;

        // BLOB alone: the exact bytes, for both inputs.
        Reply blob = cmd({"AI.TENSORGET", "b", "BLOB"});
        ASSERT_EQ(blob.type, Reply::Type::bulk);
        EXPECT_EQ(blob.str, c.blob);
        EXPECT_EQ(cmd({"AI.TENSORGET", "v", "BLOB"}).str, c.blob);

        // META VALUES: dtype, shape, values.
        Reply mv = cmd({"AI.TENSORGET", "b", "META", "VALUES"});
        ASSERT_EQ(mv.elements.size(), 6u);
        EXPECT_EQ(mv.elements[0].str, "dtype");
        EXPECT_EQ(mv.elements[1].str, c.name);
        EXPECT_EQ(mv.elements[2].str, "shape");
        ASSERT_EQ(mv.elements[3].elements.size(), 1u);
        EXPECT_EQ(mv.elements[3].elements[0].integer, 2);
        EXPECT_EQ(mv.elements[4].str, "values");
        ASSERT_EQ(mv.elements[5].elements.size(), 2u);
        EXPECT_EQ(value_of(c.name, text_of(mv.elements[5].elements[0])),
                  value_of(c.name, c.expect[0]));
        EXPECT_EQ(value_of(c.name, text_of(mv.elements[5].elements[1])),
                  value_of(c.name, c.expect[1]));
        EXPECT_EQ(cmd({"TYPE", "b"}).str, "AI_TENSOR");
    }
}

TEST_F(TensorCommands, ReplyLayoutsMatchRedisAI) {
    ASSERT_TRUE(
        cmd({"AI.TENSORSET", "t", "float", "2", "3", "VALUES", "1", "2", "3", "4", "5", "6"})
            .is_status("OK"));
    // No option: META + BLOB (6 elements).
    Reply d = cmd({"AI.TENSORGET", "t"});
    ASSERT_EQ(d.elements.size(), 6u);
    EXPECT_EQ(d.elements[1].str, "FLOAT");  // dtype names come back upper-case
    EXPECT_EQ(d.elements[4].str, "blob");
    EXPECT_EQ(d.elements[5].str.size(), 24u);
    // META alone: 4 elements with the shape as an array of integers.
    Reply m = cmd({"AI.TENSORGET", "t", "meta"});
    ASSERT_EQ(m.elements.size(), 4u);
    ASSERT_EQ(m.elements[3].type, Reply::Type::array);
    EXPECT_EQ(m.elements[3].elements[0].integer, 2);
    EXPECT_EQ(m.elements[3].elements[1].integer, 3);
    // VALUES alone: floats as bulk strings in RESP2, integers as integers.
    Reply v = cmd({"AI.TENSORGET", "t", "VALUES"});
    ASSERT_EQ(v.elements.size(), 6u);
    EXPECT_EQ(v.elements[5].type, Reply::Type::bulk);
    EXPECT_EQ(v.elements[5].str, "6");
    ASSERT_TRUE(cmd({"AI.TENSORSET", "i", "INT32", "2", "VALUES", "4", "5"}).is_status("OK"));
    EXPECT_EQ(cmd({"AI.TENSORGET", "i", "VALUES"}).elements[1].type, Reply::Type::integer);
    // META BLOB in either order.
    EXPECT_EQ(cmd({"AI.TENSORGET", "t", "BLOB", "META"}).elements.size(), 6u);
}

TEST_F(TensorCommands, ZeroFilledAndScalarTensors) {
    ASSERT_TRUE(cmd({"AI.TENSORSET", "z", "INT16", "3", "2"}).is_status("OK"));
    EXPECT_EQ(cmd({"AI.TENSORGET", "z", "BLOB"}).str, std::string(12, '\0'));
    ASSERT_TRUE(cmd({"AI.TENSORSET", "s", "DOUBLE", "VALUES", "3.5"}).is_status("OK"));
    Reply m = cmd({"AI.TENSORGET", "s", "META", "VALUES"});
    EXPECT_TRUE(m.elements[3].elements.empty());  // rank 0
    EXPECT_EQ(m.elements[5].elements[0].str, "3.5");
    ASSERT_TRUE(cmd({"AI.TENSORSET", "zs", "STRING", "3"}).is_status("OK"));
    EXPECT_EQ(cmd({"AI.TENSORGET", "zs", "BLOB"}).str, std::string(3, '\0'));
}

TEST_F(TensorCommands, OverwriteReplacesAndClearsExpiry) {
    ASSERT_TRUE(cmd({"AI.TENSORSET", "t", "INT8", "1", "VALUES", "1"}).is_status("OK"));
    ASSERT_EQ(cmd({"EXPIRE", "t", "1000"}).integer, 1);
    ASSERT_TRUE(cmd({"AI.TENSORSET", "t", "INT8", "2", "VALUES", "7", "8"}).is_status("OK"));
    EXPECT_EQ(cmd({"AI.TENSORGET", "t", "BLOB"}).str, "\x07\x08");
    EXPECT_EQ(cmd({"TTL", "t"}).integer, -1);
}

// Every malformed TENSORSET returns the peer's error text and leaves the keyspace unchanged.
TEST_F(TensorCommands, MalformedTensorSetIsRejectedAndChangesNothing) {
    ASSERT_TRUE(cmd({"AI.TENSORSET", "keep", "FLOAT", "2", "VALUES", "1", "2"}).is_status("OK"));
    ASSERT_TRUE(cmd({"SET", "plain", "x"}).is_status("OK"));
    Reply digest_before = cmd({"DEBUG", "DIGEST"});
    const std::string float2 = two<float>(1, 2);
    struct Bad {
        std::vector<std::string> args;
        std::string error;
    };
    const std::string arity = "ERR wrong number of arguments for 'AI.TENSORSET' command";
    std::vector<Bad> cases = {
        {{"AI.TENSORSET", "keep"}, arity},
        {{"AI.TENSORSET", "keep", "FLOAT"}, arity},
        {{"AI.TENSORSET", "keep", "FLOAT32", "2"}, "ERR invalid data type"},
        {{"AI.TENSORSET", "keep", "", "2"}, "ERR invalid data type"},
        {{"AI.TENSORSET", "keep", "FLOAT", "0", "BLOB", ""},
         "ERR invalid or negative value found in tensor shape"},
        {{"AI.TENSORSET", "keep", "FLOAT", "-2", "BLOB", float2},
         "ERR invalid or negative value found in tensor shape"},
        {{"AI.TENSORSET", "keep", "FLOAT", "2x", "BLOB", float2},
         "ERR invalid or negative value found in tensor shape"},
        {{"AI.TENSORSET", "keep", "FLOAT", "99999999999999999999", "BLOB", float2},
         "ERR invalid or negative value found in tensor shape"},
        {{"AI.TENSORSET", "keep", "FLOAT", "2", "2", "9223372036854775807"},
         "ERR tensor shape is too large (size overflows)"},
        {{"AI.TENSORSET", "keep", "FLOAT", "4294967296", "4294967296"},
         "ERR tensor shape is too large (size overflows)"},
        {{"AI.TENSORSET", "keep", "FLOAT", "100000", "100000"},
         "ERR tensor shape is too large (size overflows)"},
        {{"AI.TENSORSET", "keep", "FLOAT", "2", "BLOB"},
         "ERR a single binary string should come after the BLOB argument in 'AI.TENSORSET' "
         "command"},
        {{"AI.TENSORSET", "keep", "FLOAT", "2", "BLOB", float2, float2},
         "ERR a single binary string should come after the BLOB argument in 'AI.TENSORSET' "
         "command"},
        {{"AI.TENSORSET", "keep", "FLOAT", "2", "BLOB", float2 + "x"},
         "ERR data length does not match tensor shape and type"},
        {{"AI.TENSORSET", "keep", "FLOAT", "3", "BLOB", float2},
         "ERR data length does not match tensor shape and type"},
        {{"AI.TENSORSET", "keep", "FLOAT", "2", "VALUES", "1"},
         "ERR wrong number of values was given in 'AI.TENSORSET' command"},
        {{"AI.TENSORSET", "keep", "FLOAT", "2", "VALUES", "1", "2", "3"},
         "ERR wrong number of values was given in 'AI.TENSORSET' command"},
        {{"AI.TENSORSET", "keep", "FLOAT", "2", "VALUES"},
         "ERR wrong number of values was given in 'AI.TENSORSET' command"},
        {{"AI.TENSORSET", "keep", "FLOAT", "2", "VALUES", "1", "abc"}, "ERR invalid value"},
        {{"AI.TENSORSET", "keep", "FLOAT", "2", "VALUES", "1", "nan"}, "ERR invalid value"},
        {{"AI.TENSORSET", "keep", "INT8", "2", "VALUES", "1", "128"}, "ERR invalid value"},
        {{"AI.TENSORSET", "keep", "UINT8", "1", "VALUES", "-1"}, "ERR invalid value"},
        {{"AI.TENSORSET", "keep", "INT64", "1", "VALUES", "9223372036854775808"},
         "ERR invalid value"},
        {{"AI.TENSORSET", "keep", "INT32", "1", "VALUES", "1.5"}, "ERR invalid value"},
        {{"AI.TENSORSET", "keep", "BOOL", "2", "BLOB", std::string("\x01\x02", 2)},
         "ERR BOOL tensor elements must be 0 or 1"},
        {{"AI.TENSORSET", "keep", "BOOL", "1", "VALUES", "2"},
         "ERR BOOL tensor elements must be 0 or 1"},
        {{"AI.TENSORSET", "keep", "STRING", "2", "BLOB", std::string("a\0b", 3)},
         "ERR Number of string elements in data blob does not match tensor length"},
        {{"AI.TENSORSET", "keep", "STRING", "2", "BLOB", std::string("a\0b\0c\0", 6)},
         "ERR Number of string elements in data blob does not match tensor length"},
        {{"AI.TENSORSET", "keep", "STRING", "1", "BLOB", ""},
         "ERR Number of string elements in data blob does not match tensor length"},
        {{"AI.TENSORSET", "keep", "STRING", "1", "VALUES", std::string("a\0b", 3)},
         "ERR C-string value contains null character"},
        {{"AI.TENSORSET", "plain", "FLOAT", "2", "VALUES", "1", "2"},
         "WRONGTYPE Operation against a key holding the wrong kind of value"},
    };
    std::vector<std::string> many = {"AI.TENSORSET", "keep", "INT8"};
    for (int i = 0; i < 33; ++i) many.push_back("1");
    cases.push_back({many, "ERR too many dimensions in tensor shape (max 32)"});
    for (const auto& c : cases) {
        SCOPED_TRACE(c.args.size() > 2 ? c.args[2] + " " + c.error : c.error);
        expect_error(c.args, c.error);
    }
    EXPECT_EQ(cmd({"DEBUG", "DIGEST"}).str, digest_before.str);
    EXPECT_EQ(cmd({"DBSIZE"}).integer, 2);
    EXPECT_EQ(cmd({"GET", "plain"}).str, "x");
    EXPECT_EQ(cmd({"AI.TENSORGET", "keep", "BLOB"}).str, float2);
}

TEST_F(TensorCommands, MalformedTensorGetIsRejected) {
    ASSERT_TRUE(cmd({"AI.TENSORSET", "t", "FLOAT", "1", "VALUES", "1"}).is_status("OK"));
    ASSERT_TRUE(cmd({"SET", "plain", "x"}).is_status("OK"));
    const std::string arity = "ERR wrong number of arguments for 'AI.TENSORGET' command";
    expect_error({"AI.TENSORGET"}, arity);
    expect_error({"AI.TENSORGET", "t", "META", "BLOB", "VALUES"}, arity);
    expect_error({"AI.TENSORGET", "t", "BLOB", "VALUES"}, "ERR both BLOB and VALUES specified");
    expect_error({"AI.TENSORGET", "t", "JSON"}, "ERR unsupported data format");
    expect_error({"AI.TENSORGET", "missing"}, "ERR tensor key is empty or in a different shard");
    expect_error({"AI.TENSORGET", "plain"},
                 "WRONGTYPE Operation against a key holding the wrong kind of value");
}

TEST_F(TensorCommands, GenericKeyCommandsWork) {
    std::vector<float> data(1000);
    std::iota(data.begin(), data.end(), 0.0f);
    std::string blob = bytes_of(data.data(), data.size() * 4);
    ASSERT_TRUE(cmd({"AI.TENSORSET", "a", "FLOAT", "10", "100", "BLOB", blob}).is_status("OK"));
    EXPECT_EQ(cmd({"EXISTS", "a"}).integer, 1);
    // COPY (the peer registers no copy callback): independent keys with equal content.
    EXPECT_EQ(cmd({"COPY", "a", "b"}).integer, 1);
    EXPECT_EQ(cmd({"AI.TENSORGET", "b", "BLOB"}).str, blob);
    EXPECT_EQ(cmd({"DEL", "a"}).integer, 1);
    EXPECT_EQ(cmd({"AI.TENSORGET", "b", "BLOB"}).str, blob);  // the shared bytes outlive the source
    // RENAME, DUMP / RESTORE.
    EXPECT_TRUE(cmd({"RENAME", "b", "c"}).is_status("OK"));
    Reply dump = cmd({"DUMP", "c"});
    ASSERT_EQ(dump.type, Reply::Type::bulk);
    EXPECT_TRUE(cmd({"RESTORE", "d", "0", dump.str}).is_status("OK"));
    Reply meta = cmd({"AI.TENSORGET", "d", "META", "BLOB"});
    EXPECT_EQ(meta.elements[3].elements[1].integer, 100);
    EXPECT_EQ(meta.elements[5].str, blob);
    // A corrupted DUMP payload is refused and nothing is created.
    std::string bad = dump.str;
    bad[bad.size() / 2] ^= 0x5a;
    EXPECT_TRUE(cmd({"RESTORE", "e", "0", bad}).is_error());
    EXPECT_EQ(cmd({"EXISTS", "e"}).integer, 0);
    // MEMORY USAGE reports at least the payload; DEBUG DIGEST-VALUE depends on the content.
    EXPECT_GE(cmd({"MEMORY", "USAGE", "d"}).integer, 4000);
    Reply dv1 = cmd({"DEBUG", "DIGEST-VALUE", "c", "d"});
    ASSERT_EQ(dv1.elements.size(), 2u);
    EXPECT_EQ(dv1.elements[0].str, dv1.elements[1].str);
    EXPECT_NE(dv1.elements[0].str, std::string(40, '0'));
    ASSERT_TRUE(cmd({"AI.TENSORSET", "d", "FLOAT", "10", "100"}).is_status("OK"));
    Reply dv2 = cmd({"DEBUG", "DIGEST-VALUE", "c", "d"});
    EXPECT_NE(dv2.elements[0].str, dv2.elements[1].str);
    EXPECT_EQ(cmd({"UNLINK", "c", "d"}).integer, 2);
    EXPECT_EQ(cmd({"DBSIZE"}).integer, 0);
}

TEST(TensorPersistence, RdbRestartRestoresBitExactly) {
    RedisServer server;
    std::string big(3 << 20, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 131) ^ (i >> 7));
    {
        auto c = server.connect();
        ASSERT_TRUE(
            c->command({"AI.TENSORSET", "big", "UINT8", std::to_string(big.size()), "BLOB", big})
                .is_status("OK"));
        ASSERT_TRUE(
            c->command({"AI.TENSORSET", "small", "INT64", "1", "VALUES", "-5"}).is_status("OK"));
        ASSERT_TRUE(c->command({"AI.TENSORSET", "str", "STRING", "2", "VALUES", "hello", "w"})
                        .is_status("OK"));
        ASSERT_TRUE(c->command({"AI.TENSORSET", "h", "BFLOAT16", "1", "1", "VALUES", "1.5"})
                        .is_status("OK"));
    }
    std::string digest = server.connect()->command({"DEBUG", "DIGEST"}).str;
    server.restart(/*save=*/true);
    auto c = server.connect();
    EXPECT_EQ(c->command({"DBSIZE"}).integer, 4);
    EXPECT_EQ(c->command({"DEBUG", "DIGEST"}).str, digest);
    EXPECT_EQ(c->command({"AI.TENSORGET", "big", "BLOB"}).str, big);
    EXPECT_EQ(c->command({"AI.TENSORGET", "small", "VALUES"}).elements[0].integer, -5);
    Reply s = c->command({"AI.TENSORGET", "str", "VALUES"});
    ASSERT_EQ(s.elements.size(), 2u);
    EXPECT_EQ(s.elements[0].str, "hello");
    Reply h = c->command({"AI.TENSORGET", "h", "META"});
    EXPECT_EQ(h.elements[1].str, "BFLOAT16");
    EXPECT_EQ(h.elements[3].elements.size(), 2u);
}

TEST(TensorPersistence, AofRewriteReplaysTensorsWithAndWithoutRdbPreamble) {
    // With the preamble the rewritten base is RDB (rdb_save); without it, the commands the
    // module's aof_rewrite emits. Commands after the rewrite replay from the incremental file.
    for (const char* preamble : {"yes", "no"}) {
        SCOPED_TRACE(std::string("aof-use-rdb-preamble ") + preamble);
        RedisServer::Options o;
        o.appendonly = true;
        o.extra_args = {"--aof-use-rdb-preamble", preamble};
        RedisServer server(o);
        std::string big(1 << 20, '\0');
        for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7) ^ (i >> 9));
        {
            auto c = server.connect();
            ASSERT_TRUE(
                c->command({"AI.TENSORSET", "a", "INT16", "2", "2", "VALUES", "1", "-2", "3", "-4"})
                    .is_status("OK"));
            ASSERT_TRUE(
                c->command({"AI.TENSORSET", "s", "STRING", "1", "VALUES", "x"}).is_status("OK"));
            ASSERT_TRUE(c->command({"AI.TENSORSET", "z", "FLOAT", "VALUES", "2"})
                            .is_status("OK"));  // rank 0
            ASSERT_TRUE(c->command({"AI.TENSORSET", "big", "UINT8", std::to_string(big.size()),
                                    "BLOB", big})
                            .is_status("OK"));
            ASSERT_TRUE(c->command({"BGREWRITEAOF"}).type == Reply::Type::status);
            // Wait until the rewrite is done.
            for (int i = 0; i < 500; ++i) {
                Reply info = c->command({"INFO", "persistence"});
                if (info.str.find("aof_rewrite_in_progress:0") != std::string::npos &&
                    info.str.find("aof_rewrite_scheduled:0") != std::string::npos &&
                    info.str.find("aof_last_bgrewrite_status:ok") != std::string::npos)
                    break;
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            ASSERT_TRUE(c->command({"AI.TENSORSET", "after", "BFLOAT16", "1", "2", "BLOB",
                                    std::string("\x01\x80\xff\x7f", 4)})
                            .is_status("OK"));
        }
        std::string digest = server.connect()->command({"DEBUG", "DIGEST"}).str;
        server.restart(/*save=*/false);  // no RDB: the data must come back from the AOF
        auto c = server.connect();
        EXPECT_EQ(c->command({"DBSIZE"}).integer, 5);
        EXPECT_EQ(c->command({"DEBUG", "DIGEST"}).str, digest);
        Reply v = c->command({"AI.TENSORGET", "a", "META", "VALUES"});
        ASSERT_EQ(v.elements.size(), 6u);
        EXPECT_EQ(v.elements[5].elements[3].integer, -4);
        EXPECT_TRUE(c->command({"AI.TENSORGET", "z", "META"}).elements[3].elements.empty());
        EXPECT_EQ(c->command({"AI.TENSORGET", "big", "BLOB"}).str, big);
        EXPECT_EQ(c->command({"AI.TENSORGET", "after", "BLOB"}).str,
                  std::string("\x01\x80\xff\x7f", 4));
    }
}

TEST(TensorReplication, ReplicaReceivesTensors) {
    RedisServer::Options po;
    po.extra_args = {"--repl-diskless-sync-delay", "0"};
    RedisServer primary(po);
    RedisServer replica;
    auto rc = replica.connect();
    ASSERT_TRUE(
        rc->command({"REPLICAOF", "127.0.0.1", std::to_string(primary.port())}).is_status("OK"));
    // Synced first: KeyDB answers reads (as if empty) while it loads the primary's snapshot.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (rc->command({"INFO", "replication"}).str.find("master_link_status:up") ==
               std::string::npos ||
           rc->command({"INFO", "persistence"}).str.find("loading:0") == std::string::npos) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "replica did not sync";
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    auto pc = primary.connect();
    ASSERT_TRUE(
        pc->command({"AI.TENSORSET", "t", "DOUBLE", "2", "VALUES", "1", "2"}).is_status("OK"));
    std::string blob = two<double>(5, 6);
    ASSERT_TRUE(pc->command({"AI.TENSORSET", "b", "DOUBLE", "2", "BLOB", blob}).is_status("OK"));
    ASSERT_EQ(pc->command({"WAIT", "1", "5000"}).integer, 1);
    Reply values = rc->command({"AI.TENSORGET", "t", "VALUES"});
    ASSERT_EQ(values.elements.size(), 2u) << values.str;
    EXPECT_EQ(values.elements[1].str, "2");
    EXPECT_EQ(rc->command({"AI.TENSORGET", "b", "BLOB"}).str, blob);
    // A replica refuses writes; the error comes from Redis, not a crash.
    EXPECT_TRUE(rc->command({"AI.TENSORSET", "x", "DOUBLE", "1"}).is_error());
}

TEST(ModuleLoad, RejectsBadArguments) {
    RedisServer::Options odd;
    odd.module_args = {"THREADS_PER_QUEUE"};
    EXPECT_THROW(RedisServer{odd}, std::runtime_error);
    RedisServer::Options unknown;
    unknown.module_args = {"NO_SUCH_OPTION", "1"};
    EXPECT_THROW(RedisServer{unknown}, std::runtime_error);
    RedisServer::Options limit;
    limit.module_args = {"TENSOR_ALLOC_LIMIT", "1024"};
    RedisServer s(limit);
    auto c = s.connect();
    EXPECT_TRUE(c->command({"AI.TENSORSET", "ok", "FLOAT", "256"}).is_status("OK"));
    EXPECT_EQ(c->command({"AI.TENSORSET", "no", "FLOAT", "257"}).str,
              "ERR tensor shape is too large (size overflows)");
    EXPECT_NE(c->command({"INFO", "modules"}).str.find("ai_tensor_alloc_limit:1024"),
              std::string::npos);
}
