// The `insitu` command.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "insitu/version.h"
#include "launch/launchers/slurm/slurm_deploy.h"

namespace {

void usage() {
    std::puts(
        "usage: insitu <command> [options]\n"
        "\n"
        "commands:\n"
        "  demo [--port P] [--keep-dir]   start a database with the insitu module, store and read\n"
        "                                 back tensors over TCP and a Unix socket, stop it\n"
        "  db start|stop|status [--shards N] [--port P] [--interface IF] [--dir D] [--foreground]\n"
        "                                 a database for interactive use (prints the SSDB line)\n"
        "  info                           versions, server, module, backend plugins, MPI\n"
        "  validate [--port P] [--device CPU|GPU] [--require TORCH,ONNX,...]\n"
        "                                 a mini experiment: store and run one model per built\n"
        "                                 backend, report each (exit 1 if any fails)\n"
        "  run-colocated [opts] -- app    (used by co-located launches) database + application\n"
        "  run-shard [opts]               (used by Slurm launches) one database shard on this "
        "node\n"
        "  version                        print the version");
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
        usage();
        return args.empty() ? 2 : 0;
    }
    std::string cmd = args[0];
    args.erase(args.begin());
    try {
        if (cmd == "demo") return insitu::cli::demo(args);
        if (cmd == "db") return insitu::cli::db(args);
        if (cmd == "info") return insitu::cli::info(args);
        if (cmd == "validate") return insitu::cli::validate(args);
        if (cmd == "run-colocated") return insitu::cli::run_colocated(args);
        if (cmd == "run-shard") return insitu::launch::run_shard(args);
        if (cmd == "version") {
            std::puts("insitu " INSITU_VERSION_STRING);
            return 0;
        }
        std::fprintf(stderr, "insitu: unknown command '%s'\n", cmd.c_str());
        usage();
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "insitu %s: error: %s\n", cmd.c_str(), e.what());
        return 1;
    }
}
