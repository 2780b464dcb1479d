// Helpers shared by the client integration tests: client configuration without the process
// environment, deterministic tensor data, and hand-built Nested / Fortran buffers (built here,
// independently of the library's own layout code).
#pragma once

#include <insitu/client.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace insitu::test {

inline std::unique_ptr<ConfigOptions> options(
    const std::string& ssdb, bool cluster, const std::map<std::string, std::string>& extra = {}) {
    auto o = ConfigOptions::create_empty();
    o->override_string_option("SSDB", ssdb);
    o->override_string_option("SR_DB_TYPE", cluster ? "Clustered" : "Standalone");
    o->override_string_option("SR_LOG_LEVEL", "QUIET");
    // Quick retries so that restart tests do not sit out the 1 s default interval.
    o->override_integer_option("SR_CMD_INTERVAL", 50);
    o->override_integer_option("SR_CONN_INTERVAL", 50);
    o->override_integer_option("SR_CONN_TIMEOUT", 20);
    o->override_integer_option("SR_CMD_TIMEOUT", 20);
    // Sanitizer builds run several times slower: scripts/test-asan widens the per-operation
    // socket timeout through INSITU_TEST_SOCKET_TIMEOUT (ms) instead of loosening any test.
    if (const char* t = std::getenv("INSITU_TEST_SOCKET_TIMEOUT"))
        o->override_string_option("SR_SOCKET_TIMEOUT", t);
    for (const auto& [k, v] : extra) o->override_string_option(k, v);
    return o;
}

inline Client make_client(const std::string& ssdb, bool cluster,
                          const std::map<std::string, std::string>& extra = {}) {
    auto o = options(ssdb, cluster, extra);
    return Client(o.get(), "test");
}

inline const std::vector<TensorType>& supported_types() {
    static const std::vector<TensorType> types = {
        TensorType::Double, TensorType::Float,  TensorType::Int8,    TensorType::Int16,
        TensorType::Int32,  TensorType::Int64,  TensorType::Uint8,   TensorType::Uint16,
        TensorType::Uint32, TensorType::Uint64, TensorType::Float16, TensorType::BFloat16,
        TensorType::Bool};
    return types;
}

// Row-major bytes for `n` elements; Bool elements are 0/1 as the database requires.
inline std::vector<unsigned char> make_bytes(TensorType t, std::size_t n, unsigned seed = 1) {
    std::size_t es = element_size(t);
    std::vector<unsigned char> out(n * es);
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = t == TensorType::Bool
                     ? static_cast<unsigned char>((i + seed) % 2)
                     : static_cast<unsigned char>((i * 131 + seed * 7 + 3) & 0xff);
    return out;
}

// `n` named 2-d tensors cycling through every dtype, of (rows + i % 3) x (cols + i % col_cycle)
// elements, with make_bytes data (seed i + seed): items for the batch and pipeline tests.
struct TestTensor {
    std::string name;
    TensorType type;
    std::vector<std::size_t> dims;
    std::vector<unsigned char> bytes;
};
inline std::vector<TestTensor> make_test_tensors(std::size_t n, const std::string& prefix,
                                                 std::size_t rows, std::size_t cols,
                                                 std::size_t col_cycle, unsigned seed) {
    std::vector<TestTensor> out;
    const auto& types = supported_types();
    for (std::size_t i = 0; i < n; ++i) {
        TestTensor it;
        it.name = prefix + std::to_string(i);
        it.type = types[i % types.size()];
        it.dims = {rows + i % 3, cols + i % col_cycle};
        it.bytes = make_bytes(it.type, it.dims[0] * it.dims[1], static_cast<unsigned>(i) + seed);
        out.push_back(std::move(it));
    }
    return out;
}

// Column-major copy of row-major 3-d data, by explicit index arithmetic.
inline std::vector<unsigned char> to_column_major(const std::vector<unsigned char>& rm,
                                                  const std::vector<std::size_t>& d,
                                                  std::size_t es) {
    std::vector<unsigned char> cm(rm.size());
    for (std::size_t i = 0; i < d[0]; ++i)
        for (std::size_t j = 0; j < d[1]; ++j)
            for (std::size_t k = 0; k < d[2]; ++k) {
                std::size_t r = (i * d[1] + j) * d[2] + k;
                std::size_t c = i + d[0] * (j + d[1] * k);
                std::memcpy(&cm[c * es], &rm[r * es], es);
            }
    return cm;
}

// A 3-d pointer-of-pointers array whose rows are separate allocations (so gathering matters).
struct Nested3 {
    std::vector<std::size_t> dims;
    std::size_t es;
    std::vector<std::vector<unsigned char>> rows;
    std::vector<std::vector<void*>> mids;
    std::vector<void*> top;

