// Slurm helpers for drivers (SmartSim's smartsim.wlm.slurm): an allocation to launch steps into,
// obtained from the driver itself rather than from an interactive `salloc` shell.
//
//     std::string alloc = insitu::slurm::get_allocation(2, "00:10:00");
//     auto rs = exp.create_run_settings("./sim", {}, "srun");
//     rs.run_args["jobid"] = alloc;                 // or run the driver inside salloc/sbatch
//     ...
//     insitu::slurm::release_allocation(alloc);
#pragma once

#include <map>
#include <string>
#include <vector>

namespace insitu::slurm {

// `salloc --no-shell -N nodes [--time=time] [--<k>=<v> ...]`; returns the job id once granted.
// Throws (cancelling the request) when not granted within `timeout_s`.
std::string get_allocation(int nodes = 1, const std::string& time = "",
                           const std::map<std::string, std::string>& options = {},
                           double timeout_s = 60);
// scancel of the allocation (and of every step still running in it).
void release_allocation(const std::string& job_id);
// The node names of a running job, in order.
std::vector<std::string> get_hosts(const std::string& job_id);

}  // namespace insitu::slurm
