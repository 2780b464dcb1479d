// The driver's telemetry monitor: a thread of the driver process (so it cannot outlive it) that
// samples every database shard the experiment runs each interval, and the entry point for the
// entity records the driver reports as jobs launch and change state. Writes to
// <exp>/.insitu/telemetry (schema.h, docs/telemetry.md). Thread-safe; never throws from a sample.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "launch/db/db_command.h"
#include "telemetry/sampler.h"
#include "telemetry/schema.h"

namespace insitu::telemetry {

class Writer;

// A job as launched: what the "entity" record tells.
struct JobSettings {
    std::string name, type, entity, job_id;
    int run = 0;
    std::string path, out_log, err_log;
    std::string exe, run_command;
    std::vector<std::string> exe_args;
    std::map<std::string, std::string> run_args, env;
    std::string db;  // for database shards: the db_identifier
};

// A state change: what the "status" record tells.
struct JobState {
    std::string name, job_id, status, message;
    int run = 0;
    std::optional<int> returncode;
};

class Monitor {
  public:
    // Appends a "driver" record; the sampling thread starts with the first database.
    Monitor(const std::string& exp_path, const std::string& exp_name, Options options);
    // Stops the thread (one last sample is not taken: the databases may be gone).
    ~Monitor();
    Monitor(const Monitor&) = delete;
    Monitor& operator=(const Monitor&) = delete;

    // The shards of one database to sample from now on (`key` names it for remove_database).
    void add_database(const std::string& key, std::vector<ShardTarget> shards, launch::DbAuth auth);
    void remove_database(const std::string& key);

    void job_launched(const JobSettings& s);
    void job_changed(const JobState& s);

    const std::string& driver_id() const { return driver_; }

  private:
    void run();
    struct Db {
        std::vector<ShardTarget> shards;
        launch::DbAuth auth;
    };
    Options options_;
    std::string driver_;
    std::unique_ptr<Writer> writer_;
    std::mutex mu_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool added_ = false;  // a database was added: sample now
    std::map<std::string, Db> dbs_;
    std::thread thread_;
};

}  // namespace insitu::telemetry
