// DataSets and aggregation lists against real servers (standalone and a 3-shard cluster): round
// trips of every dtype and metadata type, the SmartRedis 0.6.1 storage layout checked byte for
// byte against buffers built here, completeness (the .COMPLETE ack), lists and prefixing.
#include <gtest/gtest.h>

#include <insitu/client.h>
#include <insitu/dataset.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "client_test_util.h"
#include "redis_server.h"

using namespace insitu;
using insitu::test::make_bytes;
using insitu::test::make_client;
using insitu::testing::RedisCluster;
using insitu::testing::RedisServer;

namespace {

template <typename T>
std::string raw(T v) {
    return std::string(reinterpret_cast<const char*>(&v), sizeof v);
}

// SmartRedis's string field: type byte 7, then (size_t length, bytes) per string.
std::string packed_strings(const std::vector<std::string>& v) {
    std::string out(1, '\x07');
    for (const auto& s : v) out += raw<std::size_t>(s.size()) + s;
    return out;
}

std::map<std::string, std::string> as_map(const Reply& r) {
    std::map<std::string, std::string> m;
    for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
        m[r.elements[i].str] = r.elements[i + 1].str;
    return m;
}

class DataSets : public ::testing::TestWithParam<bool> {
  protected:
    static void SetUpTestSuite() {
        server_ = new RedisServer();
        cluster_ = new RedisCluster(3);
    }
    static void TearDownTestSuite() {
        delete server_;
        delete cluster_;
        server_ = nullptr;
        cluster_ = nullptr;
    }
    void SetUp() override {
        for (RedisServer* s : servers())
            ASSERT_TRUE(s->connect()->command({"FLUSHALL"}).is_status("OK"));
        client_ = std::make_unique<Client>(client());
    }
    bool cluster() const { return GetParam(); }
    std::vector<RedisServer*> servers() const {
        return cluster() ? cluster_->shards() : std::vector<RedisServer*>{server_};
    }
    std::string ssdb() const { return cluster() ? cluster_->ssdb() : server_->address(); }
    Client client(const std::map<std::string, std::string>& extra = {}) const {
        return make_client(ssdb(), cluster(), extra);
    }
    // A command on the server holding `key` (independent of the client under test).
    Reply raw_on(const std::string& key, const std::vector<std::string>& args) const {
        RedisServer& s = cluster() ? cluster_->owner_of(key) : *server_;
        return s.connect()->command(args);
    }
    bool exists(const std::string& key) const { return raw_on(key, {"EXISTS", key}).integer == 1; }

