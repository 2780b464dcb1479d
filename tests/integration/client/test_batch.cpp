// put_tensors / unpack_tensors: bit-exact round trips (several windows, every layout), per-item
// errors that leave the other items done, and a 3-shard cluster where the items spread over every
// shard.
#include <gtest/gtest.h>
#include <insitu/client.h>

#include <set>
#include <string>
#include <vector>

#include "client_test_util.h"
#include "redis_server.h"

using namespace insitu;
using insitu::testing::RedisCluster;
using insitu::testing::RedisServer;

namespace {

using Item = test::TestTensor;

std::vector<Item> make_items(std::size_t n, const std::string& prefix) {
    return test::make_test_tensors(n, prefix, 1, 4, 5, 0);
}

void put_all(Client& c, const std::vector<Item>& items) {
    std::vector<std::string> names;
    std::vector<InputTensor> ins;
    for (const auto& it : items) {
        names.push_back(it.name);
        ins.push_back({it.bytes.data(), it.dims, it.type, MemoryLayout::Contiguous});
    }
    c.put_tensors(names, ins);
}

// Every item read back both ways: the batch call and the single one, both equal to what was put.
void expect_round_trip(Client& c, const std::vector<Item>& items) {
    std::vector<std::string> names;
    std::vector<OutputTensor> outs;
    std::vector<std::vector<unsigned char>> got(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
        got[i].assign(items[i].bytes.size(), 0xee);
        names.push_back(items[i].name);
        outs.push_back({got[i].data(), items[i].dims, items[i].type, MemoryLayout::Contiguous});
    }
    c.unpack_tensors(names, outs);
    for (std::size_t i = 0; i < items.size(); ++i) {
        EXPECT_EQ(got[i], items[i].bytes) << items[i].name;
        std::vector<unsigned char> single(items[i].bytes.size());
        c.unpack_tensor(items[i].name, single.data(), items[i].dims, items[i].type,
                        MemoryLayout::Contiguous);
        EXPECT_EQ(single, items[i].bytes) << items[i].name;
    }
}

}  // namespace

TEST(Batch, RoundTripsBitExactOverSeveralWindows) {
    RedisServer s;
    Client c = test::make_client(s.address(), false);
    auto items = make_items(150, "b");  // more than one window of 64
    put_all(c, items);
    expect_round_trip(c, items);
    // Tensors put one at a time read back by the batch call too.
    auto singles = make_items(5, "s");
    for (const auto& it : singles)
        c.put_tensor(it.name, it.bytes.data(), it.dims, it.type, MemoryLayout::Contiguous);
    expect_round_trip(c, singles);
    // get_tensors_into: memory from the allocator, once each dtype and shape are known.
    std::vector<std::string> names;
    for (const auto& it : items) names.push_back(it.name);
    names.insert(names.begin() + 7, "absent");
    std::vector<std::vector<unsigned char>> got(names.size());
    std::vector<TensorType> types(names.size(), TensorType::Invalid);
    std::vector<std::vector<std::size_t>> shapes(names.size());
    try {
        c.get_tensors_into(
            names, [&](std::size_t i, TensorType t, const std::vector<std::size_t>& d) -> void* {
                types[i] = t;
                shapes[i] = d;
                got[i].resize(element_size(t) * d[0] * d[1]);
                return got[i].data();
            });
        FAIL() << "no BatchException for 'absent'";
    } catch (const BatchException& e) {
        ASSERT_EQ(e.failures().size(), 1u) << e.what();
        EXPECT_EQ(e.failures()[0].index, 7u);
        EXPECT_EQ(e.failures()[0].code, ErrorCode::Key);
    }
    for (std::size_t i = 0, j = 0; i < names.size(); ++i) {
        if (i == 7) continue;
        const Item& it = items[j++];
        EXPECT_EQ(types[i], it.type) << it.name;
        EXPECT_EQ(shapes[i], it.dims) << it.name;
        EXPECT_EQ(got[i], it.bytes) << it.name;
    }
    // Empty batches do nothing.
    c.put_tensors({}, {});
    c.unpack_tensors({}, {});
}

TEST(Batch, BigTensorsAndFortranLayout) {
    RedisServer s;
    Client c = test::make_client(s.address(), false);
    // 6 x 3 MiB: windows end by bytes, not by count.
    std::vector<Item> big;
    for (int i = 0; i < 6; ++i) {
        Item it{"big" + std::to_string(i), TensorType::Float, {768, 1024}, {}};
        it.bytes = test::make_bytes(it.type, 768 * 1024, static_cast<unsigned>(i + 7));
        big.push_back(std::move(it));
    }
    put_all(c, big);
    expect_round_trip(c, big);

    // Column-major in and out: stored row-major, as put_tensor stores it.
    const std::vector<std::size_t> d = {2, 3, 4};
    auto rm = test::make_bytes(TensorType::Int32, 24, 3);
    auto cm = test::to_column_major(rm, d, 4);
    c.put_tensors({"f"}, {{cm.data(), d, TensorType::Int32, MemoryLayout::FortranContiguous}});
    std::vector<unsigned char> row(rm.size()), col(rm.size());
    c.unpack_tensor("f", row.data(), d, TensorType::Int32, MemoryLayout::Contiguous);
    EXPECT_EQ(row, rm);
    c.unpack_tensors({"f"}, {{col.data(), d, TensorType::Int32, MemoryLayout::FortranContiguous}});
    EXPECT_EQ(col, cm);
}

