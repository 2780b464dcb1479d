// The launcher interface: how a step (one command line: an application with its run command, or a
// database shard) is started, watched and stopped. Run-command generation (run_command.h) is kept
// apart from process control so that Slurm/PBS/LSF launchers only add their own of each.
#pragma once

#include <insitu/batch_settings.h>
#include <insitu/run_settings.h>
#include <insitu/status.h>

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace insitu::launch {

struct Step {
    std::string name;
    std::vector<std::string> argv;           // the full command line (run command included)
    std::map<std::string, std::string> env;  // added to the driver's environment
    std::string cwd;
    std::string out_path, err_path;
    // Submitted to the workload manager's queue as a batch job (launchers with batch support).
    std::optional<BatchSettings> batch;
    // What the step asks the workload manager for, for messages (srun: its options).
    std::string request;
    // How long the step may wait for its resources before it is failed (0: no limit); unset:
    // resolve_start_timeout({}, {}).
    std::optional<std::chrono::milliseconds> start_timeout;
};

struct StepStatus {
    Status status = Status::New;
    std::optional<int> returncode;  // exit code, or 128+signal
    // Why the step waits or why it failed, when the launcher knows more than the status says.
    std::string message{};
};

// The start timeout of a step: the run settings' value, else the experiment's, else
// $INSITU_STEP_START_TIMEOUT (seconds), else 300 s; 0 means no limit. Throws
// std::invalid_argument naming the variable when it is not a number >= 0.
std::chrono::milliseconds resolve_start_timeout(std::optional<double> settings,
                                                std::optional<double> experiment);

class Launcher {
  public:
    virtual ~Launcher() = default;
    virtual std::string name() const = 0;
    // The command line that runs `rs` (its run command, run args and exe) under this launcher;
    // `exe_argv` replaces rs.exe + rs.exe_args when non-empty (co-located wrappers), and `env` is
    // what the step's processes must see (forwarded explicitly where the run command needs it).
    virtual std::vector<std::string> command_line(
        const RunSettings& rs, const std::vector<std::string>& exe_argv,
        const std::map<std::string, std::string>& env) const = 0;
    // Starts a step and returns its id. Throws std::runtime_error if it cannot be started.
    virtual std::string launch(const Step& step) = 0;
    virtual StepStatus status(const std::string& step_id) = 0;
    // Stops a step (and every process it started); Cancelled unless it had already finished.
    virtual StepStatus stop(const std::string& step_id,
                            std::chrono::milliseconds grace = std::chrono::seconds(5)) = 0;
    // Waits up to `timeout` for the step to finish.
    virtual StepStatus wait(const std::string& step_id, std::chrono::milliseconds timeout) = 0;
    // What a step with these settings asks the workload manager for, for messages ("" when the
    // launcher has no resource manager).
    virtual std::string resource_request(const RunSettings&) const { return ""; }
    // The run command "auto" means for this launcher ("" runs the executable directly).
    virtual std::string default_run_command() const { return ""; }
    // Whether create_run_settings accepts `run_command` under this launcher.
    virtual bool supports_run_command(const std::string& run_command) const;
    // The batch command of create_batch_settings ("" when the launcher has no queue).
    virtual std::string batch_command() const { return ""; }
};

// "local", "slurm", or "auto" (detect_launcher). "pbs" and "lsf" have settings and generated
// commands/scripts (launch/hpc) but no launcher here: an error says so.
std::unique_ptr<Launcher> make_launcher(const std::string& name);
// The workload manager this process runs under: "slurm" when SLURM_JOB_ID is set and srun/squeue
// are installed, "pbs" for PBS_JOBID with qsub/qstat, "lsf" for LSB_JOBID with bsub/bjobs, else
// "local" (installed clients alone do not count: a login node submitting batch jobs names
// "slurm" explicitly).
std::string detect_launcher();

}  // namespace insitu::launch
