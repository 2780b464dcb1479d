// The analysis application: polls the database for new steps of the heat simulation (keys read
// with SSKEYIN's prefix: the simulation's name), stitches the ranks' blocks into the full field,
// computes a few numbers per step, and at the end writes report.csv, report.txt and report.png
// (plot.py, via /usr/bin/python3 and matplotlib).
//
// Every step goes through analyze_step(); models run inside the database hook in there
// (see run_models: a TorchScript function and an ONNX model executed inside the database).
#include <insitu/client.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

struct StepResult {
    long step = 0;
    double mean = 0, max = 0, min = 0, energy = 0;
    std::map<std::string, double> model_outputs;  // filled by run_models once it runs models
};

struct Field {
    long step = 0;
    int ny = 0, nx = 0;
    std::vector<double> data;
};

// Reads the blocks of `step` from every rank into one ny x nx field.
Field read_field(insitu::Client& client, long step, int ranks, int ny, int nx) {
    Field f{step, ny, nx, std::vector<double>(static_cast<std::size_t>(ny) * nx)};
    std::size_t offset = 0;
    for (int r = 0; r < ranks; ++r) {
        int rows = ny / ranks + (r < ny % ranks ? 1 : 0);
        std::vector<std::size_t> dims = {static_cast<std::size_t>(rows),
                                         static_cast<std::size_t>(nx)};
        client.unpack_tensor("field." + std::to_string(step) + "." + std::to_string(r),
                             f.data.data() + offset, dims, insitu::TensorType::Double,
                             insitu::MemoryLayout::Contiguous);
        offset += static_cast<std::size_t>(rows) * nx;
    }
    return f;
}

// Inference inside the database, next to the data: a TorchScript function (gradient and
// Laplacian statistics of the field) and an ONNX model (4x4 average pooling) run on the shard that
// holds the step's field; only the small results come back. Both are checked against the same
// quantities computed here, so the demo fails loudly if the database computes something else.
const char* k_features_source = R"(
def features(f):
    gy = f[1:, :] - f[:-1, :]
    gx = f[:, 1:] - f[:, :-1]
    lap = f[1:-1, 1:-1] * -4.0 + f[:-2, 1:-1] + f[2:, 1:-1] + f[1:-1, :-2] + f[1:-1, 2:]
    return torch.stack([gx.abs().mean() + gy.abs().mean(), lap.abs().mean()])
)";

std::string g_onnx_model;    // path given with --onnx; empty: no ONNX step
bool g_onnx_stored = false;  // --onnx-stored: the driver attached it (add_ml_model), already stored

void store_models(insitu::Client& client) {
    client.set_script("heat_features", "CPU", k_features_source);
    if (!g_onnx_model.empty() && !g_onnx_stored)
        client.set_model_from_file("heat_pool", g_onnx_model, "ONNX", "CPU");
}

void run_models(insitu::Client& client, const Field& f, StepResult& r) {
    // These are the analysis' own keys: no ensemble prefix (the client reads the simulation's
    // keys with SSKEYIN=sim otherwise).
    client.use_tensor_ensemble_prefix(false);
    struct Restore {
        insitu::Client& c;
        ~Restore() { c.use_tensor_ensemble_prefix(true); }
    } restore{client};
    // One hash tag per step: the field and the outputs share a slot, so in a cluster the run
    // happens on the shard that holds them and no tensor crosses the network.
    const std::string tag = "{heat." + std::to_string(f.step) + "}";
    const auto ny = static_cast<std::size_t>(f.ny), nx = static_cast<std::size_t>(f.nx);
    client.put_tensor(tag + ".field", f.data.data(), {ny, nx}, insitu::TensorType::Double,
                      insitu::MemoryLayout::Contiguous);
    client.run_script("heat_features", "features", {tag + ".field"}, {tag + ".features"});
    double feat[2];
    client.unpack_tensor(tag + ".features", feat, {2}, insitu::TensorType::Double,
                         insitu::MemoryLayout::Contiguous);
    double grad = 0, lap = 0;
    auto at = [&](std::size_t y, std::size_t x) { return f.data[y * nx + x]; };
    for (std::size_t y = 0; y + 1 < ny; ++y)
        for (std::size_t x = 0; x < nx; ++x)
            grad += std::fabs(at(y + 1, x) - at(y, x)) / ((ny - 1) * nx);
    for (std::size_t y = 0; y < ny; ++y)
        for (std::size_t x = 0; x + 1 < nx; ++x)
            grad += std::fabs(at(y, x + 1) - at(y, x)) / (ny * (nx - 1));
    for (std::size_t y = 1; y + 1 < ny; ++y)
        for (std::size_t x = 1; x + 1 < nx; ++x)
            lap += std::fabs(at(y - 1, x) + at(y + 1, x) + at(y, x - 1) + at(y, x + 1) -
                             4 * at(y, x)) /
                   ((ny - 2) * (nx - 2));
    if (std::fabs(feat[0] - grad) > 1e-9 * (1 + grad) ||
        std::fabs(feat[1] - lap) > 1e-9 * (1 + lap))
        throw std::runtime_error("TorchScript features differ from the local computation");
    r.model_outputs["torch_grad"] = feat[0];
    r.model_outputs["torch_laplacian"] = feat[1];
    client.delete_tensor(tag + ".features");
    client.delete_tensor(tag + ".field");
    if (g_onnx_model.empty()) return;

    // The pooling needs no key: put + run + get in one round trip, nothing left to delete.
    std::vector<float> f32(f.data.begin(), f.data.end());
    const std::size_t py = ny / 4, px = nx / 4;
    std::vector<float> pooled(py * px);
    client.run_model("heat_pool", {{f32.data(), {1, 1, ny, nx}, insitu::TensorType::Float}},
                     {{pooled.data(), {1, 1, py, px}, insitu::TensorType::Float}});
    float first = 0;
    for (std::size_t y = 0; y < 4; ++y)
        for (std::size_t x = 0; x < 4; ++x) first += f32[y * nx + x] / 16.0f;
    if (std::fabs(pooled[0] - first) > 1e-5f * (1 + std::fabs(first)))
        throw std::runtime_error("ONNX pooling differs from the local computation");
    r.model_outputs["onnx_pool_max"] = *std::max_element(pooled.begin(), pooled.end());
}

