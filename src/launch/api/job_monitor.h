// The history of every step an experiment launched (several runs of one entity included), with
// status refreshed from the launcher: the source of get_status, finished and summary.
#pragma once

#include <insitu/entity.h>
#include <insitu/status.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "launch/launchers/launcher.h"

namespace insitu::launch {

struct Job {
    std::string name;  // model name, or shard name for databases
    std::string type;  // "Model", "DBNode"
    const Entity* entity = nullptr;
    std::string step_id;
    int run = 0;  // 0 for the first launch of this entity, then 1, 2, ...
    bool is_db = false;
    Status status = Status::Running;
    std::optional<int> returncode;
    std::string message;  // why it waits or failed, from the launcher
    std::chrono::steady_clock::time_point started, ended;
};

class JobMonitor {
  public:
    Job& add(Job job);
    // Refreshes every job still running.
    void update(Launcher& launcher);
    // Applies a status the caller decided (stop() makes a job Cancelled).
    void set(Job& job, StepStatus st);
    // The latest run's jobs of `entity`, in launch order.
    std::vector<Job*> latest(const Entity* entity);
    std::vector<Job*> running();
    const std::vector<Job>& all() const { return jobs_; }
    // A GitHub-style table: Name, Entity-Type, JobID, RunID, Time, Status, Returncode; then one
    // line per job with a message ("<name> (<job id>): <message>").
    std::string table() const;
    // Told of every job added (launched = true) and of every change of a job's status or return
    // code afterwards (the telemetry's entity records).
    std::function<void(const Job&, bool launched)> on_change;

  private:
    std::vector<Job> jobs_;
};

}  // namespace insitu::launch
