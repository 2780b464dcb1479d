// insitu::Pipeline: results equal to the one-at-a-time calls (several windows, a cluster), queue
// order kept between puts and reads of one key, per-item errors through the futures, and queued
// calls that really share round trips (the server's read count, INFO stats).
#include <gtest/gtest.h>
#include <insitu/pipeline.h>

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "client_test_util.h"
#include "redis_server.h"

using namespace insitu;
using insitu::testing::RawConnection;
using insitu::testing::RedisCluster;
using insitu::testing::RedisServer;

namespace {

using Item = test::TestTensor;

std::vector<Item> make_items(std::size_t n, const std::string& prefix) {
    return test::make_test_tensors(n, prefix, 2, 3, 4, 5);
}

bool ready(const std::future<void>& f) {
    return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

// Puts through a pipeline, then reads back through one (unpack and allocated reads) and one at a
// time: all three equal to what was put.
void expect_round_trip(Client& c, const std::vector<Item>& items) {
    std::vector<std::future<void>> puts;
    {
        Pipeline p(c);
        for (const auto& it : items)
            puts.push_back(
                p.put_tensor(it.name, it.bytes.data(), it.dims, it.type, MemoryLayout::Contiguous));
    }  // the destructor flushes
    for (auto& f : puts) {
        ASSERT_TRUE(ready(f));
        f.get();
    }
    std::vector<std::vector<unsigned char>> unpacked(items.size()), allocated(items.size());
    std::vector<TensorType> types(items.size(), TensorType::Invalid);
    std::vector<std::future<void>> reads;
    Pipeline p(c, 0);
    for (std::size_t i = 0; i < items.size(); ++i) {
        unpacked[i].assign(items[i].bytes.size(), 0xee);
        reads.push_back(p.unpack_tensor(items[i].name, unpacked[i].data(), items[i].dims,
                                        items[i].type, MemoryLayout::Contiguous));
        reads.push_back(p.get_tensor_into(
            items[i].name, [&, i](TensorType t, const std::vector<std::size_t>& d) -> void* {
                types[i] = t;
                allocated[i].resize(element_size(t) * d[0] * d[1]);
                return allocated[i].data();
            }));
    }
    EXPECT_EQ(p.queued(), 2 * items.size());
    p.flush();
    EXPECT_EQ(p.queued(), 0u);
    for (auto& f : reads) f.get();
    for (std::size_t i = 0; i < items.size(); ++i) {
        const Item& it = items[i];
        EXPECT_EQ(unpacked[i], it.bytes) << it.name;
        EXPECT_EQ(allocated[i], it.bytes) << it.name;
        EXPECT_EQ(types[i], it.type) << it.name;
        std::vector<unsigned char> single(it.bytes.size());
        c.unpack_tensor(it.name, single.data(), it.dims, it.type, MemoryLayout::Contiguous);
        EXPECT_EQ(single, it.bytes) << it.name;
    }
}

long long reads_processed(RawConnection& conn) {
    const std::string info = conn.command({"INFO", "stats"}).str;
    const std::string field = "total_reads_processed:";
    const auto at = info.find(field);
    if (at == std::string::npos) return -1;
    return std::stoll(info.substr(at + field.size()));
}

}  // namespace

TEST(Pipeline, ResultsEqualTheSingleCalls) {
    RedisServer s;
    Client c = test::make_client(s.address(), false);
    expect_round_trip(c, make_items(150, "p"));  // more than two windows of 64
}

TEST(Pipeline, FlushesWhenTheWindowFills) {
    RedisServer s;
    Client c = test::make_client(s.address(), false);
    float x[2] = {1, 2};
    Pipeline p(c, 3);
    auto a = p.put_tensor("w0", x, {2}, TensorType::Float, MemoryLayout::Contiguous);
    auto b = p.put_tensor("w1", x, {2}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_FALSE(ready(a));
    EXPECT_FALSE(c.tensor_exists("w0")) << "sent before the window filled";
    auto d = p.put_tensor("w2", x, {2}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_TRUE(ready(a) && ready(b) && ready(d));
    EXPECT_EQ(p.queued(), 0u);
    EXPECT_TRUE(c.tensor_exists("w2"));
    auto e = p.put_tensor("w3", x, {2}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_FALSE(ready(e));
    p.flush();
    e.get();
    EXPECT_TRUE(c.tensor_exists("w3"));
}

TEST(Pipeline, QueueOrderKeptForOneKey) {
    RedisServer s;
    Client c = test::make_client(s.address(), false);
    std::vector<int> first = {1, 2, 3}, second = {7, 8, 9}, got1(3), got2(3);
    Pipeline p(c, 0);
    auto f1 = p.put_tensor("k", first.data(), {3}, TensorType::Int32, MemoryLayout::Contiguous);
    auto f2 = p.unpack_tensor("k", got1.data(), {3}, TensorType::Int32, MemoryLayout::Contiguous);
    auto f3 = p.put_tensor("k", second.data(), {3}, TensorType::Int32, MemoryLayout::Contiguous);
    auto f4 = p.unpack_tensor("k", got2.data(), {3}, TensorType::Int32, MemoryLayout::Contiguous);
    p.flush();
    f1.get(), f2.get(), f3.get(), f4.get();
    EXPECT_EQ(got1, first);
    EXPECT_EQ(got2, second);
}

TEST(Pipeline, ErrorsPerItem) {
    RedisServer s;
    Client c = test::make_client(s.address(), false);
    std::vector<float> v = {1.5f, -2.0f, 3.25f};
    c.put_tensor("f3", v.data(), {3}, TensorType::Float, MemoryLayout::Contiguous);
    std::vector<float> right(3), missing(3, -1.0f), wrong_shape(4, -1.0f);
    std::vector<double> wrong_type(3, -1.0);
    Pipeline p(c, 0);
    auto bad_put = p.put_tensor("null", nullptr, {3}, TensorType::Float, MemoryLayout::Contiguous);
    auto good_put = p.put_tensor("g", v.data(), {3}, TensorType::Float, MemoryLayout::Contiguous);
    auto no_key = p.unpack_tensor("nowhere", missing.data(), {3}, TensorType::Float,
                                  MemoryLayout::Contiguous);
    auto dtype =
        p.unpack_tensor("f3", wrong_type.data(), {3}, TensorType::Double, MemoryLayout::Contiguous);
    auto shape =
        p.unpack_tensor("f3", wrong_shape.data(), {4}, TensorType::Float, MemoryLayout::Contiguous);
    auto good =
        p.unpack_tensor("g", right.data(), {3}, TensorType::Float, MemoryLayout::Contiguous);
    bool allocated = false;
    auto no_key_get = p.get_tensor_into("nowhere", [&](TensorType, const auto&) -> void* {
        allocated = true;
        return nullptr;
    });
    p.flush();
    EXPECT_THROW(bad_put.get(), ParameterException);
    good_put.get();
    try {
        no_key.get();
        FAIL() << "no KeyException";
    } catch (const KeyException& e) {
        EXPECT_NE(std::string(e.what()).find("nowhere"), std::string::npos) << e.what();
    }
    EXPECT_THROW(dtype.get(), TypeException);
    EXPECT_THROW(shape.get(), ParameterException);
    good.get();
    EXPECT_THROW(no_key_get.get(), KeyException);
    EXPECT_FALSE(allocated);
    EXPECT_EQ(right, v);
    EXPECT_EQ(missing, std::vector<float>(3, -1.0f));
    EXPECT_EQ(wrong_type, std::vector<double>(3, -1.0)) << "a mismatched buffer was written";
    EXPECT_EQ(wrong_shape, std::vector<float>(4, -1.0f));
    EXPECT_FALSE(c.tensor_exists("null"));
    EXPECT_TRUE(c.tensor_exists("f3")) << "the connection is still in step";
}

// The server counts the reads it does on client sockets (INFO stats total_reads_processed; each
// INFO adds its own). One-at-a-time puts need one read each; a pipeline's go out in one write.
TEST(Pipeline, QueuedCallsShareRoundTrips) {
    RedisServer s;
    Client c = test::make_client(s.address(), false);
    auto stats = s.connect();
    constexpr int n = 32;
    std::vector<float> x(16, 0.5f);
    c.put_tensor("warm", x.data(), {16}, TensorType::Float, MemoryLayout::Contiguous);

    const long long before_single = reads_processed(*stats);
    ASSERT_GE(before_single, 0) << "no total_reads_processed in INFO stats";
    for (int i = 0; i < n; ++i)
        c.put_tensor("one" + std::to_string(i), x.data(), {16}, TensorType::Float,
                     MemoryLayout::Contiguous);
    const long long single = reads_processed(*stats) - before_single;

    const long long before_pipeline = reads_processed(*stats);
    std::vector<float> back(16 * n);
    {
        Pipeline p(c, 0);
        for (int i = 0; i < n; ++i)
            p.put_tensor("many" + std::to_string(i), x.data(), {16}, TensorType::Float,
                         MemoryLayout::Contiguous);
        p.flush();
        for (int i = 0; i < n; ++i)
            p.unpack_tensor("many" + std::to_string(i), back.data() + 16 * i, {16},
                            TensorType::Float, MemoryLayout::Contiguous);
        p.flush();
    }
    const long long pipelined = reads_processed(*stats) - before_pipeline;
    EXPECT_GE(single, n) << "one-at-a-time puts";
    // Two flushes (n puts, then n reads): one read each, plus INFO's own; slack for a split write.
    EXPECT_LE(pipelined, 5) << "one-at-a-time: " << single;
    EXPECT_EQ(back, std::vector<float>(16 * n, 0.5f));
}

TEST(Pipeline, ClusterResultsEqualTheSingleCalls) {
    RedisCluster cluster(3);
    Client c = test::make_client(cluster.ssdb(), true);
    expect_round_trip(c, make_items(90, "c"));
}