StepResult analyze_step(insitu::Client& client, const Field& f) {
    StepResult r;
    r.step = f.step;
    r.max = *std::max_element(f.data.begin(), f.data.end());
    r.min = *std::min_element(f.data.begin(), f.data.end());
    double sum = 0;
    for (double v : f.data) sum += v;
    r.energy = sum / (static_cast<double>(f.nx) * f.ny);  // heat per cell, decays through the edges
    r.mean = sum / static_cast<double>(f.data.size());
    run_models(client, f, r);
    return r;
}

void write_field(const std::string& path, const Field& f) {
    std::ofstream out(path);
    for (int y = 0; y < f.ny; ++y) {
        for (int x = 0; x < f.nx; ++x)
            out << (x ? "," : "") << f.data[static_cast<std::size_t>(y) * f.nx + x];
        out << "\n";
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string plot = "plot.py";
    int timeout_s = 300;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--plot") && i + 1 < argc)
            plot = argv[++i];
        else if (!std::strcmp(argv[i], "--timeout") && i + 1 < argc)
            timeout_s = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--onnx") && i + 1 < argc)
            g_onnx_model = argv[++i];
        else if (!std::strcmp(argv[i], "--onnx-stored"))
            g_onnx_stored = true;
    }
    try {
        insitu::Client client("analysis");
        const char* ssdb = std::getenv("SSDB");  // rediss://... when the database serves TLS
        std::printf("analysis: database %s\n", ssdb ? ssdb : "(SSDB not set)");
        store_models(client);
        std::vector<StepResult> results;
        std::vector<Field> snapshots;
        long next = 0, last = -1;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
        for (;;) {
            if (std::chrono::steady_clock::now() > deadline)
                throw std::runtime_error("timed out waiting for steps");
            std::int64_t meta[4] = {-1, 0, 0, 0};
            if (client.tensor_exists("latest_step"))
                client.unpack_tensor("latest_step", meta, {4}, insitu::TensorType::Int64,
                                     insitu::MemoryLayout::Contiguous);
            if (last < 0 && client.tensor_exists("done")) {
                client.unpack_tensor("done", &last, {1}, insitu::TensorType::Int64,
                                     insitu::MemoryLayout::Contiguous);
            }
            // Every step published so far that we have not analysed (the simulation does not wait).
            bool progressed = false;
            while (meta[0] >= 0 && next <= meta[0]) {
                std::string probe = "field." + std::to_string(next) + ".0";
                if (!client.tensor_exists(probe)) {
                    ++next;  // not a streamed step number
                    continue;
                }
                Field f = read_field(client, next, static_cast<int>(meta[1]),
                                     static_cast<int>(meta[2]), static_cast<int>(meta[3]));
                results.push_back(analyze_step(client, f));
                const auto& r = results.back();
                std::printf("analysis: step %5ld  mean %.4f  max %.4f  min %.4f\n", r.step, r.mean,
                            r.max, r.min);
                std::fflush(stdout);
                if (snapshots.empty() || snapshots.size() < 2)
                    snapshots.push_back(std::move(f));
                else
                    snapshots.back() = std::move(f);  // first, second and the latest
                ++next;
                progressed = true;
            }
            if (last >= 0 && next > last) break;
            if (!progressed) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        // report.csv (per step), fields for the plot, report.txt (summary), report.png.
        {
            std::ofstream csv("report.csv");
            csv << "step,mean,max,min,energy";
            for (const auto& [k, v] : results.front().model_outputs) csv << "," << k;
            csv << "\n";
            for (const auto& r : results) {
                csv << r.step << "," << r.mean << "," << r.max << "," << r.min << "," << r.energy;
                for (const auto& [k, v] : r.model_outputs) csv << "," << v;
                csv << "\n";
            }
        }
        write_field("field_first.csv", snapshots.front());
        write_field("field_last.csv", snapshots.back());
        const auto &a = results.front(), &b = results.back();
        {
            std::ofstream txt("report.txt");
            txt << "heat analysis report\n"
                << "steps analysed: " << results.size() << " (step " << a.step << " to " << b.step
                << ")\n"
                << "grid: " << snapshots.back().ny << " x " << snapshots.back().nx << "\n"
                << "max temperature: " << a.max << " -> " << b.max << "\n"
                << "mean temperature: " << a.mean << " -> " << b.mean << "\n"
                << "heat lost through the boundary: " << 100.0 * (1.0 - b.energy / a.energy)
                << " %\n";
        }
        std::string cmd =
            "/usr/bin/python3 '" + plot + "' report.csv field_first.csv field_last.csv report.png";
        int prc = std::system(cmd.c_str());
        std::printf("analysis: %zu steps, max %.3f -> %.3f, report.txt report.csv%s\n",
                    results.size(), a.max, b.max, prc == 0 ? " report.png" : " (plot failed)");
        // Monotone decay is what diffusion with cold boundaries must give.
        for (std::size_t i = 1; i < results.size(); ++i)
            if (results[i].max > results[i - 1].max + 1e-9)
                throw std::runtime_error("the maximum temperature rose between steps");
        return prc == 0 ? 0 : 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "analysis: error: %s\n", e.what());
        return 1;
    }
}
