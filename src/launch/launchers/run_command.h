// Run-command generation: turns RunSettings into a command line, with no process control, so that
// launchers share it and tests check it without running anything.
#pragma once

#include <insitu/run_settings.h>

#include <map>
#include <string>
#include <vector>

namespace insitu::launch {

// The run commands the local launcher accepts: "" (direct) and "mpirun"/"mpiexec"/"orterun"
// (Open MPI). "auto" is "" for local.
bool is_supported_local_run_command(const std::string& run_command);

// [<run command> <formatted run args> <env forwarding>] <exe argv>. For Open MPI every run arg
// becomes --<name> [value], and every variable in `forwarded_env` is exported with -x NAME so that
// ranks on other hosts get it too.
std::vector<std::string> format_command(const RunSettings& rs,
                                        const std::vector<std::string>& exe_argv,
                                        const std::map<std::string, std::string>& forwarded_env);

// Environment additions a run command needs to work here (Open MPI as root in a container).
std::map<std::string, std::string> run_command_env(const RunSettings& rs);

}  // namespace insitu::launch
