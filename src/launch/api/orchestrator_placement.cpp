// Orchestrator settings for workload-manager launches: placement, allocation, run and batch args.
#include <insitu/launch_errors.h>
#include <insitu/orchestrator.h>

#include <set>
#include <stdexcept>

namespace insitu {
namespace {

void not_running(const Orchestrator& o, const std::vector<std::string>& addresses,
                 const char* what) {
    if (!addresses.empty())
        throw LaunchError(std::string(what) + ": database " + o.db_identifier() + " is running");
}

}  // namespace

void Orchestrator::set_hosts(std::vector<std::string> hosts) {
    not_running(*this, addresses_, "set_hosts");
    for (const auto& h : hosts)
        if (h.empty() || h.find_first_of(", \t") != std::string::npos)
            throw ConfigError("set_hosts: bad host name '" + h + "'");
    opts_.hosts = std::move(hosts);
}

void Orchestrator::set_alloc(std::string job_id) {
    not_running(*this, addresses_, "set_alloc");
    if (job_id.find_first_not_of("0123456789") != std::string::npos)
        throw ConfigError("set_alloc: a Slurm job id is a number, got '" + job_id + "'");
    opts_.alloc = std::move(job_id);
}

void Orchestrator::set_run_arg(const std::string& arg, const std::string& value) {
    not_running(*this, addresses_, "set_run_arg");
    // One task per shard on one node, named after the shard: the launcher's own arguments.
    static const std::set<std::string> reserved = {
        "nodes",  "N", "ntasks", "n", "ntasks-per-node", "nodelist", "w", "job-name", "J",
        "output", "o", "error",  "e", "jobid",           "mpi"};
    if (reserved.count(arg))
        throw ConfigError("srun argument '" + arg +
                          "' is set by the launcher for each shard "
                          "(one task on one node, its name and log files)" +
                          (arg == "nodelist" || arg == "w" ? std::string("; use set_hosts") : "") +
                          (arg == "jobid" ? std::string("; use set_alloc") : ""));
    opts_.run_args[arg] = value;
}

void Orchestrator::set_batch_settings(BatchSettings bs) {
    not_running(*this, addresses_, "set_batch_settings");
    if (bs.batch_command != "sbatch")
        throw UnsupportedError("a database is submitted with sbatch (got '" + bs.batch_command +
                               "')");
    opts_.batch_settings = std::move(bs);
}

void Orchestrator::set_batch_arg(const std::string& arg, const std::string& value) {
    if (!opts_.batch_settings)
        throw LaunchError("set_batch_arg: database " + opts_.db_identifier +
                          " has no batch settings (set_batch_settings first)");
    opts_.batch_settings->set_batch_arg(arg, value);
}

void Orchestrator::set_walltime(const std::string& hhmmss) {
    if (!opts_.batch_settings)
        throw LaunchError("set_walltime is for batch databases (set_batch_settings first)");
    opts_.batch_settings->set_walltime(hhmmss);
}

}  // namespace insitu
