#include "telemetry/prometheus.h"

#include <cstdio>
#include <functional>
#include <sstream>
#include <utility>
#include <vector>

namespace insitu::telemetry {
namespace {

// Label values escape backslash, double quote and newline (the format's three escapes).
std::string escape(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

using Labels = std::vector<std::pair<std::string, std::string>>;

std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

class Exposition {
  public:
    // One metric family: HELP and TYPE once, then its samples.
    void family(const std::string& name, const char* type, const char* help,
                const std::function<void(const std::function<void(Labels, double)>&)>& samples) {
        out_ << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
        samples([&](Labels labels, double v) {
            out_ << name;
            if (!labels.empty()) {
                out_ << "{";
                for (std::size_t i = 0; i < labels.size(); ++i)
                    out_ << (i ? "," : "") << labels[i].first << "=\"" << escape(labels[i].second)
                         << "\"";
                out_ << "}";
            }
            out_ << " " << number(v) << "\n";
        });
    }
    std::string str() const { return out_.str(); }

  private:
    std::ostringstream out_;
};

}  // namespace

std::string prometheus_text(const Snapshot& s) {
    Exposition e;
    using Emit = std::function<void(Labels, double)>;
    auto per_shard = [&](const std::string& name, const char* type, const char* help,
                         long long ShardPoint::*field) {
        e.family(name, type, help, [&](const Emit& emit) {
            for (const auto& sh : s.shards)
                if (sh.latest.up)
                    emit({{"db", sh.db}, {"shard", sh.shard}},
                         static_cast<double>(sh.latest.*field));
        });
    };
    e.family("insitu_shard_up", "gauge", "1 when the shard answered the latest sample, else 0.",
             [&](const Emit& emit) {
                 for (const auto& sh : s.shards)
                     emit({{"db", sh.db}, {"shard", sh.shard}}, sh.latest.up ? 1 : 0);
             });
    e.family(
        "insitu_shard_primary", "gauge",
        "1 when the shard's server is a primary, 0 when a replica (INFO replication role; it "
        "changes in a failover).",
        [&](const Emit& emit) {
            for (const auto& sh : s.shards)
                if (sh.latest.up && !sh.latest.role.empty())
                    emit({{"db", sh.db}, {"shard", sh.shard}}, sh.latest.role == "primary" ? 1 : 0);
        });
    per_shard("insitu_shard_used_memory_bytes", "gauge", "INFO used_memory of the shard.",
              &ShardPoint::used_memory);
    per_shard("insitu_shard_connected_clients", "gauge",
              "INFO connected_clients of the shard (the monitor's own connection included).",
              &ShardPoint::connected_clients);
    per_shard("insitu_shard_ops_per_second", "gauge", "INFO instantaneous_ops_per_sec.",
              &ShardPoint::ops_per_sec);
    per_shard("insitu_shard_keys", "gauge", "Keys in the shard (INFO keyspace, all databases).",
              &ShardPoint::keys);
    per_shard("insitu_shard_keyspace_hits_total", "counter", "INFO keyspace_hits.",
              &ShardPoint::keyspace_hits);
    per_shard("insitu_shard_keyspace_misses_total", "counter", "INFO keyspace_misses.",
              &ShardPoint::keyspace_misses);
    e.family("insitu_shard_last_sample_timestamp_seconds", "gauge",
             "When the shard was last sampled (Unix time).", [&](const Emit& emit) {
                 for (const auto& sh : s.shards)
                     emit({{"db", sh.db}, {"shard", sh.shard}}, sh.latest.t);
             });
    auto per_object = [&](const std::string& name, const char* help,
                          const std::function<double(const ObjectView&)>& value, bool models_only) {
        e.family(name, "counter", help, [&](const Emit& emit) {
            for (const auto& sh : s.shards)
                for (const auto& o : sh.objects)
                    if (!models_only || o.type == "MODEL")
                        emit({{"db", o.db},
                              {"shard", o.shard},
                              {"model", o.name},
                              {"type", o.type},
                              {"backend", o.backend},
                              {"device", o.device}},
                             value(o));
        });
    };
    per_object(
        "insitu_model_calls_total", "AI.INFO calls of a stored model or script.",
        [](const ObjectView& o) { return static_cast<double>(o.calls); }, false);
    per_object(
        "insitu_model_errors_total", "AI.INFO errors of a stored model or script.",
        [](const ObjectView& o) { return static_cast<double>(o.errors); }, false);
    per_object(
        "insitu_model_run_seconds_total",
        "AI.INFO duration: total run time of a stored model or script.",
        [](const ObjectView& o) { return o.duration_us / 1e6; }, false);
    per_object(
        "insitu_model_samples_total",
        "AI.INFO samples: batch samples a model ran (batch sizes summed).",
        [](const ObjectView& o) { return static_cast<double>(o.samples); }, true);
    auto latest_jobs = [&] {
        // The latest run of each name (earlier runs and drivers stay in /api/state).
        std::vector<const JobView*> out;
        for (const auto& j : s.jobs) {
            bool replaced = false;
            for (auto& o : out)
                if (o->name == j.name) {
                    o = &j;
                    replaced = true;
                }
            if (!replaced) out.push_back(&j);
        }
        return out;
    };
    auto jobs = latest_jobs();
    e.family("insitu_entity_info", "gauge",
             "1 for each entity's latest run, its status and job id as labels.",
             [&](const Emit& emit) {
                 for (const auto* j : jobs)
                     emit({{"entity", j->name},
                           {"type", j->type},
                           {"status", j->status},
                           {"job_id", j->job_id}},
                          1);
             });
    e.family("insitu_entity_running", "gauge", "1 while the entity runs, else 0.",
             [&](const Emit& emit) {
                 for (const auto* j : jobs)
                     emit({{"entity", j->name}, {"type", j->type}}, j->status == "Running" ? 1 : 0);
             });
    e.family("insitu_entity_returncode", "gauge", "Exit code of an entity that ended.",
             [&](const Emit& emit) {
                 for (const auto* j : jobs)
                     if (j->returncode)
                         emit({{"entity", j->name}, {"type", j->type}}, *j->returncode);
             });
    e.family("insitu_entity_start_timestamp_seconds", "gauge", "When the entity was launched.",
             [&](const Emit& emit) {
                 for (const auto* j : jobs)
                     emit({{"entity", j->name}, {"type", j->type}}, j->start_t);
             });
    e.family("insitu_telemetry_driver_up", "gauge",
             "1 while the driver that writes the telemetry runs.",
             [&](const Emit& emit) { emit({}, s.driver_alive ? 1 : 0); });
    return e.str();
}

}  // namespace insitu::telemetry
