// Child processes the launcher owns: spawned in their own process group with stdout/stderr sent to
// files, killed with their whole group on stop, and (through PR_SET_PDEATHSIG) when the driver
// dies, so that no process is left behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace insitu::launch {

struct ProcessSpec {
    std::vector<std::string> argv;           // argv[0] is looked up on PATH
    std::map<std::string, std::string> env;  // added to (or replacing in) the inherited environment
    std::string cwd;                         // empty: inherit
    std::string stdout_path, stderr_path;    // empty: inherit
};

class Process {
  public:
    Process() = default;
    // Throws std::runtime_error naming the executable if it cannot be started.
    explicit Process(const ProcessSpec& spec);
    ~Process();  // kills the group if still running
    Process(Process&& o) noexcept;
    Process& operator=(Process&& o) noexcept;
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    bool running();
    // Exit code (or 128+signal) once finished; nullopt while running.
    std::optional<int> poll();
    std::optional<int> wait_for(std::chrono::milliseconds timeout);
    // SIGTERM to the group, then SIGKILL after `grace`; waits for the exit.
    int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

  private:
    pid_t pid_ = -1;
    std::optional<int> status_;
};

// Finds an executable on PATH (or returns the argument if it contains a '/'); empty if absent.
std::string find_executable(const std::string& name);

}  // namespace insitu::launch
