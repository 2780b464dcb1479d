#include "launch/launchers/local/local_launcher.h"

#include <insitu/launch_errors.h>

#include <signal.h>

#include <stdexcept>

#include "launch/launchers/run_command.h"

namespace insitu::launch {

std::vector<std::string> LocalLauncher::command_line(
    const RunSettings& rs, const std::vector<std::string>& exe_argv,
    const std::map<std::string, std::string>& env) const {
    if (!is_supported_local_run_command(rs.run_command))
        throw UnsupportedError("run command '" + rs.run_command +
                               "' is not supported by the local launcher (use \"\" or mpirun)");
    return format_command(rs, exe_argv, env);
}

std::string LocalLauncher::launch(const Step& step) {
    ProcessSpec spec;
    spec.argv = step.argv;
    spec.env = step.env;
    spec.cwd = step.cwd;
    spec.stdout_path = step.out_path;
    spec.stderr_path = step.err_path;
    Process p(spec);
    std::string id = std::to_string(p.pid());
    std::lock_guard lock(mu_);
    steps_[id] = Entry{std::move(p), false};
    return id;
}

LocalLauncher::Entry& LocalLauncher::find(const std::string& step_id) {
    auto it = steps_.find(step_id);
    if (it == steps_.end()) throw ConfigError("unknown step " + step_id);
    return it->second;
}

StepStatus LocalLauncher::status_of(Entry& e) {
    auto rc = e.proc.poll();
    if (!rc) return {Status::Running, std::nullopt};
    if (!e.swept) {
        // The leader is gone: whatever it left in its group (background children of a crashed
        // application) goes too, right away, while the group id cannot have been reused.
        e.swept = true;
        ::kill(-e.proc.pid(), SIGKILL);
    }
    if (e.cancelled) return {Status::Cancelled, rc};
    return {*rc == 0 ? Status::Completed : Status::Failed, rc};
}

StepStatus LocalLauncher::status(const std::string& step_id) {
    std::lock_guard lock(mu_);
    return status_of(find(step_id));
}

StepStatus LocalLauncher::stop(const std::string& step_id, std::chrono::milliseconds grace) {
    std::lock_guard lock(mu_);
    Entry& e = find(step_id);
    if (!e.proc.poll()) e.cancelled = true;
    e.proc.stop(grace);  // also kills what the group still holds when the leader had exited
    return status_of(e);
}

StepStatus LocalLauncher::wait(const std::string& step_id, std::chrono::milliseconds timeout) {
    std::lock_guard lock(mu_);
    Entry& e = find(step_id);
    e.proc.wait_for(timeout);
    return status_of(e);
}

pid_t LocalLauncher::pid(const std::string& step_id) {
    std::lock_guard lock(mu_);
    auto it = steps_.find(step_id);
    return it == steps_.end() ? -1 : it->second.proc.pid();
}

}  // namespace insitu::launch
