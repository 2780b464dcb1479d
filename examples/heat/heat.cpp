// 2-D heat diffusion with MPI: the grid's rows are split across ranks (halo rows exchanged every
// step) and every `--every` steps each rank streams its block to the database with the insitu
// client (key field.<step>.<rank>, prefixed with SSKEYOUT when the driver turns prefixing on).
// Rank 0 then publishes the step number (`latest_step`), which the analysis polls; `done` marks
// the end. With --verify each rank reads its block back and checks it bit for bit (the
// co-located variant: the database is on the same host, reached over loopback).
#include <insitu/client.h>
#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Options {
    int nx = 96, ny = 96, steps = 400, every = 20;
    double alpha = 0.24;  // explicit scheme: stable for alpha <= 0.25
    bool verify = false;
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        auto next = [&]() { return i + 1 < argc ? argv[++i] : "0"; };
        if (!std::strcmp(argv[i], "--nx"))
            o.nx = std::atoi(next());
        else if (!std::strcmp(argv[i], "--ny"))
            o.ny = std::atoi(next());
        else if (!std::strcmp(argv[i], "--steps"))
            o.steps = std::atoi(next());
        else if (!std::strcmp(argv[i], "--every"))
            o.every = std::atoi(next());
        else if (!std::strcmp(argv[i], "--alpha"))
            o.alpha = std::atof(next());
        else if (!std::strcmp(argv[i], "--verify"))
            o.verify = true;
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    Options o = parse(argc, argv);
    int rc = 0;
    try {
        // Rows [row0, row0 + rows) of the global nx x ny grid, plus one halo row on each side.
        int rows = o.ny / size + (rank < o.ny % size ? 1 : 0);
        int row0 = rank * (o.ny / size) + std::min(rank, o.ny % size);
        const int nx = o.nx;
        std::vector<double> u(static_cast<std::size_t>((rows + 2) * nx), 0.0), un = u;
        auto at = [&](std::vector<double>& a, int r, int c) -> double& {
            return a[static_cast<std::size_t>((r + 1) * nx + c)];
        };
        // Initial condition: two hot spots; boundaries held at 0.
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < nx; ++c) {
                double y = (row0 + r + 0.5) / o.ny, x = (c + 0.5) / nx;
                at(u, r, c) =
                    100.0 * std::exp(-80 * ((x - 0.3) * (x - 0.3) + (y - 0.35) * (y - 0.35))) +
                    60.0 * std::exp(-120 * ((x - 0.7) * (x - 0.7) + (y - 0.7) * (y - 0.7)));
            }
        insitu::Client client("heat");  // SSDB, SR_DB_TYPE, SSKEYOUT from the driver
        if (rank == 0) {
            // Where the driver pointed us (rediss://... when its database serves TLS).
            const char* ssdb = std::getenv("SSDB");
            std::printf("heat: database %s\n", ssdb ? ssdb : "(SSDB not set)");
        }
        int up = rank > 0 ? rank - 1 : MPI_PROC_NULL,
            down = rank < size - 1 ? rank + 1 : MPI_PROC_NULL;
        int verified = 0;
        for (int step = 0; step <= o.steps; ++step) {
            if (step % o.every == 0) {
                std::string key = "field." + std::to_string(step) + "." + std::to_string(rank);
                std::vector<std::size_t> dims = {static_cast<std::size_t>(rows),
                                                 static_cast<std::size_t>(nx)};
                client.put_tensor(key, &at(u, 0, 0), dims, insitu::TensorType::Double,
                                  insitu::MemoryLayout::Contiguous);
                if (o.verify) {
                    std::vector<double> back(static_cast<std::size_t>(rows * nx));
                    // Reads use SSKEYIN's prefix: read our own keys under our own prefix.
                    if (const char* out = std::getenv("SSKEYOUT"))
                        key = std::string(out) + "." + key;
                    client.use_tensor_ensemble_prefix(false);
                    client.unpack_tensor(key, back.data(), dims, insitu::TensorType::Double,
                                         insitu::MemoryLayout::Contiguous);
                    client.use_tensor_ensemble_prefix(true);
                    if (std::memcmp(back.data(), &at(u, 0, 0), back.size() * sizeof(double)) != 0)
                        throw std::runtime_error("read back differs at step " +
                                                 std::to_string(step));
                    ++verified;
                }
                MPI_Barrier(MPI_COMM_WORLD);
                if (rank == 0) {
                    std::vector<std::int64_t> meta = {step, size, o.ny, nx};
                    client.put_tensor("latest_step", meta.data(), {4}, insitu::TensorType::Int64,
                                      insitu::MemoryLayout::Contiguous);
                }
            }
            if (step == o.steps) break;
            MPI_Sendrecv(&at(u, 0, 0), nx, MPI_DOUBLE, up, 0, &at(u, rows, 0), nx, MPI_DOUBLE, down,
                         0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Sendrecv(&at(u, rows - 1, 0), nx, MPI_DOUBLE, down, 1, &at(u, -1, 0), nx,
                         MPI_DOUBLE, up, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            for (int r = 0; r < rows; ++r)
                for (int c = 0; c < nx; ++c) {
                    int g = row0 + r;
                    if (g == 0 || g == o.ny - 1 || c == 0 || c == nx - 1) {
                        at(un, r, c) = 0.0;
                        continue;
                    }
                    at(un, r, c) = at(u, r, c) +
                                   o.alpha * (at(u, r - 1, c) + at(u, r + 1, c) + at(u, r, c - 1) +
                                              at(u, r, c + 1) - 4 * at(u, r, c));
                }
            std::swap(u, un);
        }
        MPI_Barrier(MPI_COMM_WORLD);
        if (rank == 0) {
            std::int64_t last = o.steps - o.steps % o.every;
            client.put_tensor("done", &last, {1}, insitu::TensorType::Int64,
                              insitu::MemoryLayout::Contiguous);
        }
        std::printf(
            "heat rank %d/%d: rows %d-%d, %d steps, streamed every %d%s\n", rank, size, row0,
            row0 + rows - 1, o.steps, o.every,
            o.verify ? (", verified " + std::to_string(verified) + " read-backs").c_str() : "");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "heat rank %d: error: %s\n", rank, e.what());
        rc = 1;
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Finalize();
    return rc;
}
