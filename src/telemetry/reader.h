// Reads an experiment's telemetry folder (schema.h) into one view of entities, shards and models,
// for `insitu status`, the dashboard's JSON and /metrics. Incremental: refresh() reads only what
// was appended since the last call (a rotation or compaction is noticed and read anew).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace insitu::telemetry {

struct JobView {
    std::string driver, name, type, entity, job_id, status, message, path, out_log, err_log;
    int run = 0;
    std::optional<int> returncode;
    double start_t = 0, end_t = 0;  // end_t 0 while it runs
};

struct ObjectView {
    std::string db, shard, key, name, type, backend, device, tag;
    long long calls = 0, errors = 0, duration_us = 0, samples = 0;
};

struct ShardPoint {
    double t = 0;
    bool up = false;
    long long used_memory = 0, connected_clients = 0, ops_per_sec = 0, keys = 0, keyspace_hits = 0,
              keyspace_misses = 0;
    std::string role;  // "primary" or "replica" ("" from servers without INFO replication)
};

struct ShardView {
    std::string db, shard, address, error;
    ShardPoint latest;
    std::vector<ShardPoint> series;   // oldest first, at most Reader's max_points
    std::vector<ObjectView> objects;  // from the latest sample that reached the shard
};

struct Snapshot {
    std::string experiment, exp_path, driver;  // the latest driver's
    long long driver_pid = 0;
    bool driver_alive = false;  // its process still exists (this host)
    double interval_s = 0, last_sample_t = 0;
    std::vector<JobView> jobs;  // in launch order
    std::vector<ShardView> shards;
};

class Reader {
  public:
    explicit Reader(std::string exp_path, std::size_t max_points = 900);
    // Reads what was appended; returns false when there is no telemetry folder.
    bool refresh();
    const Snapshot& snapshot() const { return snap_; }
    const std::string& dir() const { return dir_; }

  private:
    void read_entities();
    void read_samples(const std::string& path, std::uint64_t& offset);
    void add_sample(const std::string& line);
    std::string exp_path_, dir_;
    std::size_t max_points_;
    Snapshot snap_;
    std::map<std::string, std::size_t> shard_index_;  // "db/shard" -> snap_.shards
    // What was read: entities anew when they change; samples from an offset, anew after a
    // rotation (inode change).
    std::uint64_t entities_size_ = 0, entities_ino_ = 0;
    double entities_mtime_ = 0;
    std::uint64_t samples_ino_ = 0, samples_offset_ = 0;
};

// The snapshot as the dashboard's /api/state JSON (docs/telemetry.md).
std::string to_json(const Snapshot& s);
// Models/scripts summed over the shards of their database (a cluster stores a copy per shard as
// "{prefix}.name"); name is the key without that prefix.
std::vector<ObjectView> objects_by_name(const Snapshot& s);
// The key without a cluster copy's "{prefix}." head.
std::string base_name(const std::string& key);

}  // namespace insitu::telemetry
