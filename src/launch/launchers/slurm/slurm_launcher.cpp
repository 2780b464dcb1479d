#include "launch/launchers/slurm/slurm_launcher.h"

#include <insitu/launch_errors.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <thread>

#include "launch/hpc/run_commands.h"
#include "launch/launchers/run_command.h"
#include "launch/os/log.h"

namespace fs = std::filesystem;

namespace insitu::launch {
namespace {

bool is_openmpi(const std::string& rc) {
    return rc == "mpirun" || rc == "mpiexec" || rc == "orterun";
}
constexpr const char* k_name_placeholder = "--job-name=";
// An srun step not started after this long is reported (then every k_report_every).
constexpr std::chrono::seconds k_report_after{10};
constexpr std::chrono::seconds k_report_every{60};

// Slurm job names: no spaces or commas, so that squeue's output parses.
std::string safe_name(std::string s) {
    for (auto& c : s)
        if (c == ' ' || c == ',' || c == '|' || c == '\n') c = '_';
    return s;
}

// Inside an allocation srun takes what the command line leaves out from the allocation's
// environment (salloc sets SLURM_NTASKS to the job's task count): name those values in messages,
// since they are part of what the step asks for.
std::string inherited_request(const std::vector<std::string>& argv,
                              const std::map<std::string, std::string>& env) {
    struct Input {
        const char* var;
        const char* long_name;
        const char* short_name;
    };
    static const Input inputs[] = {{"SLURM_NTASKS", "ntasks", "n"},
                                   {"SLURM_NPROCS", "ntasks", "n"},
                                   {"SLURM_NNODES", "nodes", "N"},
                                   {"SLURM_CPUS_PER_TASK", "cpus-per-task", "c"},
                                   {"SLURM_NTASKS_PER_NODE", "ntasks-per-node", ""},
                                   {"SLURM_MEM_PER_CPU", "mem-per-cpu", ""},
                                   {"SLURM_MEM_PER_NODE", "mem", ""},
                                   {"SLURM_OVERLAP", "overlap", ""}};
    std::string note;
    std::set<std::string> noted;  // SLURM_NPROCS repeats SLURM_NTASKS
    for (const auto& in : inputs) {
        std::string value;
        if (auto it = env.find(in.var); it != env.end())
            value = it->second;
        else if (const char* v = std::getenv(in.var))
            value = v;
        if (value.empty()) continue;
        bool given = false;
        std::string l = std::string("--") + in.long_name;
        for (std::size_t i = 2; i < argv.size() && !given; ++i)
            given = argv[i] == l || argv[i].rfind(l + "=", 0) == 0 ||
                    (*in.short_name && argv[i] == std::string("-") + in.short_name);
        if (given || !noted.insert(in.long_name).second) continue;
        note += (note.empty() ? "" : ", ") + std::string(in.var) + "=" + value;
    }
    return note.empty() ? "" : " and, from the environment, " + note;
}

// The last 64 KiB of a log (srun's messages are at its end).
std::string log_tail(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return "";
    auto size = static_cast<long long>(in.tellg());
    long long from = std::max(0LL, size - 65536);
    in.seekg(from);
    std::string text(static_cast<std::size_t>(size - from), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    return text;
}

// "10 s" for a time waited; a timeout as given ("2.5 s", "300 s").
std::string seconds(std::chrono::steady_clock::duration d) {
    char b[32];
    std::snprintf(b, sizeof b, "%.0f s", std::chrono::duration<double>(d).count());
    return b;
}
std::string seconds(std::chrono::milliseconds d) {
    char b[32];
    std::snprintf(b, sizeof b, "%g s", static_cast<double>(d.count()) / 1000);
    return b;
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
        return format_srun(exact_srun_settings(rs), exe_argv, "");
    }
    if (is_openmpi(rs.run_command) || rs.run_command.empty() || rs.run_command == "auto")
        return format_command(rs, exe_argv, env);
    throw UnsupportedError(
        "run command '" + rs.run_command +
        "' is not supported by the slurm launcher (srun, mpirun, mpiexec, or \"\")");
}

std::string SlurmLauncher::resource_request(const RunSettings& rs) const {
    return rs.run_command == "srun" ? srun_request(exact_srun_settings(rs)) : "";
}

std::string SlurmLauncher::launch(const Step& step) {
    if (step.argv.empty()) throw ConfigError("step " + step.name + " has no command");
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
    if (srun) {
        e.request = "srun " + (step.request.empty() ? std::string("(no options)") : step.request) +
                    inherited_request(argv, step.env);
        e.err_path = step.err_path;
        e.start_timeout = step.start_timeout ? *step.start_timeout : resolve_start_timeout({}, {});
        for (const auto& a : argv)
            if (a.rfind("--jobid=", 0) == 0) e.job_hint = a.substr(8);
        if (e.job_hint.empty()) {
            if (auto it = step.env.find("SLURM_JOB_ID"); it != step.env.end())
                e.job_hint = it->second;
            else if (const char* j = std::getenv("SLURM_JOB_ID"))
                e.job_hint = j;
        }
    }
    e.proc = Process(spec);
    e.launched = std::chrono::steady_clock::now();
    e.next_report = e.launched + k_report_after;
    steps_[unique] = std::move(e);
    return unique;
}

std::string SlurmLauncher::submit(const BatchSettings& bs, const BatchJob& job,
                                  const std::string& script_path) {
    if (bs.batch_command != "sbatch")
        throw UnsupportedError("the slurm launcher submits with sbatch, not '" + bs.batch_command +
                               "'");
    std::string text = batch_script(bs, job);
    fs::create_directories(fs::path(script_path).parent_path());
    {
        std::ofstream out(script_path, std::ios::trunc);
        out << text;
        if (!out) throw LaunchError("cannot write batch script " + script_path);
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
    if (it == steps_.end()) throw ConfigError("unknown step " + step_id);
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
    // Seen before and no longer listed: ending.
    if (!e.slurm_step.empty()) return {Status::Running, std::nullopt};
    // srun waits for its allocation or for resources in the allocation.
    return waiting_locked(e);
}

StepStatus SlurmLauncher::waiting_locked(Entry& e) {
    auto now = std::chrono::steady_clock::now();
    auto waited = now - e.launched;
    bool expired = e.start_timeout.count() > 0 && waited >= e.start_timeout;
    auto queued = [&] {
        return StepStatus{Status::Queued, std::nullopt,
                          e.reason.empty() ? "" : "waiting for resources: " + e.reason};
    };
    if (!expired && now < e.next_report) return queued();
    std::string reason;
    try {
        // A fresh listing: it may have started since the last one.
        const auto& q = queue_locked(true);
        if (auto it = q.step_by_name.find(e.slurm_name); it != q.step_by_name.end()) {
            e.slurm_step = it->second;
            return {Status::Running, std::nullopt};
        }
        reason = wait_reason_locked(e);
    } catch (const std::exception& ex) {
        reason = std::string("Slurm did not answer: ") + ex.what();
    }
    e.reason = reason;
    std::string limit = e.start_timeout.count() > 0
                            ? "fails after " + seconds(e.start_timeout) + " (start timeout)"
                            : "no start timeout";
    if (!expired) {
        log_warning("srun step " + e.slurm_name + " has not started after " + seconds(waited) +
                    ": " + reason + "; it asks for " + e.request + " (" + limit + ")");
        e.next_report = now + k_report_every;
        return queued();
    }
    std::string msg = "did not start within " + seconds(e.start_timeout) +
                      " (start timeout): " + reason + "; it asked for " + e.request;
    log_warning("srun step " + e.slurm_name + " " + msg);
    // Its own allocation may still be queued: take it out of the queue, then end the client.
    try {
        if (auto j = queue_.job_by_name.find(e.slurm_name); j != queue_.job_by_name.end())
            slurm::cancel(j->second);
    } catch (const std::exception& ex) {
        log_warning(std::string("scancel: ") + ex.what());
    }
    e.proc.stop(std::chrono::seconds(2));
    e.final = StepStatus{Status::Failed, std::nullopt, msg};
    return *e.final;
}

std::string SlurmLauncher::wait_reason_locked(Entry& e) {
    // srun's own allocation, still queued: the job's reason.
    if (auto j = queue_.job_by_name.find(e.slurm_name); j != queue_.job_by_name.end()) {
        slurm::JobReason r = slurm::job_reason(j->second);
        if (!r.state.empty() && r.state != "RUNNING")
            return "Slurm job " + j->second + " is " + r.state + ", reason: " + r.reason;
    }
    // A step in an allocation. Slurm 22.05 and later keep it PENDING in the job, with no reason
    // of its own: what it asks for against what the job's running steps hold. Older versions
    // make srun retry and say why on its stderr.
    std::string why = slurm::srun_wait_reason(log_tail(e.err_path));
    std::string job_id = e.job_hint;
    std::string job;
    if (!job_id.empty()) {
        slurm::JobReason r = slurm::job_reason(job_id);
        if (r.state.empty())
            job = "job " + job_id + " is not in Slurm's queue";
        else if (r.state != "RUNNING")
            job = "job " + job_id + " is " + r.state + ", reason: " + r.reason;
    }
    if (!job_id.empty() && job.empty()) {
        slurm::StepWait w = slurm::step_wait(job_id, e.proc.pid());
        if (w.pending) {
            std::string held;
            for (const auto& s : w.running) held += (held.empty() ? "" : ", ") + s;
            std::string text = "Slurm keeps the step PENDING in job " + job_id + " (" + w.asked +
                               (w.reason.empty() ? "" : ", reason: " + w.reason) + ")";
            if (w.job_cpus >= 0)
                text += "; the job's running steps hold " + std::to_string(w.held_cpus) +
                        " of its " + std::to_string(w.job_cpus) + " CPUs" +
                        (held.empty() ? "" : " (" + held + ")");
            return text + (why.empty() ? "" : "; srun: " + why);
        }
    }
    if (!why.empty())
        return "Slurm cannot create the step" +
               (job_id.empty() ? std::string() : " in job " + job_id) + ": " + why +
               (job.empty() ? "" : "; " + job);
    if (!job.empty()) return job;
    return "Slurm has not created the step and srun gave no reason (see " + e.err_path + ")";
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
