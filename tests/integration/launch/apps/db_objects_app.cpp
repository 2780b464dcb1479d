// An application for the launcher tests: it connects from its environment (SSDB, SR_DB_TYPE) and
// runs what the driver attached to it: ML model "mlp" (mlp_traced.pt), script "util"
// (script.txt, legacy_add) and function "times_two". It checks every result against the committed
// expected output or a local computation, and prints "db-objects-app: ok".
// usage: db_objects_app <models dir>
#include <insitu/client.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

std::vector<float> load_npy_f32(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::string f((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (f.size() < 10 || f.compare(0, 6, "\x93NUMPY") != 0)
        throw std::runtime_error(path + " is not .npy");
    std::size_t hlen = static_cast<unsigned char>(f[8]) | (static_cast<unsigned char>(f[9]) << 8);
    std::vector<float> v((f.size() - 10 - hlen) / 4);
    std::memcpy(v.data(), f.data() + 10 + hlen, v.size() * 4);
    return v;
}

void check_near(const char* what, const std::vector<float>& got, const std::vector<float>& want) {
    if (got.size() != want.size() || want.empty())
        throw std::runtime_error(std::string(what) + ": wrong size");
    for (std::size_t i = 0; i < got.size(); ++i)
        if (std::fabs(got[i] - want[i]) > 1e-4)
            throw std::runtime_error(std::string(what) + ": element " + std::to_string(i) + " is " +
                                     std::to_string(got[i]) + ", expected " +
                                     std::to_string(want[i]));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: db_objects_app <models dir>\n");
        return 2;
    }
    std::string dir = argv[1];
    try {
        insitu::Client c("db-objects-app");
        // Ensemble members get SSKEYOUT; the tensors here are private scratch, so unprefixed.
        c.use_tensor_ensemble_prefix(false);
        // One hash tag: in a cluster every tensor lives on the shard that runs the model. Per
        // process, so that ensemble members running at once do not share tensors.
        const std::string tag = "app" + std::to_string(::getpid());
        std::string x = insitu::hash_tagged(tag, "x"), y = insitu::hash_tagged(tag, "y");
        auto in = load_npy_f32(dir + "/mlp_traced.in0.npy");
        c.put_tensor(x, in.data(), {1, 64}, insitu::TensorType::Float,
                     insitu::MemoryLayout::Contiguous);
        c.run_model("mlp", {x}, {y});
        std::vector<float> out(10);
        c.unpack_tensor(y, out.data(), {1, 10}, insitu::TensorType::Float,
                        insitu::MemoryLayout::Contiguous);
        check_near("model mlp", out, load_npy_f32(dir + "/mlp_traced.out0.npy"));

        std::vector<float> a = {1, 2, 3, 4, 5, 6}, b = {10, 20, 30, 40, 50, 60}, r(6);
        std::string ka = insitu::hash_tagged(tag, "a"), kb = insitu::hash_tagged(tag, "b"),
                    kr = insitu::hash_tagged(tag, "r");
        c.put_tensor(ka, a.data(), {2, 3}, insitu::TensorType::Float,
                     insitu::MemoryLayout::Contiguous);
        c.put_tensor(kb, b.data(), {2, 3}, insitu::TensorType::Float,
                     insitu::MemoryLayout::Contiguous);
        c.run_script("util", "legacy_add", {ka, kb}, {kr});
        c.unpack_tensor(kr, r.data(), {2, 3}, insitu::TensorType::Float,
                        insitu::MemoryLayout::Contiguous);
        check_near("script util.legacy_add", r, {11, 22, 33, 44, 55, 66});

        c.run_script("times_two", "times_two", {ka}, {kr});
        c.unpack_tensor(kr, r.data(), {2, 3}, insitu::TensorType::Float,
                        insitu::MemoryLayout::Contiguous);
        check_near("function times_two", r, {2, 4, 6, 8, 10, 12});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "db-objects-app: FAILED: %s\n", e.what());
        return 1;
    }
    std::printf("db-objects-app: ok\n");
    return 0;
}
