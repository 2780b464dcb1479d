// Tensors written through the C API are read by the C++ client and the other way round, in both
// layouts (the stored tensor is row-major whatever the writer's layout).
#include <insitu/client.h>
#include <insitu/insitu.h>

#include <cstdio>
#include <cstring>
#include <vector>

namespace {
int failures = 0;
#define EXPECT(cond)                                                                             \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            ++failures;                                                                          \
            std::fprintf(stderr, "%s:%d: failed: %s (last C error: '%s')\n", __FILE__, __LINE__, \
                         #cond, SRGetLastError());                                               \
        }                                                                                        \
    } while (0)
}  // namespace

int main() {
    void* c = nullptr;
    EXPECT(SimpleCreateClient("cross", 5, &c) == SRNoError);
    insitu::Client cpp("cross_cpp");

    // C writes a column-major 3x2 float array; C++ reads it row-major.
    const size_t dims[2] = {3, 2};
    const float col_major[6] = {1, 2, 3, 10, 20, 30};  // [[1,10],[2,20],[3,30]]
    EXPECT(put_tensor(c, "c_to_cpp", 8, const_cast<float*>(col_major), dims, 2, SRTensorTypeFloat,
                      SRMemLayoutFortranContiguous) == SRNoError);
    std::vector<float> row(6);
    cpp.unpack_tensor("c_to_cpp", row.data(), {3, 2}, insitu::TensorType::Float,
                      insitu::MemoryLayout::Contiguous);
    EXPECT((row == std::vector<float>{1, 10, 2, 20, 3, 30}));

    // C++ writes int64 row-major; C reads both layouts.
    const std::vector<long long> v = {1, 2, 3, 4, 5, 6};
    cpp.put_tensor("cpp_to_c", v.data(), {2, 3}, insitu::TensorType::Int64,
                   insitu::MemoryLayout::Contiguous);
    const size_t d23[2] = {2, 3};
    int64_t out[6] = {};
    EXPECT(unpack_tensor(c, "cpp_to_c", 8, out, d23, 2, SRTensorTypeInt64, SRMemLayoutContiguous) ==
           SRNoError);
    EXPECT(out[0] == 1 && out[5] == 6 && out[3] == 4);
    EXPECT(unpack_tensor(c, "cpp_to_c", 8, out, d23, 2, SRTensorTypeInt64,
                         SRMemLayoutFortranContiguous) == SRNoError);
    const int64_t col[6] = {1, 4, 2, 5, 3, 6};
    EXPECT(std::memcmp(out, col, sizeof col) == 0);

    EXPECT(DeleteCClient(&c) == SRNoError);
    std::printf("test_c_cross: %d failures\n", failures);
    return failures == 0 ? 0 : 1;
}
