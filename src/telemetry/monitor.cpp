#include "telemetry/monitor.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "telemetry/writer.h"

namespace insitu::telemetry {
namespace {

using nlohmann::json;

// Text from the user (arguments, environment) may hold any bytes: invalid UTF-8 is replaced.
std::string dump(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json header(const char* kind, const std::string& driver) {
    return {{"schema", k_schema}, {"kind", kind}, {"t", unix_now()}, {"driver", driver}};
}

// Environment values that may be secrets stay out of the files (their names are kept).
bool secret_name(const std::string& name) {
    for (const char* word : {"PASSWORD", "SECRET", "TOKEN", "KEY"})
        if (name.find(word) != std::string::npos && name != "SSKEYIN" && name != "SSKEYOUT")
            return true;
    return false;
}

}  // namespace

Monitor::Monitor(const std::string& exp_path, const std::string& exp_name, Options options)
    : options_(options) {
    options_.interval_s = std::max(options_.interval_s, 0.01);
    // Unique across restarts of a driver in one experiment folder: pid and start time.
    driver_ = std::to_string(::getpid()) + "-" +
              std::to_string(static_cast<long long>(unix_now() * 1000));
    writer_ = std::make_unique<Writer>(telemetry_dir(exp_path), options_.max_bytes);
    json rec = header("driver", driver_);
    rec["experiment"] = exp_name;
    rec["exp_path"] = exp_path;
    rec["pid"] = static_cast<long long>(::getpid());
    rec["interval_s"] = options_.interval_s;
    rec["max_bytes"] = options_.max_bytes;
    writer_->append_entity(dump(rec));
}

Monitor::~Monitor() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Monitor::add_database(const std::string& key, std::vector<ShardTarget> shards,
                           launch::DbAuth auth) {
    std::lock_guard<std::mutex> lock(mu_);
    dbs_[key] = Db{std::move(shards), std::move(auth)};
    added_ = true;
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    wake_.notify_all();  // a first sample now, not an interval later
}

void Monitor::remove_database(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    dbs_.erase(key);
}

void Monitor::job_launched(const JobSettings& s) {
    json rec = header("entity", driver_);
    rec["name"] = s.name;
    rec["type"] = s.type;
    rec["entity"] = s.entity;
    rec["job_id"] = s.job_id;
    rec["run"] = s.run;
    rec["path"] = s.path;
    rec["out_log"] = s.out_log;
    rec["err_log"] = s.err_log;
    if (!s.db.empty()) rec["db"] = s.db;
    if (!s.exe.empty()) {
        rec["exe"] = s.exe;
        rec["exe_args"] = s.exe_args;
        rec["run_command"] = s.run_command;
        rec["run_args"] = s.run_args;
        json env = json::object();
        for (const auto& [k, v] : s.env) env[k] = secret_name(k) ? "<hidden>" : v;
        rec["env"] = env;
    }
    writer_->append_entity(dump(rec));
}

void Monitor::job_changed(const JobState& s) {
    json rec = header("status", driver_);
    rec["name"] = s.name;
    rec["run"] = s.run;
    rec["job_id"] = s.job_id;
    rec["status"] = s.status;
    rec["returncode"] = s.returncode ? json(*s.returncode) : json(nullptr);
    if (!s.message.empty()) rec["message"] = s.message;
    writer_->append_entity(dump(rec));
}

void Monitor::run() {
    using clock = std::chrono::steady_clock;
    auto period = std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(options_.interval_s));
    // A sample waits at most one interval (and 2 s) for a shard: a hung shard must not stall
    // the others for long.
    int timeout_ms = static_cast<int>(std::clamp(options_.interval_s * 1000, 200.0, 2000.0));
    std::map<std::string, launch::DbSession> sessions;  // by address, kept between samples
    auto next = clock::now();
    for (;;) {
        std::vector<std::pair<ShardTarget, launch::DbAuth>> targets;
        {
            std::unique_lock<std::mutex> lock(mu_);
            wake_.wait_until(lock, next, [&] { return stopping_ || added_; });
            if (stopping_) return;
            added_ = false;
            for (const auto& [key, db] : dbs_)
                for (const auto& s : db.shards) targets.emplace_back(s, db.auth);
        }
        next += period;
        if (next < clock::now()) next = clock::now() + period;  // a slow sample skips, not bursts
        std::map<std::string, launch::DbSession> still;
        for (const auto& [target, auth] : targets) {
            auto& session = sessions[target.address];
            try {
                writer_->append_sample(sample_shard(session, target, auth, driver_, timeout_ms));
            } catch (const std::exception&) {
                // A sample is lost, never the driver (this thread must not throw).
                session = launch::DbSession();
            }
            still[target.address] = std::move(session);
        }
        sessions = std::move(still);  // removed databases' connections close
    }
}

}  // namespace insitu::telemetry
