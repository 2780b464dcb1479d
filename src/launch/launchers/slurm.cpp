#include "launch/launchers/slurm.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "launch/hpc/run_commands.h"
#include "launch/log.h"
#include "launch/run_command.h"

namespace fs = std::filesystem;

namespace insitu::launch {
namespace {

bool is_openmpi(const std::string& rc) {
    return rc == "mpirun" || rc == "mpiexec" || rc == "orterun";
}
constexpr const char* k_name_placeholder = "--job-name=";

// Slurm job names: no spaces or commas, so that squeue's output parses.
std::string safe_name(std::string s) {
    for (auto& c : s)
        if (c == ' ' || c == ',' || c == '|' || c == '\n') c = '_';
    return s;
}

}  // namespace

bool SlurmLauncher::supports_run_command(const std::string& rc) const {
    return rc.empty() || rc == "auto" || rc == "srun" || is_openmpi(rc);
}

std::vector<std::string> SlurmLauncher::command_line(
    const RunSettings& rs, const std::vector<std::string>& exe_argv,
    const std::map<std::string, std::string>& env) const {
    if (rs.run_command == "srun") {
        // The step's unique name is filled in by launch().
        return format_srun(rs, exe_argv, "");
    }
    if (is_openmpi(rs.run_command) || rs.run_command.empty() || rs.run_command == "auto")
        return format_command(rs, exe_argv, env);
    throw std::invalid_argument(
        "run command '" + rs.run_command +
        "' is not supported by the slurm launcher (srun, mpirun, mpiexec, or \"\")");
}

std::string SlurmLauncher::launch(const Step& step) {
    if (step.argv.empty()) throw std::invalid_argument("step " + step.name + " has no command");
    std::unique_lock lock(mu_);
    std::string unique =
        safe_name(step.name) + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter_);
    std::vector<std::string> argv = step.argv;
    bool srun = argv.size() > 1 && argv[1] == k_name_placeholder;
    if (step.batch) {
        if (srun) argv[1] = std::string(k_name_placeholder) + safe_name(step.name);
        BatchJob job{
            safe_name(step.name), step.out_path, step.err_path, step.cwd, {argv}, step.env};
        std::string script = (fs::path(step.cwd) / (step.name + ".sbatch")).string();
        lock.unlock();
        return submit(*step.batch, job, script);
    }
    if (srun) argv[1] = std::string(k_name_placeholder) + unique;
    ProcessSpec spec;
    spec.argv = argv;
    spec.env = step.env;
    spec.cwd = step.cwd;
    spec.stdout_path = step.out_path;
    spec.stderr_path = step.err_path;
    Entry e;
    e.slurm_name = srun ? unique : "";
    e.proc = Process(spec);
    e.launched = std::chrono::steady_clock::now();
    steps_[unique] = std::move(e);
    return unique;
}

std::string SlurmLauncher::submit(const BatchSettings& bs, const BatchJob& job,
                                  const std::string& script_path) {
    if (bs.batch_command != "sbatch")
        throw std::invalid_argument("the slurm launcher submits with sbatch, not '" +
                                    bs.batch_command + "'");
    std::string text = batch_script(bs, job);
    fs::create_directories(fs::path(script_path).parent_path());
    {
        std::ofstream out(script_path, std::ios::trunc);
        out << text;
        if (!out) throw std::runtime_error("cannot write batch script " + script_path);
    }
    // Fresh logs: Slurm appends.
    std::ofstream(job.out_path, std::ios::trunc);
    std::ofstream(job.err_path, std::ios::trunc);
    std::string id = slurm::submit(script_path);
    std::lock_guard lock(mu_);
    Entry e;
    e.batch = true;
    e.job_id = id;
    e.launched = std::chrono::steady_clock::now();
    steps_[id] = std::move(e);
    log_debug("submitted " + job.name + " as Slurm job " + id);
    return id;
}

SlurmLauncher::Entry& SlurmLauncher::find(const std::string& step_id) {
    auto it = steps_.find(step_id);
    if (it == steps_.end()) throw std::invalid_argument("unknown step " + step_id);
    return it->second;
}

const slurm::Queue& SlurmLauncher::queue_locked(bool fresh, bool steps) {
    auto now = std::chrono::steady_clock::now();
    if (fresh || now - queue_time_ > std::chrono::milliseconds(250) ||
        (steps && !queue_has_steps_)) {
        queue_ = slurm::queue(steps);
        queue_has_steps_ = steps;
        queue_time_ = now;
    }
    return queue_;
}

