// Command lines for the HPC run commands: srun (Slurm), aprun (PBS/Cray ALPS), jsrun (LSF) and
// jsrun's explicit resource files (ERF). Text only, no process control: the Slurm launcher runs
// what format_srun builds, and PBS/LSF sites can check what these build before using it.
#pragma once

#include <insitu/run_settings.h>

#include <map>
#include <string>
#include <vector>

namespace insitu::launch {

// Throws std::invalid_argument naming the argument when `name` is one the launcher sets itself
// for `run_command` (srun's job name and output files; jsrun's stdio files; ...).
void check_run_arg(const std::string& run_command, const std::string& name);
// Every run arg of rs and of its MPMD parts checked with check_run_arg.
void check_run_args(const RunSettings& rs);

// srun --job-name=<step_name> <run args> <exe argv> [: <run args> <exe argv> ...].
// Single-letter args become "-x value", others "--name=value" ("--name" when the value is "").
std::vector<std::string> format_srun(const RunSettings& rs,
                                     const std::vector<std::string>& exe_argv,
                                     const std::string& step_name,
                                     const std::string& srun = "srun");
// The settings an srun step runs with: `--exact` added to every part (MPMD parts too) that names
// neither exact nor whole itself. Without it Slurm (21.08 and later) gives a step inside an
// allocation every CPU the job has on its nodes, so that any other step there (a database shard)
// makes it wait. Nothing adds --overlap: steps share CPUs only when their settings ask for it.
RunSettings exact_srun_settings(const RunSettings& rs);
// srun's options for `rs` as one line, for messages: "--exact --ntasks=1" (MPMD parts joined by
// " : ").
std::string srun_request(const RunSettings& rs);

// aprun <run args> <exe> [: <run args> <exe> ...] (-n, -N, -d, -cc, -L, -E, -m, -t; -e K=V for
// env).
std::vector<std::string> format_aprun(const RunSettings& rs,
                                      const std::vector<std::string>& exe_argv,
                                      const std::map<std::string, std::string>& env = {});
// jsrun <run args> <exe argv>; with MPMD parts, jsrun --erf_input <erf_path> (see erf_file).
std::vector<std::string> format_jsrun(const RunSettings& rs,
                                      const std::vector<std::string>& exe_argv,
                                      const std::string& erf_path = "");

// One rank of an explicit resource file: which app, on which host (1-based within the job's
// hosts, as jsrun numbers them) and which CPUs (and GPUs).
struct ErfRank {
    int app = 0;
    int host = 1;
    std::vector<int> cpus;
    std::vector<int> gpus;
};
// An ERF file for jsrun --erf_input: the apps (0 = rs, 1.. = its MPMD parts) and the ranks.
// Throws when a rank names an app that does not exist or has no CPU.
std::string erf_file(const RunSettings& rs, const std::vector<ErfRank>& ranks);

}  // namespace insitu::launch
