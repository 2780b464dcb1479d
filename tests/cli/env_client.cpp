// A client configured only by the environment an `insitu db start` prints (SSDB, SR_DB_TYPE,
// SR_DB_USER, SR_DB_PASSWORD_FILE, SR_TLS_CA_FILE), as an application would be: it stores a tensor,
// reads it back, checks every element and deletes it. Prints "env_client: OK" or the error.
#include <insitu/client.h>

#include <cstdio>
#include <exception>
#include <numeric>
#include <vector>

int main() {
    try {
        insitu::Client client("env_client");
        // Large enough to span several TLS records.
        std::vector<double> put(100000), got(put.size());
        std::iota(put.begin(), put.end(), 0.5);
        client.put_tensor("env_client.t", put.data(), {put.size()}, insitu::TensorType::Double,
                          insitu::MemoryLayout::Contiguous);
        client.unpack_tensor("env_client.t", got.data(), {got.size()}, insitu::TensorType::Double,
                             insitu::MemoryLayout::Contiguous);
        if (got != put) {
            std::fprintf(stderr, "env_client: the tensor read back differs\n");
            return 1;
        }
        client.delete_tensor("env_client.t");
        std::printf("env_client: OK\n");
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "env_client: %s\n", e.what());
        return 1;
    }
}