TEST(Batch, PerItemErrorsLeaveTheOthersDone) {
    RedisServer s;
    Client c = test::make_client(s.address(), false);
    auto items = make_items(4, "ok");
    std::vector<float> good = {1, 2, 3};
    std::vector<std::string> names = {items[0].name, "null_data", items[1].name, "bad_dims",
                                      items[2].name};
    std::vector<InputTensor> ins = {
        {items[0].bytes.data(), items[0].dims, items[0].type, MemoryLayout::Contiguous},
        {nullptr, {3}, TensorType::Float, MemoryLayout::Contiguous},
        {items[1].bytes.data(), items[1].dims, items[1].type, MemoryLayout::Contiguous},
        {good.data(), {}, TensorType::Float, MemoryLayout::Contiguous},
        {items[2].bytes.data(), items[2].dims, items[2].type, MemoryLayout::Contiguous}};
    try {
        c.put_tensors(names, ins);
        FAIL() << "no BatchException";
    } catch (const BatchException& e) {
        ASSERT_EQ(e.failures().size(), 2u) << e.what();
        EXPECT_EQ(e.failures()[0].index, 1u);
        EXPECT_EQ(e.failures()[0].name, "null_data");
        EXPECT_EQ(e.failures()[0].code, ErrorCode::Parameter);
        EXPECT_EQ(e.failures()[1].index, 3u);
        EXPECT_EQ(e.code(), ErrorCode::Parameter);
        EXPECT_NE(std::string(e.what()).find("'bad_dims'"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(c.tensor_exists("null_data"));
    EXPECT_FALSE(c.tensor_exists("bad_dims"));
    expect_round_trip(c, {items[0], items[1], items[2]});

    // Reads: a missing key, a dtype and a shape that do not match; the rest still arrives.
    c.put_tensor("f3", good.data(), {3}, TensorType::Float, MemoryLayout::Contiguous);
    std::vector<unsigned char> a(items[0].bytes.size()), b(items[1].bytes.size());
    std::vector<double> wrong_type(3);
    std::vector<float> wrong_shape(4), missing(3), right(3);
    try {
        c.unpack_tensors({items[0].name, "missing", "f3", "f3", items[1].name, "f3"},
                         {{a.data(), items[0].dims, items[0].type, MemoryLayout::Contiguous},
                          {missing.data(), {3}, TensorType::Float, MemoryLayout::Contiguous},
                          {wrong_type.data(), {3}, TensorType::Double, MemoryLayout::Contiguous},
                          {wrong_shape.data(), {4}, TensorType::Float, MemoryLayout::Contiguous},
                          {b.data(), items[1].dims, items[1].type, MemoryLayout::Contiguous},
                          {right.data(), {3}, TensorType::Float, MemoryLayout::Contiguous}});
        FAIL() << "no BatchException";
    } catch (const BatchException& e) {
        ASSERT_EQ(e.failures().size(), 3u) << e.what();
        EXPECT_EQ(e.failures()[0].index, 1u);
        EXPECT_EQ(e.failures()[0].code, ErrorCode::Key);
        EXPECT_EQ(e.failures()[1].index, 2u);
        EXPECT_EQ(e.failures()[1].code, ErrorCode::Type);
        EXPECT_EQ(e.failures()[2].index, 3u);
        EXPECT_EQ(e.failures()[2].code, ErrorCode::Parameter);
        EXPECT_EQ(e.code(), ErrorCode::Key);
    }
    EXPECT_EQ(a, items[0].bytes);
    EXPECT_EQ(b, items[1].bytes);
    EXPECT_EQ(right, good);
    EXPECT_EQ(wrong_type, std::vector<double>(3, 0.0)) << "a mismatched buffer was written";
    // The connection is still in step.
    EXPECT_TRUE(c.tensor_exists("f3"));
    EXPECT_THROW(c.put_tensors({"x"}, {}), ParameterException);
}

TEST(Batch, ClusterPipelinesPerShard) {
    RedisCluster cluster(3);
    Client c = test::make_client(cluster.ssdb(), true);
    auto items = make_items(90, "c");
    put_all(c, items);
    std::set<RedisServer*> shards;
    for (const auto& it : items) {
        RedisServer& owner = cluster.owner_of(it.name);
        shards.insert(&owner);
        EXPECT_EQ(owner.connect()->command({"EXISTS", it.name}).integer, 1) << it.name;
    }
    EXPECT_EQ(shards.size(), 3u) << "the items did not spread over the shards";
    expect_round_trip(c, items);
    // A per-item error on one shard does not stop the others.
    std::vector<float> v(3);
    try {
        c.unpack_tensors({items[0].name, "nowhere", items[1].name},
                         {{v.data(), {3}, TensorType::Float, MemoryLayout::Contiguous},
                          {v.data(), {3}, TensorType::Float, MemoryLayout::Contiguous},
                          {v.data(), {3}, TensorType::Float, MemoryLayout::Contiguous}});
        FAIL() << "no BatchException";
    } catch (const BatchException& e) {
        ASSERT_GE(e.failures().size(), 1u);
        bool missing = false;
        for (const auto& f : e.failures())
            missing = missing || (f.name == "nowhere" && f.code == ErrorCode::Key);
        EXPECT_TRUE(missing) << e.what();
    }
}
