// Choosing a launcher by name, and detecting the workload manager for "auto".
#include <cstdlib>
#include <stdexcept>

#include "launch/launcher.h"
#include "launch/launchers/local.h"
#include "launch/launchers/slurm.h"
#include "launch/process.h"
#include "launch/run_command.h"

namespace insitu::launch {

bool Launcher::supports_run_command(const std::string& rc) const {
    return is_supported_local_run_command(rc);
}

std::string detect_launcher() {
    auto set = [](const char* v) { return std::getenv(v) && *std::getenv(v); };
    auto have = [](const char* exe) { return !find_executable(exe).empty(); };
    // Inside a job of that workload manager, with its clients installed. Installed clients alone
    // are not enough: a workstation with Slurm's packages but no controller runs locally.
    if (set("SLURM_JOB_ID") && have("srun") && have("squeue")) return "slurm";
    if (set("PBS_JOBID") && have("qsub") && have("qstat")) return "pbs";
    if (set("LSB_JOBID") && have("bsub") && have("bjobs")) return "lsf";
    return "local";
}

std::unique_ptr<Launcher> make_launcher(const std::string& name) {
    if (name == "local") return std::make_unique<LocalLauncher>();
    if (name == "slurm") return std::make_unique<SlurmLauncher>();
    if (name == "auto") {
        std::string found = detect_launcher();
        if (found == "pbs" || found == "lsf")
            throw std::invalid_argument(
                "launcher \"auto\" detected " + found +
                ", which insitu cannot drive yet "
                "(its settings and scripts are generated; see docs/hpc.md)");
        return make_launcher(found);
    }
    if (name == "pbs" || name == "pals" || name == "lsf" || name == "sge")
        throw std::invalid_argument(
            "launcher '" + name +
            "' is not available: insitu generates PBS and LSF commands and batch "
            "scripts (see docs/hpc.md) but has no launcher for them; use \"slurm\" or \"local\"");
    throw std::invalid_argument("unknown launcher '" + name + "' (local, slurm or auto)");
}

}  // namespace insitu::launch
