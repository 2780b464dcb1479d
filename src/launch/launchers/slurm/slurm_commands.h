// Slurm's client commands (sbatch, squeue, scontrol, scancel, salloc) as functions, each under a
// deadline (run_tool): with the controller down they would block for many seconds, and a driver
// must report that. Job states map to the Experiment's statuses here.
#pragma once

#include <insitu/status.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace insitu::launch::slurm {

// The deadline of one client call: $INSITU_SLURM_TIMEOUT seconds, default 15.
std::chrono::milliseconds call_timeout();

struct JobInfo {
    bool found = false;
    std::string state;             // Slurm's JobState ("PENDING", "RUNNING", "COMPLETED", ...)
    std::optional<int> exit_code;  // ExitCode rc:signal -> rc, or 128+signal
};

// PENDING/REQUEUED -> Queued; RUNNING/COMPLETING/CONFIGURING/SUSPENDED... -> Running;
// COMPLETED -> Completed; CANCELLED -> Cancelled; FAILED/TIMEOUT/NODE_FAIL/OUT_OF_MEMORY/... ->
// Failed.
Status map_state(const std::string& state);
// "7:0" -> 7; "0:9" -> 137.
std::optional<int> parse_exit_code(const std::string& field);

// sbatch --parsable <script>: the job id. Throws with sbatch's message.
std::string submit(const std::string& script_path);
// Every job the controller lists (squeue): id -> state; and every running step: name -> "job.step".
struct Queue {
    std::map<std::string, std::string> job_state;    // "12" -> "RUNNING"
    std::map<std::string, std::string> job_by_name;  // name -> id (latest)
    std::map<std::string, std::string> step_by_name;
};
// Throws when squeue fails (controller down or too slow).
Queue queue(bool with_steps = true);
// squeue's state and reason (%T, %r) of one job: {"PENDING", "Resources"}; {"", ""} when squeue
// does not know the job.
struct JobReason {
    std::string state, reason;
};
JobReason job_reason(const std::string& id);
// An srun step that waits inside a running job, as `scontrol -o show step <job>` and `scontrol -o
// show job <job>` see it. Slurm 22.05 lists such a step as "StepId=<job>.TDB State=PENDING" with
// what it asks for and srun's host:pid, but no reason: the reason is what the job's running steps
// hold.
struct StepWait {
    bool pending = false;  // Slurm lists a PENDING step of this srun (matched by its pid)
    std::string asked;     // "Nodes=2 CPUs=2 Tasks=2" as Slurm counts them
    std::string reason;    // its Reason= field, where a Slurm version gives one
    int job_cpus = -1;     // the job's NumCPUs
    int held_cpus = 0;     // CPUs of the job's running steps
    std::vector<std::string> running;  // "1.0 orchestrator_0-12-1 on n1"
};
StepWait step_wait(const std::string& job_id, int srun_pid);
// Why srun is still waiting, from what it printed on stderr (Slurm before 22.05): the reason of its
// last "step creation temporarily disabled, retrying (Requested nodes are busy)" line ("Requested
// nodes are busy"), "queued and waiting for resources" for its own allocation, or "" when it said
// nothing.
std::string srun_wait_reason(const std::string& srun_stderr);

// scontrol show job <id> (the controller keeps finished jobs for MinJobAge seconds).
JobInfo scontrol_job(const std::string& id);
// The job completion log (jobcomp/filetxt), for jobs the controller has forgotten.
JobInfo jobcomp_job(const std::string& id);
// scancel <id> (a job "12" or a step "12.3"), optionally with a signal name.
void cancel(const std::string& id, const std::string& signal = "");

// salloc --no-shell -J <name> <options> and the new job's id (found by name with squeue, since
// salloc --no-shell has no --parsable). Waits up to `timeout` for the allocation to be granted.
std::string get_allocation(int nodes, const std::string& time = "",
                           const std::map<std::string, std::string>& options = {},
                           std::chrono::milliseconds timeout = std::chrono::seconds(60));
// scancel of the allocation.
void release_allocation(const std::string& job_id);
// The host names of a job's nodes, in order (scontrol show hostnames of its node list).
std::vector<std::string> job_nodes(const std::string& job_id);

}  // namespace insitu::launch::slurm
