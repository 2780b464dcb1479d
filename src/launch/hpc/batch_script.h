// Batch scripts for sbatch (Slurm), qsub (PBS) and bsub (LSF), generated as text with no process
// control, so that they are unit-tested here and a site can read them before submitting.
#pragma once

#include <insitu/batch_settings.h>

#include <map>
#include <string>
#include <vector>

namespace insitu::launch {

struct BatchJob {
    std::string name;      // job name
    std::string out_path;  // the job's stdout
    std::string err_path;  // the job's stderr
    std::string cwd;       // working directory
    // The commands the job runs, each a command line. With one, the job's exit code is its exit
    // code; with several, they run side by side and the job fails when any of them fails.
    std::vector<std::vector<std::string>> commands;
    std::map<std::string, std::string> env;  // exported before the commands
};

// Throws std::invalid_argument when `name` is an option the launcher sets itself for
// `batch_command`.
void check_batch_arg(const std::string& batch_command, const std::string& name);
// The script text (#!/bin/bash, directives, preamble, environment, commands).
std::string batch_script(const BatchSettings& bs, const BatchJob& job);
// A word quoted for a POSIX shell (unchanged when it needs no quoting).
std::string shell_quote(const std::string& word);

}  // namespace insitu::launch
