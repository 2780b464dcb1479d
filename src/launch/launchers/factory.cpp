// Choosing a launcher by name, and detecting the workload manager for "auto".
#include <insitu/launch_errors.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "launch/launchers/launcher.h"
#include "launch/launchers/local/local_launcher.h"
#include "launch/launchers/run_command.h"
#include "launch/launchers/slurm/slurm_launcher.h"
#include "launch/os/process.h"

namespace insitu::launch {

bool Launcher::supports_run_command(const std::string& rc) const {
    return is_supported_local_run_command(rc);
}

std::chrono::milliseconds resolve_start_timeout(std::optional<double> settings,
                                                std::optional<double> experiment) {
    // Capped (about 30 years) so that a huge value cannot overflow.
    auto ms = [](double s) {
        return std::chrono::milliseconds(static_cast<long long>(std::min(s, 1e9) * 1000));
    };
    if (settings) return ms(*settings);
    if (experiment) return ms(*experiment);
    if (const char* v = std::getenv("INSITU_STEP_START_TIMEOUT"); v && *v) {
        char* end = nullptr;
        double s = std::strtod(v, &end);
        if (end == v || *end != '\0' || !(s >= 0))
            throw ConfigError(
                std::string("INSITU_STEP_START_TIMEOUT must be a number of seconds >= 0 (0: no "
                            "limit), got '") +
                v + "'");
        return ms(s);
    }
    return std::chrono::seconds(300);
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
            throw UnsupportedError("launcher \"auto\" detected " + found +
                                   ", which insitu cannot drive yet "
                                   "(its settings and scripts are generated; see docs/hpc.md)");
        return make_launcher(found);
    }
    if (name == "pbs" || name == "pals" || name == "lsf" || name == "sge")
        throw UnsupportedError(
            "launcher '" + name +
            "' is not available: insitu generates PBS and LSF commands and batch "
            "scripts (see docs/hpc.md) but has no launcher for them; use \"slurm\" or \"local\"");
    throw ConfigError("unknown launcher '" + name + "' (local, slurm or auto)");
}

}  // namespace insitu::launch
