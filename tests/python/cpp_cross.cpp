// Cross-language helper for the Python tests (C++ client):
//   cpp_cross check-list <list> <n>  reads <list> and checks it holds exactly n datasets of the
//                                    pattern fortran_cross writes (see
//                                    tests/fortran/fortran_cross.f90):
//   dataset k: "a" DOUBLE 3x4 a[i][j] = 10*(i+1) + (j+1) + 100*k, "n" INT32 [k, -k]; metadata
//   "step" INT64 [k, k+1], "dt" DOUBLE [0.25*k], "units" ["m/s", "kelvin"]; named <list>_<k>.
// Exit status 0 when everything matches; the first difference is printed.
#include <insitu/client.h>

#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

namespace {

bool fail(const std::string& what) {
    std::cerr << "cpp_cross: " << what << "\n";
    return false;
}

bool check_dataset(const insitu::DataSet& ds, const std::string& list, int k) {
    const std::string at = "dataset " + std::to_string(k) + ": ";
    if (ds.get_name() != list + "_" + std::to_string(k)) return fail(at + "name " + ds.get_name());
    if (ds.get_tensor_type("a") != insitu::TensorType::Double ||
        ds.get_tensor_dims("a") != std::vector<std::size_t>{3, 4})
        return fail(at + "tensor a has another dtype or shape");
    double a[3][4];
    ds.unpack_tensor("a", a, {3, 4}, insitu::TensorType::Double, insitu::MemoryLayout::Contiguous);
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 4; ++j)
            if (a[i][j] != 10 * (i + 1) + (j + 1) + 100 * k) return fail(at + "a values");
    std::int32_t n[2];
    ds.unpack_tensor("n", n, {2}, insitu::TensorType::Int32, insitu::MemoryLayout::Contiguous);
    if (n[0] != k || n[1] != -k) return fail(at + "n values");

    void* data = nullptr;
    std::size_t length = 0;
    insitu::MetaDataType type{};
    ds.get_meta_scalars("step", data, length, type);
    auto* step = static_cast<std::int64_t*>(data);
    if (type != insitu::MetaDataType::Int64 || length != 2 || step[0] != k || step[1] != k + 1)
        return fail(at + "step");
    ds.get_meta_scalars("dt", data, length, type);
    if (type != insitu::MetaDataType::Double || length != 1 ||
        *static_cast<double*>(data) != 0.25 * k)
        return fail(at + "dt");
    if (ds.get_meta_strings("units") != std::vector<std::string>{"m/s", "kelvin"})
        return fail(at + "units");
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4 || std::string(argv[1]) != "check-list") return 2;
    const std::string list = argv[2];
    const int expected = std::stoi(argv[3]);
    try {
        insitu::Client client("cpp_cross");
        auto datasets = client.get_datasets_from_list(list);
        if (static_cast<int>(datasets.size()) != expected)
            return fail("list length " + std::to_string(datasets.size())), 1;
        for (int k = 0; k < expected; ++k)
            if (!check_dataset(datasets[k], list, k)) return 1;
    } catch (const std::exception& e) {
        return fail(e.what()), 1;
    }
    return 0;
}
