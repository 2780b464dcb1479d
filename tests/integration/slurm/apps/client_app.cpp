// An application for the Slurm tests: stores a tensor named after its node through the client
// (SSDB from the launcher), reads it back, and prints where it ran. Exit 0 only if the data
// round-tripped.
#include <insitu/client.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main() {
    const char* node = std::getenv("SLURMD_NODENAME");
    const char* ssdb = std::getenv("SSDB");
    std::string name = std::string("app_") + (node ? node : "nonode");
    try {
        insitu::Client c("slurm_app");
        std::vector<float> v(16);
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.5f;
        c.put_tensor(name, v.data(), {16}, insitu::TensorType::Float,
                     insitu::MemoryLayout::Contiguous);
        std::vector<float> back(16);
        c.unpack_tensor(name, back.data(), {16}, insitu::TensorType::Float,
                        insitu::MemoryLayout::Contiguous);
        if (back != v) {
            std::fprintf(stderr, "tensor %s came back different\n", name.c_str());
            return 3;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "client error: %s\n", e.what());
        return 2;
    }
    std::printf("app ok on %s SSDB=%s\n", node ? node : "?", ssdb ? ssdb : "");
    return 0;
}