    Nested3(const std::vector<std::size_t>& d, std::size_t elem) : dims(d), es(elem) {
        rows.resize(d[0] * d[1], std::vector<unsigned char>(d[2] * elem));
        mids.resize(d[0], std::vector<void*>(d[1]));
        top.resize(d[0]);
        for (std::size_t i = 0; i < d[0]; ++i) {
            for (std::size_t j = 0; j < d[1]; ++j) mids[i][j] = rows[i * d[1] + j].data();
            top[i] = mids[i].data();
        }
    }
    void* data() { return top.data(); }
    void fill(const std::vector<unsigned char>& rm) {
        std::size_t row = dims[2] * es;
        for (std::size_t r = 0; r < rows.size(); ++r)
            std::memcpy(rows[r].data(), &rm[r * row], row);
    }
    std::vector<unsigned char> flatten() const {
        std::vector<unsigned char> out;
        for (const auto& r : rows) out.insert(out.end(), r.begin(), r.end());
        return out;
    }
};

// Reads a nested view handed out by get_tensor (3-d) back into row-major bytes.
inline std::vector<unsigned char> flatten_view(void* view, const std::vector<std::size_t>& d,
                                               std::size_t es) {
    std::vector<unsigned char> out;
    auto top = static_cast<void**>(view);
    for (std::size_t i = 0; i < d[0]; ++i) {
        auto mid = static_cast<void**>(top[i]);
        for (std::size_t j = 0; j < d[1]; ++j) {
            auto row = static_cast<unsigned char*>(mid[j]);
            out.insert(out.end(), row, row + d[2] * es);
        }
    }
    return out;
}

inline std::vector<unsigned char> bytes_at(const void* p, std::size_t n) {
    auto b = static_cast<const unsigned char*>(p);
    return std::vector<unsigned char>(b, b + n);
}

template <typename F>
double seconds_taken(F&& f) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace insitu::test

#include <gtest/gtest.h>

namespace insitu::test {

// Puts and reads back a 3x4x5 tensor of `t` in every supported layout, through every read path
// (get_tensor both overloads, unpack_tensor), comparing bytes with independently built data.
inline void check_round_trip(Client& c, const std::string& key, TensorType t) {
    SCOPED_TRACE(std::string(wire_name(t)) + " key " + key);
    const std::vector<std::size_t> dims{3, 4, 5};
    const std::size_t n = 60, es = element_size(t), bytes = n * es;
    void* data = nullptr;
    std::vector<std::size_t> got_dims;
    TensorType got_t = TensorType::Invalid;

    // Contiguous.
    auto rm = make_bytes(t, n, 1);
    c.put_tensor(key, rm.data(), dims, t, MemoryLayout::Contiguous);
    c.get_tensor(key, data, got_dims, got_t, MemoryLayout::Contiguous);
    EXPECT_EQ(got_t, t);
    EXPECT_EQ(got_dims, dims);
    EXPECT_EQ(bytes_at(data, bytes), rm);
    std::vector<unsigned char> out(bytes);
    c.unpack_tensor(key, out.data(), dims, t, MemoryLayout::Contiguous);
    EXPECT_EQ(out, rm);
    std::vector<unsigned char> flat(bytes);  // contiguous: only the element count must match
    c.unpack_tensor(key, flat.data(), {n}, t, MemoryLayout::Contiguous);
    EXPECT_EQ(flat, rm);

    // Nested (rows in separate allocations).
    const std::string nkey = key + ".nested";
    auto rm2 = make_bytes(t, n, 2);
    Nested3 in(dims, es);
    in.fill(rm2);
    c.put_tensor(nkey, in.data(), dims, t, MemoryLayout::Nested);
    c.get_tensor(nkey, data, got_dims, got_t, MemoryLayout::Contiguous);
    EXPECT_EQ(bytes_at(data, bytes), rm2);
    c.get_tensor(nkey, data, got_dims, got_t, MemoryLayout::Nested);
    EXPECT_EQ(got_dims, dims);
    EXPECT_EQ(flatten_view(data, dims, es), rm2);
    Nested3 nout(dims, es);
    c.unpack_tensor(nkey, nout.data(), dims, t, MemoryLayout::Nested);
    EXPECT_EQ(nout.flatten(), rm2);

    // Fortran (column-major): stored row-major, handed back column-major.
    const std::string fkey = key + ".fortran";
    auto rm3 = make_bytes(t, n, 3);
    auto cm3 = to_column_major(rm3, dims, es);
    c.put_tensor(fkey, cm3.data(), dims, t, MemoryLayout::FortranContiguous);
    c.get_tensor(fkey, data, got_dims, got_t, MemoryLayout::Contiguous);
    EXPECT_EQ(bytes_at(data, bytes), rm3);
    std::size_t* cdims = nullptr;
    std::size_t ndims = 0;
    c.get_tensor(fkey, data, cdims, ndims, got_t, MemoryLayout::FortranContiguous);
    ASSERT_EQ(ndims, 3u);
    EXPECT_EQ(std::vector<std::size_t>(cdims, cdims + ndims), dims);
    EXPECT_EQ(got_t, t);
    EXPECT_EQ(bytes_at(data, bytes), cm3);
    std::vector<unsigned char> fout(bytes);
    c.unpack_tensor(fkey, fout.data(), dims, t, MemoryLayout::FortranContiguous);
    EXPECT_EQ(fout, cm3);
}

}  // namespace insitu::test
