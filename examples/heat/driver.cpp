// The heat demo's driver: a 3-shard database, the MPI heat simulation (2 ranks) streaming into it,
// the analysis reading from it, and a co-located variant of the simulation with its own database
// on this host; then a summary table, and everything stopped.
//
//   heat_driver [--exp-dir DIR] [--steps N] [--every K] [--quick] [--tls]
//
// --tls: the 3-shard database serves TLS only (a CA made for this run; docs/security.md), so the
// simulation and the analysis reach it over rediss://. The co-located variant stays on loopback
// without TLS (its traffic does not leave the host; co-located TLS is not supported).
#include <insitu/experiment.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

namespace fs = std::filesystem;

namespace {

// A TCP port the kernel considers free now (bind to port 0, read it back).
int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
        throw std::runtime_error("cannot find a free port");
    ::close(fd);
    return ntohs(a.sin_port);
}

}  // namespace

int main(int argc, char** argv) {
    std::string exp_dir = (fs::current_path() / "heat-experiment").string();
    int steps = 600, every = 20, nx = 128;
    bool tls = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--exp-dir") && i + 1 < argc)
            exp_dir = argv[++i];
        else if (!std::strcmp(argv[i], "--steps") && i + 1 < argc)
            steps = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--every") && i + 1 < argc)
            every = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--quick"))
            steps = 100, every = 10, nx = 48;
        else if (!std::strcmp(argv[i], "--tls"))
            tls = true;
        else {
            std::fprintf(stderr,
                         "usage: %s [--exp-dir DIR] [--steps N] [--every K] [--quick] [--tls]\n",
                         argv[0]);
            return 2;
        }
    }
    // The applications are built next to the driver; plot.py is copied into the analysis' run dir.
    fs::path here = fs::read_symlink("/proc/self/exe").parent_path();
    std::string heat = (here / "heat_sim").string(), analysis = (here / "heat_analysis").string();
    std::vector<std::string> sim_args = {
        "--steps", std::to_string(steps), "--every", std::to_string(every),
        "--nx",    std::to_string(nx),    "--ny",    std::to_string(nx)};
    try {
        insitu::Experiment exp("heat", exp_dir);
        // port 0: free ports (a workstation may already run something on 6379).
        auto db = exp.create_database(0, 3, "lo", "orchestrator", 0, 0, 0, /*insecure=*/false, tls);

        auto sim_rs = exp.create_run_settings(heat, sim_args, "mpirun");
        sim_rs.set_tasks(2);
        auto sim = exp.create_model("sim", sim_rs);
        sim->enable_key_prefixing();  // keys sim.field.<step>.<rank>

        // The ONNX model the analysis runs in the database (written at build time by make_onnx.py).
        // The driver attaches it: stored into the cluster (every shard) before the analysis starts.
        std::string onnx = (here / "heat_pool.onnx").string();
        std::vector<std::string> an_args = {"--plot", "plot.py"};
        if (fs::exists(onnx)) an_args.insert(an_args.end(), {"--onnx", onnx, "--onnx-stored"});
        auto an = exp.create_model("analysis", exp.create_run_settings(analysis, an_args));
        if (fs::exists(onnx)) an->add_ml_model("heat_pool", "ONNX", "", onnx);
        an->register_incoming_entity(*sim);  // SSKEYIN=sim: reads the simulation's keys
        an->attach_generator_files({(here / "plot.py").string()});

        // The co-located variant: the same simulation with a database on its host, reached over
        // loopback, each rank reading its blocks back.
        auto colo_args = sim_args;
        colo_args.push_back("--verify");
        auto colo_rs = exp.create_run_settings(heat, colo_args, "mpirun");
        colo_rs.set_tasks(2);
        auto colo = exp.create_model("sim_colocated", colo_rs);
        colo->colocate_db_tcp(free_port(), "lo", /*db_cpus=*/1);

        exp.generate({db, sim, an, colo}, /*overwrite=*/true);
        exp.start(db);  // returns once the 3 shards form a verified cluster
        std::printf("heat demo: database%s at", tls ? " (TLS only)" : "");
        for (const auto& a : db->get_address()) std::printf(" %s", a.c_str());
        std::printf("\n");
        exp.start({sim, an, colo}, /*block=*/false);
        exp.poll(5);
        bool ok = true;
        for (const auto& m : {sim, an, colo})
            for (auto st : exp.get_status(*m)) ok = ok && st == insitu::Status::Completed;
        exp.stop(db);
        std::cout << exp.summary();
        std::string report = (fs::path(an->path()) / "report.txt").string();
        if (fs::exists(report)) {
            std::ifstream in(report);
            std::cout << in.rdbuf();
            std::printf("heat demo: report %s, plot %s\n", report.c_str(),
                        (fs::path(an->path()) / "report.png").c_str());
        }
        std::printf("heat demo: %s (logs under %s)\n", ok ? "OK" : "FAILED",
                    exp.exp_path().c_str());
        return ok ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "heat demo: error: %s\n", e.what());
        return 1;
    }
}
