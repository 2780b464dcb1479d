// An MPI application for the Slurm tests: every rank talks to the database co-located on its node
// (SSDB set by the wrapper), stores and reads back a tensor, and the ranks agree (allreduce) that
// all of them succeeded. Prints one line per rank.
#include <insitu/client.h>
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rank = 0, size = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const char* node = std::getenv("SLURMD_NODENAME");
    const char* ssdb = std::getenv("SSDB");
    int ok = 1;
    std::string shm_puts = "?";
    try {
        insitu::Client c("mpi_app");
        std::vector<double> v(8, rank + 0.25);
        std::string key = "rank_" + std::to_string(rank);
        c.put_tensor(key, v.data(), {8}, insitu::TensorType::Double,
                     insitu::MemoryLayout::Contiguous);
        std::vector<double> back(8);
        c.unpack_tensor(key, back.data(), {8}, insitu::TensorType::Double,
                        insitu::MemoryLayout::Contiguous);
        ok = back == v;
        // 1 MiB through the node's database by shared memory (the default on the same host).
        std::vector<double> big(131072, rank + 0.5), big_back(131072);
        c.put_tensor(key + "_big", big.data(), {big.size()}, insitu::TensorType::Double,
                     insitu::MemoryLayout::Contiguous);
        c.unpack_tensor(key + "_big", big_back.data(), {big.size()}, insitu::TensorType::Double,
                        insitu::MemoryLayout::Contiguous);
        ok = ok && big_back == big;
        auto info = c.get_db_node_info(ssdb ? ssdb : "");
        shm_puts = info["ai_shm"]["ai_shm_puts"];
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rank %d: client error: %s\n", rank, e.what());
        ok = 0;
    }
    int all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    std::printf("rank %d of %d on %s SSDB=%s ok=%d shm_puts=%s\n", rank, size, node ? node : "?",
                ssdb ? ssdb : "", ok, shm_puts.c_str());
    std::fflush(stdout);
    MPI_Finalize();
    return all ? 0 : 4;
}
