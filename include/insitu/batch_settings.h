// How a job is submitted to a workload manager's queue (SmartSim's SbatchSettings,
// QsubBatchSettings, BsubBatchSettings): the batch command ("sbatch", "qsub" or "bsub"), its
// arguments and the lines run before the job's own commands. Experiment::create_batch_settings
// makes the one that fits the experiment's launcher. Arguments the launcher writes itself (the job
// name, output and error files, working directory, "parsable"/"wait") are refused by
// set_batch_arg and again when the script is generated.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace insitu {

struct BatchSettings {
    std::string batch_command;                      // "sbatch", "qsub" or "bsub"
    std::map<std::string, std::string> batch_args;  // name (no dashes) -> value ("" for a flag)
    std::vector<std::string> preamble;              // shell lines before the job's commands

    // Nodes: sbatch --nodes, qsub -l select=<n>, bsub -nnodes.
    void set_nodes(int n);
    // "HH:MM:SS": sbatch --time, qsub -l walltime, bsub -W HH:MM (rounded up to a minute).
    void set_walltime(const std::string& hhmmss);
    // sbatch --partition, qsub -q, bsub -q.
    void set_queue(const std::string& queue);
    // sbatch --account, qsub -A, bsub -P.
    void set_account(const std::string& account);
    // PBS only: CPUs per chunk (qsub -l select=<nodes>:ncpus=<n>).
    void set_ncpus(int n);
    // PBS only: another select resource (select=<nodes>:ncpus=<n>:<name>=<value>), e.g. ngpus.
    void set_resource(const std::string& name, const std::string& value);
    // Any other argument of the batch command; reserved ones throw (see above).
    void set_batch_arg(const std::string& name, const std::string& value = "");
    void add_preamble(const std::vector<std::string>& lines);
};

}  // namespace insitu
