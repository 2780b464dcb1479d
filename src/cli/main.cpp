// The `insitu` command.
#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/options.h"
#include "insitu/version.h"
#include "launch/launchers/slurm/slurm_deploy.h"

namespace {

// The internal commands keep their hand-written parsers: the driver writes their argv itself, and
// values in it may begin with '-' (the application's own arguments after --, a negative number),
// which an option parser would take for options; they are not for users, so --help adds nothing.
int run_internal(const std::string& cmd, const std::vector<std::string>& args) {
    try {
        if (cmd == "run-colocated") return insitu::cli::run_colocated(args);
        return insitu::launch::run_shard(args);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "insitu %s: error: %s\n", cmd.c_str(), e.what());
        return 1;
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && (args[0] == "run-colocated" || args[0] == "run-shard")) {
        std::string cmd = args[0];
        args.erase(args.begin());
        return run_internal(cmd, args);
    }

    CLI::App app("insitu " INSITU_VERSION_STRING ": in-situ ML for HPC simulations", "insitu");
    app.require_subcommand(1);
    std::map<std::string, std::function<int()>> runners = {
        {"demo", insitu::cli::add_demo(app)},     {"db", insitu::cli::add_db(app)},
        {"info", insitu::cli::add_info(app)},     {"validate", insitu::cli::add_validate(app)},
        {"status", insitu::cli::add_status(app)}, {"dashboard", insitu::cli::add_dashboard(app)},
    };
    insitu::cli::add_command(app, "version", "print the version");
    runners["version"] = [] {
        std::puts("insitu " INSITU_VERSION_STRING);
        return 0;
    };
    // Set after the commands: a sub-command copies its parent's footer when it is added.
    app.footer(
        "internal commands (written by the driver):\n"
        "  run-colocated [opts] -- app   database + application of a co-located launch\n"
        "  run-shard [opts]              one database shard of a Slurm launch on this node\n"
        "\n"
        "'insitu <command> --help' lists the options of each command.");

    if (args.empty()) {
        std::fputs(app.help().c_str(), stdout);
        return 2;
    }
    if (args[0] == "help") args[0] = "--help";
    if (args[0].rfind('-', 0) != 0 && runners.count(args[0]) == 0) {
        std::fprintf(stderr, "insitu: unknown command '%s' (insitu --help lists them)\n",
                     args[0].c_str());
        return 2;
    }
    try {
        app.parse(std::vector<std::string>(args.rbegin(), args.rend()));  // CLI11 takes it reversed
    } catch (const CLI::ParseError& e) {
        return insitu::cli::report_parse_error(app, e);
    }
    std::string cmd = app.get_subcommands().front()->get_name();
    try {
        return runners.at(cmd)();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "insitu %s: error: %s\n", cmd.c_str(), e.what());
        return 1;
    }
}
