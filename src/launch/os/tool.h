// Running a short-lived command-line tool (squeue, sbatch, scancel, ...) and capturing its output,
// always under a deadline: workload-manager clients block for many seconds when their controller
// is down, and a driver must report that instead of hanging.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace insitu::launch {

struct ToolResult {
    int rc = -1;             // exit code, 128+signal; -1 when it could not be started
    bool timed_out = false;  // killed at the deadline
    std::string out, err;
    bool ok() const { return rc == 0 && !timed_out; }
};

// Runs argv[0] (looked up on PATH) with `env` added to the environment, stdin from /dev/null.
// On timeout the tool's process group is killed and timed_out is set.
ToolResult run_tool(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                    const std::map<std::string, std::string>& env = {});

// "sbatch --parsable x.sh" -> a readable one-line rendering for error messages.
std::string render_argv(const std::vector<std::string>& argv);

}  // namespace insitu::launch