StepStatus SlurmLauncher::status_locked(Entry& e) {
    if (e.final) return *e.final;
    if (e.batch) {
        const auto& q = queue_locked(false, false);
        auto it = q.job_state.find(e.job_id);
        if (it != q.job_state.end()) {
            Status s = slurm::map_state(it->second);
            if (!is_terminal(s)) return {s, std::nullopt};
        }
        slurm::JobInfo j = slurm::scontrol_job(e.job_id);
        if (!j.found) j = slurm::jobcomp_job(e.job_id);
        if (j.found) {
            Status s = slurm::map_state(j.state);
            if (!is_terminal(s)) return {s, std::nullopt};
            if (e.cancelled) s = Status::Cancelled;
            e.final = StepStatus{s, j.exit_code};
            return *e.final;
        }
        // Just submitted and not yet visible, or long forgotten without a completion log.
        if (std::chrono::steady_clock::now() - e.launched < std::chrono::seconds(10))
            return {Status::Queued, {}};
        e.final = StepStatus{Status::Failed, std::nullopt};
        log_warning("Slurm no longer knows job " + e.job_id +
                    " and keeps no completion log for it");
        return *e.final;
    }
    if (auto rc = e.proc.poll()) {
        // The srun client (or local process) is gone: whatever its group still holds goes too.
        ::kill(-e.proc.pid(), SIGKILL);
        Status s = e.cancelled ? Status::Cancelled : *rc == 0 ? Status::Completed : Status::Failed;
        e.final = StepStatus{s, rc};
        return *e.final;
    }
    if (e.slurm_name.empty()) return {Status::Running, std::nullopt};
    try {
        const auto& q = queue_locked();
        if (auto it = q.step_by_name.find(e.slurm_name); it != q.step_by_name.end()) {
            e.slurm_step = it->second;
            return {Status::Running, std::nullopt};
        }
    } catch (const std::exception& ex) {
        // The srun client is alive: report it as running rather than fail a status query.
        log_warning(std::string("squeue: ") + ex.what());
        return {Status::Running, std::nullopt};
    }
    // srun waits for its allocation or for resources in the allocation.
    return {e.slurm_step.empty() ? Status::Queued : Status::Running, std::nullopt};
}

StepStatus SlurmLauncher::status(const std::string& step_id) {
    std::lock_guard lock(mu_);
    return status_locked(find(step_id));
}

std::string SlurmLauncher::slurm_id(const std::string& step_id) {
    std::lock_guard lock(mu_);
    Entry& e = find(step_id);
    if (e.batch) return e.job_id;
    if (e.slurm_step.empty() && !e.slurm_name.empty()) status_locked(e);
    return e.slurm_step;
}

StepStatus SlurmLauncher::stop(const std::string& step_id, std::chrono::milliseconds grace) {
    std::unique_lock lock(mu_);
    Entry& e = find(step_id);
    if (e.final) return *e.final;
    if (is_terminal(status_locked(e).status)) return *e.final;
    e.cancelled = true;
    auto deadline = std::chrono::steady_clock::now() + grace + std::chrono::seconds(10);
    if (e.batch) {
        slurm::cancel(e.job_id);
        for (;;) {
            e.final.reset();
            StepStatus st = status_locked(e);
            if (is_terminal(st.status)) {
                e.final = StepStatus{Status::Cancelled, st.returncode};
                return *e.final;
            }
            if (std::chrono::steady_clock::now() > deadline) {
                log_warning("Slurm job " + e.job_id + " still " + to_string(st.status) +
                            " after scancel");
                return {Status::Cancelled, std::nullopt};
            }
            lock.unlock();
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            lock.lock();
        }
    }
    if (!e.slurm_name.empty() && !e.proc.poll()) {
        // Cancel in Slurm first, so that every task on every node ends, not only the client.
        std::string id;
        try {
            const auto& q = queue_locked(true);
            if (auto it = q.step_by_name.find(e.slurm_name); it != q.step_by_name.end())
                id = it->second;
            // srun's own allocation, still pending: the job carries the step's name.
            else if (auto j = q.job_by_name.find(e.slurm_name); j != q.job_by_name.end())
                id = j->second;
            if (!id.empty()) slurm::cancel(id);
        } catch (const std::exception& ex) {
            log_warning(std::string("scancel: ") + ex.what() + "; stopping the srun client");
        }
        if (!id.empty()) e.proc.wait_for(grace + std::chrono::seconds(5));
    }
    e.proc.stop(grace);
    e.final.reset();
    StepStatus st = status_locked(e);
    return st;
}

StepStatus SlurmLauncher::wait(const std::string& step_id, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        StepStatus st = status(step_id);
        if (is_terminal(st.status) || std::chrono::steady_clock::now() >= deadline) return st;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace insitu::launch
