// The Slurm launcher. A step with run command srun runs as `srun --job-name=<unique> ...` from the
// driver: inside the allocation named by --jobid (or the driver's own SLURM_JOB_ID), or in a new
// allocation of its own. A step with batch settings is written as an sbatch script next to its
// logs and submitted. Status comes from Slurm: squeue for jobs and steps, scontrol show job for
// finished jobs, the jobcomp/filetxt log for jobs the controller has forgotten; srun's exit code
// is the step's. stop() is scancel of the step or job, then (for srun) the srun client itself.
// An srun step that Slurm has not started after 10 s is reported (a warning with Slurm's reason
// and the step's request, repeated every minute); after its start timeout it is stopped and
// Failed with that reason (StepStatus::message).
// mpirun/mpiexec steps (Open MPI inside an allocation) and plain executables run as local
// children of the driver, as under the local launcher.
#pragma once

#include <chrono>
#include <map>
#include <mutex>

#include "launch/hpc/batch_script.h"
#include "launch/launchers/launcher.h"
#include "launch/launchers/slurm/slurm_commands.h"
#include "launch/os/process.h"

namespace insitu::launch {

class SlurmLauncher : public Launcher {
  public:
    std::string name() const override { return "slurm"; }
    std::vector<std::string> command_line(
        const RunSettings& rs, const std::vector<std::string>& exe_argv,
        const std::map<std::string, std::string>& env) const override;
    std::string launch(const Step& step) override;
    StepStatus status(const std::string& step_id) override;
    StepStatus stop(const std::string& step_id, std::chrono::milliseconds grace) override;
    StepStatus wait(const std::string& step_id, std::chrono::milliseconds timeout) override;
    std::string resource_request(const RunSettings& rs) const override;
    std::string default_run_command() const override { return "srun"; }
    bool supports_run_command(const std::string& run_command) const override;
    std::string batch_command() const override { return "sbatch"; }

    // Submits a batch job running several commands side by side (a database's shards) and
    // returns its step id.
    std::string submit(const BatchSettings& bs, const BatchJob& job,
                       const std::string& script_path);
    // The Slurm id of a step: "12" for a batch job, "12.0" for an srun step once Slurm lists it
    // ("" before).
    std::string slurm_id(const std::string& step_id);

  private:
    struct Entry {
        bool batch = false;
        std::string job_id;      // batch: the job id
        std::string slurm_name;  // srun: the unique --job-name
        Process proc;            // srun / mpirun / direct: the client process
        std::string slurm_step;  // srun: "job.step" once seen
        bool cancelled = false;
        std::optional<StepStatus> final;
        std::chrono::steady_clock::time_point launched;
        // srun steps that wait for resources: what they asked for, how long they may wait, when
        // the next report is due and the latest reason.
        std::string request;
        std::string err_path;
        std::string job_hint;  // the allocation the step goes into ("" for its own)
        std::chrono::milliseconds start_timeout{0};
        std::chrono::steady_clock::time_point next_report;
        std::string reason;
    };
    Entry& find(const std::string& step_id);
    StepStatus status_locked(Entry& e);
    // The srun step has not started yet: report it when due, fail it after its start timeout.
    StepStatus waiting_locked(Entry& e);
    // Slurm's reason why the srun step of `e` has not started.
    std::string wait_reason_locked(Entry& e);
    const slurm::Queue& queue_locked(bool fresh = false, bool steps = true);
    std::mutex mu_;
    std::map<std::string, Entry> steps_;
    int counter_ = 0;
    slurm::Queue queue_;
    bool queue_has_steps_ = false;
    std::chrono::steady_clock::time_point queue_time_{};
};

}  // namespace insitu::launch
