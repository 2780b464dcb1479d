#include "telemetry/reader.h"

#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "telemetry/schema.h"

namespace fs = std::filesystem;

namespace insitu::telemetry {
namespace {

using nlohmann::json;

bool terminal(const std::string& status) {
    return status == "Completed" || status == "Failed" || status == "Cancelled";
}

// A record of this schema's major version (later minor versions only add fields).
bool ours(const json& j) {
    if (!j.is_object()) return false;
    auto it = j.find("schema");
    return it != j.end() && it->is_string() &&
           it->get<std::string>().rfind("insitu.telemetry/1", 0) == 0;
}

std::string str(const json& j, const char* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
long long num(const json& j, const char* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_number() ? it->get<long long>() : 0;
}
double real(const json& j, const char* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

bool pid_alive(long long pid) {
    return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

}  // namespace

std::string base_name(const std::string& key) {
    if (!key.empty() && key[0] == '{') {
        auto close = key.find("}.");
        if (close != std::string::npos) return key.substr(close + 2);
    }
    return key;
}

Reader::Reader(std::string exp_path, std::size_t max_points)
    : exp_path_(std::move(exp_path)),
      dir_(telemetry_dir(exp_path_)),
      max_points_(max_points ? max_points : 1) {
    snap_.exp_path = exp_path_;
}

bool Reader::refresh() {
    if (!fs::is_directory(dir_)) return false;
    // A driver that died leaves its jobs' last states behind: read them anew to mark them.
    if (snap_.driver_pid && pid_alive(snap_.driver_pid) != snap_.driver_alive) entities_mtime_ = -1;
    read_entities();
    snap_.driver_alive = pid_alive(snap_.driver_pid);
    std::string cur = (fs::path(dir_) / k_samples_file).string();
    std::string old = (fs::path(dir_) / k_old_samples_file).string();
    struct stat st {};
    if (::stat(cur.c_str(), &st) != 0) return true;
    auto ino = static_cast<std::uint64_t>(st.st_ino);
    if (ino != samples_ino_) {
        struct stat ost {};
        bool old_is_ours = samples_ino_ != 0 && ::stat(old.c_str(), &ost) == 0 &&
                           static_cast<std::uint64_t>(ost.st_ino) == samples_ino_;
        if (old_is_ours) {
            read_samples(old, samples_offset_);  // the rest of what was rotated away
        } else {
            snap_.shards.clear();
            shard_index_.clear();
            std::uint64_t from = 0;
            read_samples(old, from);
        }
        samples_ino_ = ino;
        samples_offset_ = 0;
    }
    read_samples(cur, samples_offset_);
    return true;
}

void Reader::read_entities() {
    std::string path = (fs::path(dir_) / k_entities_file).string();
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return;
    double mtime = static_cast<double>(st.st_mtim.tv_sec) + st.st_mtim.tv_nsec / 1e9;
    if (static_cast<std::uint64_t>(st.st_size) == entities_size_ &&
        static_cast<std::uint64_t>(st.st_ino) == entities_ino_ && mtime == entities_mtime_)
        return;
    entities_size_ = static_cast<std::uint64_t>(st.st_size);
    entities_ino_ = static_cast<std::uint64_t>(st.st_ino);
    entities_mtime_ = mtime;
    std::vector<JobView> jobs;
    std::map<std::string, std::size_t> index;  // driver|name|run
    std::map<std::string, long long> driver_pid;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        auto j = json::parse(line, nullptr, false);
        if (j.is_discarded() || !ours(j)) continue;
        std::string kind = str(j, "kind"), driver = str(j, "driver");
        if (kind == "driver") {
            snap_.driver = driver;
            snap_.experiment = str(j, "experiment");
            snap_.driver_pid = num(j, "pid");
            snap_.interval_s = real(j, "interval_s");
            driver_pid[driver] = snap_.driver_pid;
            continue;
        }
        std::string key = driver + "|" + str(j, "name") + "|" + std::to_string(num(j, "run"));
        auto it = index.find(key);
        if (it == index.end()) {
            it = index.emplace(key, jobs.size()).first;
            jobs.emplace_back();
            jobs.back().driver = driver;
            jobs.back().name = str(j, "name");
            jobs.back().run = static_cast<int>(num(j, "run"));
            jobs.back().start_t = real(j, "t");
        }
        JobView& v = jobs[it->second];
        if (kind == "entity") {
            v.type = str(j, "type");
            v.entity = str(j, "entity");
            v.job_id = str(j, "job_id");
            v.path = str(j, "path");
            v.out_log = str(j, "out_log");
            v.err_log = str(j, "err_log");
            v.start_t = real(j, "t");
        } else if (kind == "status") {
            v.status = str(j, "status");
            v.message = str(j, "message");
            auto rc = j.find("returncode");
            v.returncode = rc != j.end() && rc->is_number_integer()
                               ? std::optional<int>(rc->get<int>())
                               : std::nullopt;
            if (terminal(v.status) && v.end_t == 0) v.end_t = real(j, "t");
        }
    }
    // A job its driver never saw end (the driver was killed): its state is unknown.
    std::map<std::string, bool> alive;
    for (const auto& [d, pid] : driver_pid) alive[d] = pid_alive(pid);
    for (auto& v : jobs)
        if (!terminal(v.status) && alive.count(v.driver) && !alive[v.driver]) v.status = "Unknown";
    snap_.jobs = std::move(jobs);
}

void Reader::read_samples(const std::string& path, std::uint64_t& offset) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return;
    in.seekg(static_cast<std::streamoff>(offset));
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t pos = 0;
    for (;;) {
        auto nl = data.find('\n', pos);
        if (nl == std::string::npos) break;  // a record still being written
        add_sample(data.substr(pos, nl - pos));
        pos = nl + 1;
    }
    offset += pos;
}

void Reader::add_sample(const std::string& line) {
    auto j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !ours(j) || str(j, "kind") != "shard") return;
    std::string key = str(j, "db") + "/" + str(j, "shard");
    auto it = shard_index_.find(key);
    if (it == shard_index_.end()) {
        it = shard_index_.emplace(key, snap_.shards.size()).first;
        snap_.shards.emplace_back();
        snap_.shards.back().db = str(j, "db");
        snap_.shards.back().shard = str(j, "shard");
    }
    ShardView& s = snap_.shards[it->second];
    s.address = str(j, "address");
    ShardPoint p;
    p.t = real(j, "t");
    auto up = j.find("up");
    p.up = up != j.end() && up->is_boolean() && up->get<bool>();
    s.error = p.up ? "" : str(j, "error");
    if (p.up) {
        p.used_memory = num(j, "used_memory");
        p.connected_clients = num(j, "connected_clients");
        p.ops_per_sec = num(j, "instantaneous_ops_per_sec");
        p.keys = num(j, "keys");
        p.keyspace_hits = num(j, "keyspace_hits");
        p.keyspace_misses = num(j, "keyspace_misses");
        p.role = str(j, "role");
        s.objects.clear();
        auto objs = j.find("objects");
        if (objs != j.end() && objs->is_array())
            for (const auto& o : *objs) {
                ObjectView v;
                v.db = s.db;
                v.shard = s.shard;
                v.key = str(o, "key");
                v.name = base_name(v.key);
                v.type = str(o, "type");
                v.backend = str(o, "backend");
                v.device = str(o, "device");
                v.tag = str(o, "tag");
                v.calls = num(o, "calls");
                v.errors = num(o, "errors");
                v.duration_us = num(o, "duration_us");
                v.samples = num(o, "samples");
                s.objects.push_back(std::move(v));
            }
    }
    s.latest = p;
    s.series.push_back(p);
    if (s.series.size() > max_points_)
        s.series.erase(s.series.begin(),
                       s.series.begin() + static_cast<long>(s.series.size() - max_points_));
    if (p.t > snap_.last_sample_t) snap_.last_sample_t = p.t;
}

std::vector<ObjectView> objects_by_name(const Snapshot& s) {
    std::vector<ObjectView> out;
    std::map<std::string, std::size_t> index;
    for (const auto& sh : s.shards)
        for (const auto& o : sh.objects) {
            std::string key = o.db + "/" + o.type + "/" + o.name;
            auto it = index.find(key);
            if (it == index.end()) {
                index.emplace(key, out.size());
                out.push_back(o);
                out.back().shard = "";
                out.back().key = o.name;
                continue;
            }
            ObjectView& v = out[it->second];
            v.calls += o.calls;
            v.errors += o.errors;
            v.duration_us += o.duration_us;
            v.samples += o.samples;
        }
    return out;
}

std::string to_json(const Snapshot& s) {
    json j = {{"schema", k_schema},
              {"experiment", s.experiment},
              {"exp_path", s.exp_path},
              {"driver_pid", s.driver_pid},
              {"driver_alive", s.driver_alive},
              {"interval_s", s.interval_s},
              {"last_sample_t", s.last_sample_t},
              {"now", unix_now()}};
    json jobs = json::array();
    for (const auto& v : s.jobs)
        jobs.push_back({{"name", v.name},
                        {"type", v.type},
                        {"entity", v.entity},
                        {"job_id", v.job_id},
                        {"run", v.run},
                        {"status", v.status},
                        {"message", v.message},
                        {"returncode", v.returncode ? json(*v.returncode) : json(nullptr)},
                        {"start_t", v.start_t},
                        {"end_t", v.end_t},
                        {"has_out_log", !v.out_log.empty()},
                        {"has_err_log", !v.err_log.empty()}});
    j["jobs"] = std::move(jobs);
    json shards = json::array();
    for (const auto& sh : s.shards) {
        json series = {{"t", json::array()},
                       {"used_memory", json::array()},
                       {"connected_clients", json::array()},
                       {"ops_per_sec", json::array()},
                       {"keys", json::array()}};
        for (const auto& p : sh.series) {
            if (!p.up) continue;
            series["t"].push_back(p.t);
            series["used_memory"].push_back(p.used_memory);
            series["connected_clients"].push_back(p.connected_clients);
            series["ops_per_sec"].push_back(p.ops_per_sec);
            series["keys"].push_back(p.keys);
        }
        shards.push_back({{"db", sh.db},
                          {"shard", sh.shard},
                          {"address", sh.address},
                          {"up", sh.latest.up},
                          {"error", sh.error},
                          {"t", sh.latest.t},
                          {"used_memory", sh.latest.used_memory},
                          {"connected_clients", sh.latest.connected_clients},
                          {"ops_per_sec", sh.latest.ops_per_sec},
                          {"keys", sh.latest.keys},
                          {"keyspace_hits", sh.latest.keyspace_hits},
                          {"keyspace_misses", sh.latest.keyspace_misses},
                          {"series", std::move(series)}});
    }
    j["shards"] = std::move(shards);
    json objects = json::array();
    for (const auto& o : objects_by_name(s))
        objects.push_back({{"db", o.db},
                           {"name", o.name},
                           {"type", o.type},
                           {"backend", o.backend},
                           {"device", o.device},
                           {"calls", o.calls},
                           {"errors", o.errors},
                           {"duration_us", o.duration_us},
                           {"samples", o.samples},
                           {"mean_ms", o.calls ? o.duration_us / 1000.0 / o.calls : 0.0}});
    j["objects"] = std::move(objects);
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace insitu::telemetry
