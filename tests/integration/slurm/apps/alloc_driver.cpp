// A driver for the Slurm tests, run inside `salloc` as a user would: launcher "auto", a 3-shard
// database, then one application with run command "auto" (srun), without blocking. It prints, with
// the seconds since the application was launched, every change of the application's status and
// of its message (the notes under exp.summary()), then the summary, and stops the database.
//
//     alloc_driver <exp dir> <app> <tasks|default> [srun flag]...
//
// "default" leaves the run settings as created (srun then takes SLURM_NTASKS from salloc's
// environment); a number is set_tasks(n); each flag is rs.set(flag). Exit 0 when the driver
// itself worked.
#include <insitu/experiment.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

namespace {

// The lines under the summary's table: "<name> (<job id>): <message>".
std::string notes(const std::string& summary) {
    std::string out;
    std::size_t pos = 0;
    while (pos < summary.size()) {
        auto end = summary.find('\n', pos);
        std::string line = summary.substr(pos, end == std::string::npos ? end : end - pos);
        if (!line.empty() && line[0] != '|') out += line + "\n";
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: alloc_driver <exp dir> <app> <tasks|default> [flag]...\n");
        return 2;
    }
    std::string dir = argv[1], app_exe = argv[2], tasks = argv[3];
    try {
        insitu::Experiment exp("alloc", dir, "auto");
        std::printf("launcher %s\n", exp.launcher().c_str());
        auto db = exp.create_database(0, 3, "lo");
        exp.start(db);
        std::printf("database ready\n");
        auto rs = exp.create_run_settings(app_exe);
        if (tasks != "default") rs.set_tasks(std::stoi(tasks));
        for (int i = 4; i < argc; ++i) rs.set(argv[i]);
        auto app = exp.create_model("app", rs);
        auto t0 = std::chrono::steady_clock::now();
        exp.start(insitu::EntityList{app}, false);
        std::string last_status, last_notes;
        for (;;) {
            insitu::Status st = exp.get_status(*app)[0];
            std::string n = notes(exp.summary());
            double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if (insitu::to_string(st) != last_status || n != last_notes) {
                std::printf("t=%.1f status=%s\n%s", t, insitu::to_string(st).c_str(), n.c_str());
                std::fflush(stdout);
                last_status = insitu::to_string(st);
                last_notes = n;
            }
            if (insitu::is_terminal(st)) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        std::cout << exp.summary();
        exp.stop(db);
        std::printf("driver done\n");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "driver error: %s\n", e.what());
        return 1;
    }
    return 0;
}