    static RedisServer* server_;
    static RedisCluster* cluster_;
    std::unique_ptr<Client> client_;
};
RedisServer* DataSets::server_ = nullptr;
RedisCluster* DataSets::cluster_ = nullptr;

std::string mode_name(const ::testing::TestParamInfo<bool>& p) {
    return p.param ? "Cluster" : "Standalone";
}

// A dataset with one tensor of every dtype and every metadata type, several values each.
DataSet full_dataset(const std::string& name) {
    DataSet ds(name);
    const std::vector<std::size_t> dims{2, 3, 4};
    unsigned seed = 1;
    for (TensorType t : test::supported_types()) {
        auto bytes = make_bytes(t, 24, seed++);
        ds.add_tensor("t_" + std::string(wire_name(t)), bytes.data(), dims, t,
                      MemoryLayout::Contiguous);
    }
    for (double v : {1.5, -2.25, 1e300}) ds.add_meta_scalar("dbl", &v, MetaDataType::Double);
    for (float v : {0.5f, -3.0f}) ds.add_meta_scalar("flt", &v, MetaDataType::Float);
    for (std::int32_t v : {-7, 2147483647}) ds.add_meta_scalar("i32", &v, MetaDataType::Int32);
    for (std::int64_t v : {-9000000000LL, 1LL}) ds.add_meta_scalar("i64", &v, MetaDataType::Int64);
    for (std::uint32_t v : {4000000000u}) ds.add_meta_scalar("u32", &v, MetaDataType::Uint32);
    for (std::uint64_t v : {18000000000000000000ull, 0ull})
        ds.add_meta_scalar("u64", &v, MetaDataType::Uint64);
    for (const char* s : {"alpha", "", "with\nnewline"}) ds.add_meta_string("str", s);
    return ds;
}

template <typename T>
std::vector<T> scalars(const DataSet& ds, const std::string& field, MetaDataType want) {
    void* data = nullptr;
    std::size_t n = 0;
    MetaDataType type = MetaDataType::Invalid;
    ds.get_meta_scalars(field, data, n, type);
    EXPECT_EQ(type, want) << field;
    std::vector<T> out(n);
    if (n) std::memcpy(out.data(), data, n * sizeof(T));
    return out;
}

void expect_same(const DataSet& got, const DataSet& want) {
    EXPECT_EQ(got.get_tensor_names(), want.get_tensor_names());
    for (const auto& n : want.get_tensor_names()) {
        SCOPED_TRACE(n);
        EXPECT_EQ(got.get_tensor_type(n), want.get_tensor_type(n));
        EXPECT_EQ(got.get_tensor_dims(n), want.get_tensor_dims(n));
        void *a = nullptr, *b = nullptr;
        std::vector<std::size_t> da, db;
        TensorType ta, tb;
        got.get_tensor(n, a, da, ta, MemoryLayout::Contiguous);
        want.get_tensor(n, b, db, tb, MemoryLayout::Contiguous);
        std::size_t bytes = 24 * element_size(tb);
        EXPECT_EQ(std::memcmp(a, b, bytes), 0);
    }
    EXPECT_EQ(got.get_metadata_field_names(), want.get_metadata_field_names());
    for (const auto& f : want.get_metadata_field_names())
        EXPECT_EQ(got.get_metadata_field_type(f), want.get_metadata_field_type(f)) << f;
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Modes, DataSets, ::testing::Values(false, true), mode_name);

TEST_P(DataSets, RoundTripEveryDtypeAndMetadataType) {
    DataSet ds = full_dataset("full");
    client_->put_dataset(ds);
    EXPECT_TRUE(client_->dataset_exists("full"));
    EXPECT_TRUE(client_->poll_dataset("full", 10, 2));
    DataSet got = client_->get_dataset("full");
    EXPECT_EQ(got.get_name(), "full");
    expect_same(got, ds);
    EXPECT_EQ(scalars<double>(got, "dbl", MetaDataType::Double),
              (std::vector<double>{1.5, -2.25, 1e300}));
    EXPECT_EQ(scalars<float>(got, "flt", MetaDataType::Float), (std::vector<float>{0.5f, -3.0f}));
    EXPECT_EQ(scalars<std::int32_t>(got, "i32", MetaDataType::Int32),
              (std::vector<std::int32_t>{-7, 2147483647}));
    EXPECT_EQ(scalars<std::int64_t>(got, "i64", MetaDataType::Int64),
              (std::vector<std::int64_t>{-9000000000LL, 1}));
    EXPECT_EQ(scalars<std::uint32_t>(got, "u32", MetaDataType::Uint32),
              (std::vector<std::uint32_t>{4000000000u}));
    EXPECT_EQ(scalars<std::uint64_t>(got, "u64", MetaDataType::Uint64),
              (std::vector<std::uint64_t>{18000000000000000000ull, 0}));
    EXPECT_EQ(got.get_meta_strings("str"),
              (std::vector<std::string>{"alpha", "", "with\nnewline"}));
    EXPECT_EQ(got.get_metadata_field_type("str"), MetaDataType::String);
    // Every piece of the dataset sits on the shard of its hash tag.
    for (const auto& n : ds.get_tensor_names()) EXPECT_TRUE(exists("{full}." + n)) << n;
    EXPECT_TRUE(exists("{full}.meta"));
}

TEST_P(DataSets, NestedAndFortranTensorsAreStoredRowMajor) {
    const std::vector<std::size_t> dims{3, 4, 5};
    auto rm = make_bytes(TensorType::Int16, 60, 4);
    test::Nested3 nested(dims, 2);
    nested.fill(rm);
    auto cm = test::to_column_major(rm, dims, 2);
    DataSet ds("lay3");
    ds.add_tensor("n", nested.data(), dims, TensorType::Int16, MemoryLayout::Nested);
    ds.add_tensor("f", cm.data(), dims, TensorType::Int16, MemoryLayout::FortranContiguous);
    client_->put_dataset(ds);
    for (const char* t : {"n", "f"}) {
        std::string key = std::string("{lay3}.") + t;
        EXPECT_EQ(raw_on(key, {"AI.TENSORGET", key, "BLOB"}).str, std::string(rm.begin(), rm.end()))
            << t;
    }
    DataSet got = client_->get_dataset("lay3");
    test::Nested3 out(dims, 2);
    got.unpack_tensor("n", out.data(), dims, TensorType::Int16, MemoryLayout::Nested);
    EXPECT_EQ(out.flatten(), rm);
    std::vector<unsigned char> fout(120);
    got.unpack_tensor("f", fout.data(), dims, TensorType::Int16, MemoryLayout::FortranContiguous);
    EXPECT_EQ(fout, cm);
}

TEST_P(DataSets, StorageLayoutIsSmartRedisByteForByte) {
    DataSet ds("lay");
    float t[2] = {1.0f, -2.5f};
    ds.add_tensor("temp", t, {2}, TensorType::Float, MemoryLayout::Contiguous);
    ds.add_tensor("p", t, {1, 2}, TensorType::Float, MemoryLayout::Contiguous);
    for (double v : {1.5, -2.0}) ds.add_meta_scalar("d", &v, MetaDataType::Double);
    std::int32_t i = 7;
    ds.add_meta_scalar("i", &i, MetaDataType::Int32);
    std::uint64_t u = 0x0102030405060708ull;
    ds.add_meta_scalar("u", &u, MetaDataType::Uint64);
    ds.add_meta_string("s", "ab");
    ds.add_meta_string("s", "c");
    client_->put_dataset(ds);

    Reply all = client_->run_command({"HGETALL", "{lay}.meta"});
    auto m = as_map(all);
    std::map<std::string, std::string> want{
        {"d", std::string(1, '\x01') + raw(1.5) + raw(-2.0)},
        {"i", std::string("\x03\x07\x00\x00\x00", 5)},
        {"u", std::string("\x06\x08\x07\x06\x05\x04\x03\x02\x01", 9)},
        {"s", std::string(1, '\x07') + raw<std::size_t>(2) + "ab" + raw<std::size_t>(1) + "c"},
        {".tensor_names", packed_strings({"temp", "p"})},
        {".COMPLETE", "1"},
    };
    EXPECT_EQ(m, want);
    EXPECT_EQ(client_->run_command({"HGET", "{lay}.meta", ".COMPLETE"}).str, "1");
    EXPECT_EQ(client_->run_command({"TYPE", "{lay}.meta"}).str, "hash");
    Reply blob = client_->run_command({"AI.TENSORGET", "{lay}.temp", "BLOB"});
    EXPECT_EQ(blob.str, raw(1.0f) + raw(-2.5f));
    Reply meta = client_->run_command({"AI.TENSORGET", "{lay}.p", "META"});
    ASSERT_EQ(meta.elements.size(), 4u);
    EXPECT_EQ(meta.elements[1].str, "FLOAT");
    EXPECT_EQ(meta.elements[3].elements.size(), 2u);
}

TEST_P(DataSets, ReadsADatasetWrittenByHandInThePeersLayout) {
    // What a SmartRedis client leaves in the database, assembled here command by command.
    const std::string meta = "{peer}.meta";
    std::string blob = raw<std::int64_t>(-1) + raw<std::int64_t>(42);
    ASSERT_FALSE(
        client_->run_command({"AI.TENSORSET", "{peer}.x", "INT64", "2", "BLOB", blob}).is_error());
    ASSERT_FALSE(
        client_
            ->run_command({"HSET", meta, "step", std::string(1, '\x04') + raw<std::int64_t>(12),
                           "name", packed_strings({"run-7"}), ".tensor_names",
                           packed_strings({"x"}), ".COMPLETE", "1"})
            .is_error());
    DataSet got = client_->get_dataset("peer");
    EXPECT_EQ(got.get_tensor_names(), std::vector<std::string>{"x"});
    std::vector<std::int64_t> x(2);
    got.unpack_tensor("x", x.data(), {2}, TensorType::Int64, MemoryLayout::Contiguous);
    EXPECT_EQ(x, (std::vector<std::int64_t>{-1, 42}));
    EXPECT_EQ(scalars<std::int64_t>(got, "step", MetaDataType::Int64),
              std::vector<std::int64_t>{12});
    EXPECT_EQ(got.get_meta_strings("name"), std::vector<std::string>{"run-7"});
    // A malformed field is reported, not misread.
    client_->run_command({"HSET", meta, "bad", std::string("\x04\x01\x02", 3)});
    EXPECT_THROW(client_->get_dataset("peer"), DatabaseException);
}

TEST_P(DataSets, HalfWrittenDatasetIsNeverVisible) {
    // Metadata and tensor written, acknowledgement missing: a writer still at work (or dead).
    ASSERT_FALSE(
        client_->run_command({"AI.TENSORSET", "{half}.x", "FLOAT", "1", "VALUES", "1"}).is_error());
    ASSERT_FALSE(
        client_->run_command({"HSET", "{half}.meta", ".tensor_names", packed_strings({"x"})})
            .is_error());
    EXPECT_FALSE(client_->dataset_exists("half"));
    EXPECT_FALSE(client_->poll_dataset("half", 5, 3));
    try {
        client_->get_dataset("half");
        ADD_FAILURE() << "a dataset without .COMPLETE was returned";
    } catch (const KeyException& e) {
        EXPECT_NE(std::string(e.what()).find("not complete"), std::string::npos) << e.what();
    }
    client_->run_command({"HSET", "{half}.meta", ".COMPLETE", "1"});
    EXPECT_TRUE(client_->dataset_exists("half"));
    EXPECT_EQ(client_->get_dataset("half").get_tensor_names(), std::vector<std::string>{"x"});

    // A put whose tensor write fails leaves no acknowledgement behind, even over an old one.
    DataSet ds("broken");
    float v = 1.0f;
    ds.add_tensor("t", &v, {1}, TensorType::Float, MemoryLayout::Contiguous);
    client_->put_dataset(ds);
    ASSERT_TRUE(client_->dataset_exists("broken"));
    client_->run_command({"DEL", "{broken}.t"});
    client_->run_command({"RPUSH", "{broken}.t", "not a tensor"});  // TENSORSET now fails
    EXPECT_THROW(client_->put_dataset(ds), DatabaseException);
    EXPECT_FALSE(client_->dataset_exists("broken"));
    EXPECT_THROW(client_->get_dataset("broken"), KeyException);
}

TEST_P(DataSets, CopyRenameDelete) {
    DataSet ds = full_dataset("orig");
    client_->put_dataset(ds);
    client_->copy_dataset("orig", "copy");
    expect_same(client_->get_dataset("copy"), ds);
    EXPECT_TRUE(client_->dataset_exists("orig"));
    client_->rename_dataset("copy", "moved");
    EXPECT_FALSE(client_->dataset_exists("copy"));
    EXPECT_FALSE(exists("{copy}.meta"));
    EXPECT_FALSE(exists("{copy}.t_FLOAT"));
    expect_same(client_->get_dataset("moved"), ds);
    client_->delete_dataset("moved");
    EXPECT_FALSE(client_->dataset_exists("moved"));
    for (const auto& n : ds.get_tensor_names()) EXPECT_FALSE(exists("{moved}." + n)) << n;
    EXPECT_FALSE(exists("{moved}.meta"));
    EXPECT_TRUE(client_->dataset_exists("orig"));
    EXPECT_THROW(client_->get_dataset("moved"), KeyException);
    EXPECT_THROW(client_->delete_dataset("moved"), RuntimeException);
    EXPECT_THROW(client_->copy_dataset("moved", "x"), KeyException);
    EXPECT_THROW(client_->put_dataset(DataSet("empty")), ParameterException);
}

TEST_P(DataSets, MetadataOnlyDataset) {
    DataSet ds("metaonly");
    ds.add_meta_string("note", "hello");
    client_->put_dataset(ds);
    DataSet got = client_->get_dataset("metaonly");
    EXPECT_TRUE(got.get_tensor_names().empty());
    EXPECT_EQ(got.get_meta_strings("note"), std::vector<std::string>{"hello"});
    EXPECT_EQ(as_map(client_->run_command({"HGETALL", "{metaonly}.meta"})).count(".tensor_names"),
              0u);
}

TEST_P(DataSets, DatasetAndListPrefixing) {
    Client producer = client({{"SSKEYOUT", "prodA"}, {"SSKEYIN", "prodA,prodB"}});
    DataSet ds("p");
    std::int32_t step = 3;
    ds.add_meta_scalar("step", &step, MetaDataType::Int32);
    ds.add_tensor("x", &step, {1}, TensorType::Int32, MemoryLayout::Contiguous);
    producer.put_dataset(ds);
    EXPECT_TRUE(exists("prodA.{p}.meta"));
    EXPECT_TRUE(exists("prodA.{p}.x"));
    EXPECT_FALSE(exists("{p}.meta"));
    producer.append_to_list("runs", ds);
    EXPECT_EQ(raw_on("prodA.runs", {"LRANGE", "prodA.runs", "0", "-1"}).elements.at(0).str,
              "prodA.{p}");

    // A consumer reading from prodA sees both; one reading from nowhere sees neither.
    Client consumer = client({{"SSKEYIN", "prodA"}});
    EXPECT_TRUE(consumer.dataset_exists("p"));
    EXPECT_EQ(consumer.get_list_length("runs"), 1);
    EXPECT_EQ(consumer.get_datasets_from_list("runs").at(0).get_name(), "p");
    EXPECT_FALSE(client_->dataset_exists("p"));
    EXPECT_EQ(client_->get_list_length("runs"), 0);

    producer.use_dataset_ensemble_prefix(false);
    producer.use_list_ensemble_prefix(false);
    DataSet plain("q");
    plain.add_meta_string("k", "v");
    producer.put_dataset(plain);
    producer.append_to_list("plain", plain);
    EXPECT_TRUE(exists("{q}.meta"));
    EXPECT_EQ(raw_on("plain", {"LRANGE", "plain", "0", "-1"}).elements.at(0).str, "{q}");
    EXPECT_TRUE(client_->dataset_exists("q"));
}

TEST_P(DataSets, AggregationLists) {
    std::set<const RedisServer*> shards;
    for (int i = 0; i < 6; ++i) {
        DataSet ds("d" + std::to_string(i));
        std::int64_t idx = i;
        ds.add_meta_scalar("i", &idx, MetaDataType::Int64);
        std::vector<double> v{static_cast<double>(i), 0.5};
        ds.add_tensor("v", v.data(), {2}, TensorType::Double, MemoryLayout::Contiguous);
        client_->put_dataset(ds);
        client_->append_to_list("L", ds);
        if (cluster()) shards.insert(&cluster_->owner_of(ds.get_name()));
    }
    if (cluster()) {
        EXPECT_GT(shards.size(), 1u) << "the list should span shards";
    }
    auto entries = raw_on("L", {"LRANGE", "L", "0", "-1"});
    ASSERT_EQ(entries.elements.size(), 6u);
    EXPECT_EQ(entries.elements[2].str, "{d2}");

    auto names = [](const std::vector<DataSet>& v) {
        std::vector<std::string> out;
        for (const auto& d : v) out.push_back(d.get_name());
        return out;
    };
    EXPECT_EQ(client_->get_list_length("L"), 6);
    auto all = client_->get_datasets_from_list("L");
    ASSERT_EQ(all.size(), 6u);
    for (int i = 0; i < 6; ++i) {
        EXPECT_EQ(all[i].get_name(), "d" + std::to_string(i));
        EXPECT_EQ(scalars<std::int64_t>(all[i], "i", MetaDataType::Int64),
                  std::vector<std::int64_t>{i});
        std::vector<double> v(2);
        all[i].unpack_tensor("v", v.data(), {2}, TensorType::Double, MemoryLayout::Contiguous);
        EXPECT_EQ(v[0], i);
    }
    EXPECT_EQ(names(client_->get_dataset_list_range("L", 1, 3)),
              (std::vector<std::string>{"d1", "d2", "d3"}));
    EXPECT_EQ(names(client_->get_dataset_list_range("L", -2, -1)),
              (std::vector<std::string>{"d4", "d5"}));
    EXPECT_EQ(names(client_->get_dataset_list_range("L", -100, 0)),
              (std::vector<std::string>{"d0"}));
    EXPECT_EQ(names(client_->get_dataset_list_range("L", 4, 100)),
              (std::vector<std::string>{"d4", "d5"}));
    EXPECT_TRUE(client_->get_dataset_list_range("L", 3, 1).empty());

    EXPECT_TRUE(client_->poll_list_length("L", 6, 5, 2));
    EXPECT_FALSE(client_->poll_list_length("L", 7, 5, 2));
    EXPECT_TRUE(client_->poll_list_length_gte("L", 5, 5, 2));
    EXPECT_FALSE(client_->poll_list_length_gte("L", 7, 5, 2));
    EXPECT_TRUE(client_->poll_list_length_lte("L", 6, 5, 2));
    EXPECT_FALSE(client_->poll_list_length_lte("L", 5, 5, 2));
    EXPECT_THROW(client_->poll_list_length("L", -1, 5, 2), ParameterException);

    // Copy replaces the destination; rename moves; delete empties.
    DataSet extra("extra");
    extra.add_meta_string("k", "v");
    client_->put_dataset(extra);
    client_->append_to_list("L2", extra);
    client_->copy_list("L", "L2");
    EXPECT_EQ(names(client_->get_datasets_from_list("L2")), names(all));
    client_->rename_list("L2", "L3");
    EXPECT_EQ(client_->get_list_length("L2"), 0);
    EXPECT_EQ(client_->get_list_length("L3"), 6);
    client_->delete_list("L3");
    EXPECT_EQ(client_->get_list_length("L3"), 0);
    EXPECT_THROW(client_->copy_list("nothing", "L4"), KeyException);
    EXPECT_EQ(client_->get_list_length("L"), 6);

    // A list naming a dataset that is gone fails loudly rather than returning an empty one.
    client_->delete_dataset("d3");
    EXPECT_THROW(client_->get_datasets_from_list("L"), KeyException);
    EXPECT_EQ(names(client_->get_dataset_list_range("L", 0, 2)),
              (std::vector<std::string>{"d0", "d1", "d2"}));
}

// List reads fetch each shard's datasets on their own thread (SR_THREAD_COUNT): the results are
// the same, in list order, as a one-thread read and as what was written; a dangling entry still
// fails with its name, and the client keeps working after both.
TEST_P(DataSets, ParallelListReadsMatchOneThread) {
    constexpr int n = 48;
    std::set<RedisServer*> shards;
    std::vector<std::vector<unsigned char>> blobs;
    for (int i = 0; i < n; ++i) {
        DataSet ds("p" + std::to_string(i));
        // sizes from 8 bytes to 512 KiB so that the shards' reads overlap in time
        const std::size_t elems = std::size_t{1} << (i % 17);
        blobs.push_back(make_bytes(TensorType::Float, elems, static_cast<unsigned>(i)));
        ds.add_tensor("t", blobs.back().data(), {elems}, TensorType::Float,
                      MemoryLayout::Contiguous);
        std::int64_t idx = i;
        ds.add_meta_scalar("i", &idx, MetaDataType::Int64);
        ds.add_meta_string("s", std::string(static_cast<std::size_t>(i), 'x'));
        client_->put_dataset(ds);
        client_->append_to_list("P", ds);
        if (cluster()) shards.insert(&cluster_->owner_of(ds.get_name()));
    }
    if (cluster()) {
        ASSERT_EQ(shards.size(), 3u) << "the list should span every shard";
    }
    Client one = client({{"SR_THREAD_COUNT", "1"}});
    // A folder of this test's own: the standalone and cluster variants run side by side under
    // ctest -j, and one fixed name in /tmp had each read the other's log.
    const std::string log_path = insitu::testing::make_temp_dir("parallel-lists") + "/client.log";
    Client many = client(
        {{"SR_THREAD_COUNT", "8"}, {"SR_LOG_LEVEL", "DEVELOPER"}, {"SR_LOG_FILE", log_path}});
    auto check = [&](const std::vector<DataSet>& got, int first, const char* what) {
        for (std::size_t k = 0; k < got.size(); ++k) {
            const int i = first + static_cast<int>(k);
            SCOPED_TRACE(std::string(what) + " entry " + std::to_string(k));
            ASSERT_EQ(got[k].get_name(), "p" + std::to_string(i));
            EXPECT_EQ(scalars<std::int64_t>(got[k], "i", MetaDataType::Int64),
                      std::vector<std::int64_t>{i});
            EXPECT_EQ(got[k].get_meta_strings("s"),
                      std::vector<std::string>{std::string(static_cast<std::size_t>(i), 'x')});
            std::vector<unsigned char> t(blobs[static_cast<std::size_t>(i)].size());
            got[k].unpack_tensor("t", t.data(), {t.size() / 4}, TensorType::Float,
                                 MemoryLayout::Contiguous);
            EXPECT_TRUE(t == blobs[static_cast<std::size_t>(i)]);
        }
    };
    for (int round = 0; round < 3; ++round) {
        auto a = one.get_datasets_from_list("P");
        auto b = many.get_datasets_from_list("P");
        ASSERT_EQ(a.size(), static_cast<std::size_t>(n));
        ASSERT_EQ(b.size(), static_cast<std::size_t>(n));
        check(a, 0, "one thread");
        check(b, 0, "parallel");
        auto r = many.get_dataset_list_range("P", 5, -6);
        ASSERT_EQ(r.size(), static_cast<std::size_t>(n - 10));
        check(r, 5, "parallel range");
    }
    {
        // The cluster's reads took the parallel path: one thread per shard, none left over.
        std::ifstream log(log_path);
        std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
        if (cluster())
            EXPECT_NE(text.find("get_dataset_list_range: 3 of 3 shards read in parallel on 3 "
                                "threads"),
                      std::string::npos)
                << text.substr(0, 2000);
        else
            EXPECT_EQ(text.find("in parallel"), std::string::npos);
    }
    // A dangling entry fails with its name; the connections are usable afterwards.
    client_->delete_dataset("p17");
    try {
        many.get_datasets_from_list("P");
        ADD_FAILURE() << "a dangling entry was not reported";
    } catch (const KeyException& e) {
        EXPECT_NE(std::string(e.what()).find("p17"), std::string::npos) << e.what();
    }
    auto r = many.get_dataset_list_range("P", 0, 16);
    ASSERT_EQ(r.size(), 17u);
    check(r, 0, "after an error");
    EXPECT_TRUE(many.dataset_exists("p40"));
    EXPECT_EQ(many.get_list_length("P"), n);
}

TEST(DataSetApi, FieldsTensorsAndErrors) {
    DataSet ds("api");
    EXPECT_EQ(ds.get_name(), "api");
    float f[6] = {1, 2, 3, 4, 5, 6};
    ds.add_tensor("a", f, {2, 3}, TensorType::Float, MemoryLayout::Contiguous);
    EXPECT_THROW(ds.add_tensor("a", f, {2, 3}, TensorType::Float, MemoryLayout::Contiguous),
                 ParameterException);
    EXPECT_THROW(ds.add_tensor("b", f, {0}, TensorType::Float, MemoryLayout::Contiguous),
                 ParameterException);
    EXPECT_THROW(ds.add_tensor("b", f, {2}, TensorType::String, MemoryLayout::Contiguous),
                 ParameterException);
    EXPECT_EQ(ds.get_tensor_type("a"), TensorType::Float);
    EXPECT_EQ(ds.get_tensor_dims("a"), (std::vector<std::size_t>{2, 3}));
    EXPECT_THROW(ds.get_tensor_type("nope"), KeyException);

    // get_tensor views: nested and Fortran orders of the same data.
    void* data = nullptr;
    std::vector<std::size_t> dims;
    TensorType t;
    ds.get_tensor("a", data, dims, t, MemoryLayout::Nested);
    EXPECT_EQ(static_cast<float**>(data)[1][2], 6.0f);
    ds.get_tensor("a", data, dims, t, MemoryLayout::FortranContiguous);
    EXPECT_EQ(static_cast<float*>(data)[1], 4.0f);  // column-major: a[1][0]
    std::size_t* cdims = nullptr;
    std::size_t nd = 0;
    ds.get_tensor("a", data, cdims, nd, t, MemoryLayout::Contiguous);
    EXPECT_EQ(nd, 2u);
    EXPECT_EQ(cdims[1], 3u);
    std::vector<double> wrong(6);
    EXPECT_THROW(
        ds.unpack_tensor("a", wrong.data(), {6}, TensorType::Double, MemoryLayout::Contiguous),
        TypeException);
    std::vector<float> small(4);
    EXPECT_THROW(
        ds.unpack_tensor("a", small.data(), {4}, TensorType::Float, MemoryLayout::Contiguous),
        ParameterException);

    // Metadata: appending, typing, clearing.
    std::int32_t i = 1;
    double d = 2.0;
    ds.add_meta_scalar("n", &i, MetaDataType::Int32);
    ds.add_meta_scalar("n", &i, MetaDataType::Int32);
    EXPECT_THROW(ds.add_meta_scalar("n", &d, MetaDataType::Double), ParameterException);
    EXPECT_THROW(ds.add_meta_string("n", "x"), ParameterException);
    EXPECT_THROW(ds.add_meta_scalar("x", &d, MetaDataType::String), ParameterException);
    ds.add_meta_string("s", "one");
    EXPECT_THROW(ds.add_meta_scalar("s", &i, MetaDataType::Int32), ParameterException);
    EXPECT_EQ(ds.get_metadata_field_names(), (std::vector<std::string>{"n", "s"}));
    EXPECT_EQ(ds.get_metadata_field_type("n"), MetaDataType::Int32);
    EXPECT_EQ(ds.get_metadata_field_type("s"), MetaDataType::String);
    void* vals = nullptr;
    std::size_t len = 0;
    MetaDataType mt;
    ds.get_meta_scalars("n", vals, len, mt);
    EXPECT_EQ(len, 2u);
    EXPECT_THROW(ds.get_meta_scalars("s", vals, len, mt), TypeException);
    EXPECT_THROW(ds.get_meta_strings("n"), TypeException);
    EXPECT_THROW(ds.get_meta_strings("missing"), KeyException);
    EXPECT_TRUE(ds.has_field("n"));
    ds.clear_field("n");
    EXPECT_FALSE(ds.has_field("n"));
    EXPECT_THROW(ds.get_metadata_field_type("n"), KeyException);
    ds.clear_field("never there");
    // The internal tensor-name list reads like the peer's but is not a user field.
    EXPECT_TRUE(ds.has_field(".tensor_names"));
    EXPECT_EQ(ds.get_meta_strings(".tensor_names"), std::vector<std::string>{"a"});
    EXPECT_NE(ds.to_string().find("a: FLOAT [2, 3]"), std::string::npos) << ds.to_string();
    // Copies are independent and keep handed-out views alive.
    DataSet copy = ds;
    copy.add_meta_string("s", "two");
    EXPECT_EQ(ds.get_meta_strings("s").size(), 1u);
    EXPECT_EQ(copy.get_meta_strings("s").size(), 2u);
}
