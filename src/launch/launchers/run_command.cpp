#include "launch/launchers/run_command.h"

#include <insitu/launch_errors.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <stdexcept>

#include "launch/os/process.h"

namespace insitu::launch {
namespace {

bool is_openmpi(const std::string& rc) {
    return rc == "mpirun" || rc == "mpiexec" || rc == "orterun";
}

}  // namespace

bool is_supported_local_run_command(const std::string& rc) {
    return rc.empty() || rc == "auto" || is_openmpi(rc);
}

std::vector<std::string> format_command(const RunSettings& rs,
                                        const std::vector<std::string>& exe_argv,
                                        const std::map<std::string, std::string>& forwarded_env) {
    std::vector<std::string> argv;
    if (is_openmpi(rs.run_command)) {
        std::string bin = find_executable(rs.run_command);
        if (bin.empty())
            throw LaunchError(rs.run_command + " not found on PATH (install openmpi-bin)");
        argv.push_back(bin);
        for (const auto& [k, v] : rs.run_args) {
            argv.push_back((k.size() == 1 ? "-" : "--") + k);
            if (!v.empty()) argv.push_back(v);
        }
        for (const auto& [k, v] : forwarded_env) {
            argv.push_back("-x");
            argv.push_back(k);
        }
    } else if (!rs.run_command.empty() && rs.run_command != "auto") {
        throw UnsupportedError("run command '" + rs.run_command +
                               "' is not supported by the local launcher (use \"\" or mpirun)");
    } else if (!rs.run_args.empty()) {
        throw ConfigError("run_args given without a run command");
    }
    if (exe_argv.empty()) {
        argv.push_back(rs.exe);
        argv.insert(argv.end(), rs.exe_args.begin(), rs.exe_args.end());
    } else {
        argv.insert(argv.end(), exe_argv.begin(), exe_argv.end());
    }
    return argv;
}

namespace {

// Two mpirun started at the same moment (an experiment's applications) race to create Open MPI's
// session folder <tmp>/ompi.<host>.<uid>, and the loser aborts in orte_init ("mkdir ... File
// exists", seen in the heat demo). Creating it first, as Open MPI would (0700), removes the race.
void create_openmpi_session_base() {
    const char* tmp = nullptr;
    for (const char* var : {"TMPDIR", "TEMP", "TMP"})
        if ((tmp = std::getenv(var)) && *tmp) break;
    if (!tmp || !*tmp) tmp = "/tmp";
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) return;
    std::string dir = std::string(tmp) + "/ompi." + host + "." + std::to_string(::geteuid());
    ::mkdir(dir.c_str(), 0700);  // EEXIST is fine; any other failure is Open MPI's to report
}

}  // namespace

std::map<std::string, std::string> run_command_env(const RunSettings& rs) {
    std::map<std::string, std::string> env;
    if (!is_openmpi(rs.run_command)) return env;
    create_openmpi_session_base();
    // Containers run as root; Open MPI refuses that unless told twice.
    if (::geteuid() == 0) {
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
    }
    // A workstation may have fewer cores than ranks plus co-located databases.
    env["OMPI_MCA_rmaps_base_oversubscribe"] = "1";
    // CMA needs ptrace rights that containers often lack; fall back to copy-in/out.
    env["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none";
    return env;
}

}  // namespace insitu::launch
