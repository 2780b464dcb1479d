// The public Slurm helpers (include/insitu/slurm.h) over launch/launchers/slurm/slurm_commands.h.
#include <insitu/slurm.h>

#include "launch/launchers/slurm/slurm_commands.h"

namespace insitu::slurm {

std::string get_allocation(int nodes, const std::string& time,
                           const std::map<std::string, std::string>& options, double timeout_s) {
    return launch::slurm::get_allocation(
        nodes, time, options, std::chrono::milliseconds(static_cast<long>(timeout_s * 1000)));
}

void release_allocation(const std::string& job_id) {
    launch::slurm::release_allocation(job_id);
}

std::vector<std::string> get_hosts(const std::string& job_id) {
    return launch::slurm::job_nodes(job_id);
}

}  // namespace insitu::slurm
