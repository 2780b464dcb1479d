// The local launcher: every step is a child process of the driver in its own process group
// (launch/os/process.h), so stop() reaches everything the step started, and PR_SET_PDEATHSIG kills
// it if the driver dies.
#pragma once

#include <map>
#include <mutex>

#include "launch/launchers/launcher.h"
#include "launch/os/process.h"

namespace insitu::launch {

class LocalLauncher : public Launcher {
  public:
    std::string name() const override { return "local"; }
    std::vector<std::string> command_line(
        const RunSettings& rs, const std::vector<std::string>& exe_argv,
        const std::map<std::string, std::string>& env) const override;
    std::string launch(const Step& step) override;
    StepStatus status(const std::string& step_id) override;
    StepStatus stop(const std::string& step_id, std::chrono::milliseconds grace) override;
    StepStatus wait(const std::string& step_id, std::chrono::milliseconds timeout) override;
    // The step's process id (for tests and the co-located wrapper's bookkeeping); -1 if unknown.
    pid_t pid(const std::string& step_id);

  private:
    struct Entry {
        Process proc;
        bool cancelled = false;
        bool swept = false;
    };
    Entry& find(const std::string& step_id);
    static StepStatus status_of(Entry& e);
    std::mutex mu_;
    std::map<std::string, Entry> steps_;
};

}  // namespace insitu::launch
