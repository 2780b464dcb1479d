#include "launch/launchers/slurm/slurm_commands.h"

#include <insitu/launch_errors.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "launch/os/tool.h"

namespace insitu::launch::slurm {
namespace {

ToolResult call(const std::vector<std::string>& argv) {
    ToolResult r = run_tool(argv, call_timeout());
    if (r.timed_out)
        throw LaunchTimeoutError(render_argv(argv) + " did not answer within " +
                                 std::to_string(call_timeout().count() / 1000) +
                                 " s (is slurmctld running? see SLURM_CONF)");
    return r;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
    return s;
}

// "Key=Value Key2=Value2 ..." fields of scontrol/jobcomp lines.
std::string field(const std::string& text, const std::string& key) {
    std::size_t pos = 0;
    while ((pos = text.find(key + "=", pos)) != std::string::npos) {
        if (pos == 0 || text[pos - 1] == ' ' || text[pos - 1] == '\n') {
            auto start = pos + key.size() + 1;
            auto end = text.find_first_of(" \n", start);
            return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        }
        pos += key.size();
    }
    return "";
}

}  // namespace

std::chrono::milliseconds call_timeout() {
    if (const char* v = std::getenv("INSITU_SLURM_TIMEOUT"); v && *v) {
        double s = std::atof(v);
        if (s > 0) return std::chrono::milliseconds(static_cast<long>(s * 1000));
    }
    return std::chrono::seconds(15);
}

Status map_state(const std::string& s) {
    if (s == "PENDING" || s == "REQUEUED" || s == "REQUEUE_FED" || s == "REQUEUE_HOLD" ||
        s == "RESV_DEL_HOLD")
        return Status::Queued;
    if (s == "RUNNING" || s == "COMPLETING" || s == "CONFIGURING" || s == "SUSPENDED" ||
        s == "STAGE_OUT" || s == "SIGNALING" || s == "RESIZING" || s == "STOPPED")
        return Status::Running;
    if (s == "COMPLETED") return Status::Completed;
    if (s.rfind("CANCELLED", 0) == 0) return Status::Cancelled;
    return Status::Failed;  // FAILED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, BOOT_FAIL, DEADLINE,
                            // PREEMPTED
}

std::optional<int> parse_exit_code(const std::string& f) {
    auto colon = f.find(':');
    if (f.empty() || colon == std::string::npos) return std::nullopt;
    try {
        int rc = std::stoi(f.substr(0, colon));
        int sig = std::stoi(f.substr(colon + 1));
        return sig ? 128 + sig : rc;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::string submit(const std::string& script_path) {
    ToolResult r = call({"sbatch", "--parsable", script_path});
    std::string out = trim(r.out);
    // --parsable prints "<id>" or "<id>;<cluster>".
    std::string id = out.substr(0, out.find(';'));
    if (r.rc != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
        throw LaunchError("sbatch " + script_path + " failed: " + trim(r.err + r.out));
    return id;
}

Queue queue(bool with_steps) {
    Queue q;
    // Jobs and steps in one call each; '|' cannot appear in ids or states.
    ToolResult jobs = call({"squeue", "-h", "-o", "%i|%T|%j"});
    if (jobs.rc != 0) throw LaunchError("squeue failed: " + trim(jobs.err));
    std::istringstream in(jobs.out);
    for (std::string l; std::getline(in, l);) {
        auto a = l.find('|'), b = l.find('|', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        std::string id = l.substr(0, a);
        q.job_state[id] = l.substr(a + 1, b - a - 1);
        q.job_by_name[l.substr(b + 1)] = id;
    }
    if (!with_steps) return q;
    ToolResult steps = call({"squeue", "-h", "-s", "-o", "%i|%j"});
    if (steps.rc != 0) throw LaunchError("squeue --steps failed: " + trim(steps.err));
    std::istringstream sin(steps.out);
    for (std::string l; std::getline(sin, l);) {
        auto a = l.find('|');
        if (a != std::string::npos) q.step_by_name[l.substr(a + 1)] = l.substr(0, a);
    }
    return q;
}

JobReason job_reason(const std::string& id) {
    ToolResult r = call({"squeue", "-h", "-j", id, "-o", "%T|%r"});
    std::string out = trim(r.out);
    auto bar = out.find('|');
    if (r.rc != 0 || bar == std::string::npos) return {};
    return {out.substr(0, bar), out.substr(bar + 1)};
}

StepWait step_wait(const std::string& job_id, int srun_pid) {
    StepWait w;
    ToolResult steps = call({"scontrol", "-o", "show", "step", job_id});
    std::istringstream in(steps.out);
    for (std::string l; std::getline(in, l);) {
        std::string state = field(l, "State");
        if (state == "RUNNING") {
            std::string cpus = field(l, "CPUs");
            if (!cpus.empty() && cpus.find_first_not_of("0123456789") == std::string::npos)
                w.held_cpus += std::stoi(cpus);
            w.running.push_back(field(l, "StepId") + " " + field(l, "Name") + " on " +
                                field(l, "NodeList"));
        } else if (state == "PENDING") {
            std::string host_pid = field(l, "SrunHost:Pid");
            if (host_pid.substr(host_pid.rfind(':') + 1) != std::to_string(srun_pid)) continue;
            w.pending = true;
            w.asked = "Nodes=" + field(l, "Nodes") + " CPUs=" + field(l, "CPUs") +
                      " Tasks=" + field(l, "Tasks");
            w.reason = field(l, "Reason");
        }
    }
    ToolResult job = call({"scontrol", "-o", "show", "job", job_id});
    std::string cpus = field(job.out, "NumCPUs");
    if (!cpus.empty() && cpus.find_first_not_of("0123456789") == std::string::npos)
        w.job_cpus = std::stoi(cpus);
    return w;
}

std::string srun_wait_reason(const std::string& text) {
    std::string found;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        if (l.rfind("srun: ", 0) != 0) continue;
        if (l.find("step creation") != std::string::npos) {
            auto open = l.rfind('('), close = l.rfind(')');
            found = open != std::string::npos && close != std::string::npos && close > open
                        ? l.substr(open + 1, close - open - 1)
                        : trim(l.substr(6));
        } else if (l.find("queued and waiting for resources") != std::string::npos) {
            found = "queued and waiting for resources";
        } else if (l.find("Step created for") != std::string::npos ||
                   l.find("has been allocated resources") != std::string::npos) {
            found.clear();  // waited, then got through
        }
    }
    return found;
}

JobInfo scontrol_job(const std::string& id) {
    ToolResult r = call({"scontrol", "-o", "show", "job", id});
    JobInfo j;
    if (r.rc != 0) return j;  // "Invalid job id specified": forgotten (or never known)
    j.state = field(r.out, "JobState");
    j.found = !j.state.empty();
    j.exit_code = parse_exit_code(field(r.out, "ExitCode"));
    return j;
}

JobInfo jobcomp_job(const std::string& id) {
    static std::mutex mu;
    static std::map<std::string, std::string> loc_by_conf;
    std::string conf = std::getenv("SLURM_CONF") ? std::getenv("SLURM_CONF") : "";
    std::string loc;
    {
        std::lock_guard lock(mu);
        auto it = loc_by_conf.find(conf);
        if (it == loc_by_conf.end()) {
            ToolResult r = call({"scontrol", "show", "config"});
            std::string type, path;
            std::istringstream in(r.out);
            for (std::string l; std::getline(in, l);) {
                auto eq = l.find('=');
                if (eq == std::string::npos) continue;
                std::string k = trim(l.substr(0, eq)), v = l.substr(eq + 1);
                while (!k.empty() && k.back() == ' ') k.pop_back();
                v.erase(0, v.find_first_not_of(' '));
                if (k == "JobCompType") type = trim(v);
                if (k == "JobCompLoc") path = trim(v);
            }
            it = loc_by_conf.emplace(conf, type == "jobcomp/filetxt" ? path : "").first;
        }
        loc = it->second;
    }
    JobInfo j;
    if (loc.empty()) return j;
    std::ifstream in(loc);
    for (std::string l; std::getline(in, l);) {
        if (field(l, "JobId") != id) continue;
        j.found = true;
        j.state = field(l, "JobState");
        j.exit_code = parse_exit_code(field(l, "ExitCode"));
    }
    return j;
}

void cancel(const std::string& id, const std::string& signal) {
    std::vector<std::string> argv = {"scancel"};
    if (!signal.empty()) argv.push_back("--signal=" + signal);
    argv.push_back(id);
    ToolResult r = call(argv);
    // A job that already ended is not an error for a stop.
    if (r.rc != 0 && r.err.find("already completed") == std::string::npos &&
        r.err.find("Invalid job id") == std::string::npos)
        throw LaunchError("scancel " + id + " failed: " + trim(r.err));
}

std::string get_allocation(int nodes, const std::string& time,
                           const std::map<std::string, std::string>& options,
                           std::chrono::milliseconds timeout) {
    if (nodes < 1) throw ConfigError("get_allocation: nodes must be >= 1");
    static int counter = 0;
    std::string name =
        "insitu-alloc-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
    std::vector<std::string> argv = {"salloc", "--no-shell", "-J",
                                     name,     "-N",         std::to_string(nodes)};
    if (!time.empty()) argv.push_back("--time=" + time);
    for (const auto& [k, v] : options) {
        if (k == "J" || k == "job-name" || k == "no-shell")
            throw ConfigError("get_allocation: '" + k + "' is set by insitu");
        argv.push_back((k.size() == 1 ? "-" : "--") + k +
                       (v.empty() ? "" : (k.size() == 1 ? "" : "=") + v));
    }
    // salloc --no-shell returns once the allocation is granted.
    ToolResult r = run_tool(argv, timeout);
    if (r.timed_out) {
        // It may still be pending: do not leave it queued.
        Queue q = queue();
        if (auto it = q.job_by_name.find(name); it != q.job_by_name.end()) cancel(it->second);
        throw AllocationError("salloc: no allocation of " + std::to_string(nodes) +
                              " node(s) within " + std::to_string(timeout.count() / 1000) + " s");
    }
    if (r.rc != 0) throw AllocationError("salloc failed: " + trim(r.err));
    Queue q = queue();
    auto it = q.job_by_name.find(name);
    if (it == q.job_by_name.end())
        throw AllocationError("salloc granted an allocation but squeue does not list job " + name);
    return it->second;
}

void release_allocation(const std::string& job_id) {
    cancel(job_id);
}

std::vector<std::string> job_nodes(const std::string& job_id) {
    ToolResult r = call({"squeue", "-h", "-j", job_id, "-o", "%N"});
    std::string list = trim(r.out);
    if (r.rc != 0 || list.empty())
        throw AllocationError("job " + job_id + " has no nodes (not running?): " + trim(r.err));
    ToolResult h = call({"scontrol", "show", "hostnames", list});
    std::vector<std::string> out;
    std::istringstream in(h.out);
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) out.push_back(l);
    return out;
}

}  // namespace insitu::launch::slurm
