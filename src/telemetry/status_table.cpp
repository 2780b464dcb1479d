#include "telemetry/status_table.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <sstream>
#include <vector>

#include "core/text_table.h"

namespace insitu::telemetry {
namespace {

using Rows = std::vector<std::vector<std::string>>;

std::string table(const Rows& rows) {
    return core::text_table(rows);
}

std::string fixed(double v, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

std::string clock_time(double t) {
    if (t <= 0) return "-";
    std::time_t secs = static_cast<std::time_t>(t);
    std::tm tm{};
    ::localtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

std::string bytes(long long b) {
    const char* unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(b);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    return fixed(v, u ? 1 : 0) + " " + unit[u];
}

}  // namespace

std::string status_tables(const Snapshot& s, double now) {
    std::ostringstream out;
    out << "Experiment " << (s.experiment.empty() ? "?" : s.experiment) << " (" << s.exp_path
        << "): driver " << (s.driver_alive ? "running" : "not running") << ", last sample "
        << clock_time(s.last_sample_t) << "\n\nEntities\n";
    Rows jobs = {{"Name", "Type", "JobID", "Run", "Status", "Start", "Runtime (s)", "Returncode"}};
    for (const auto& j : s.jobs) {
        double end = j.end_t > 0 ? j.end_t : (j.status == "Running" ? now : j.start_t);
        jobs.push_back({j.name, j.type, j.job_id, std::to_string(j.run), j.status,
                        clock_time(j.start_t), fixed(std::max(0.0, end - j.start_t), 1),
                        j.returncode ? std::to_string(*j.returncode) : "-"});
    }
    out << table(jobs);
    for (const auto& j : s.jobs)
        if (!j.message.empty()) out << j.name << " (" << j.job_id << "): " << j.message << "\n";
    out << "\nDatabase shards\n";
    Rows shards = {{"DB", "Shard", "Address", "Up", "Role", "Memory", "Clients", "Ops/s", "Keys",
                    "Hits", "Misses"}};
    for (const auto& sh : s.shards) {
        const auto& p = sh.latest;
        if (!p.up) {
            shards.push_back({sh.db, sh.shard, sh.address, "no (" + sh.error + ")", "-", "-", "-",
                              "-", "-", "-", "-"});
            continue;
        }
        shards.push_back({sh.db, sh.shard, sh.address, "yes", p.role.empty() ? "-" : p.role,
                          bytes(p.used_memory), std::to_string(p.connected_clients),
                          std::to_string(p.ops_per_sec), std::to_string(p.keys),
                          std::to_string(p.keyspace_hits), std::to_string(p.keyspace_misses)});
    }
    out << table(shards);
    auto objects = objects_by_name(s);
    if (!objects.empty()) {
        out << "\nModels and scripts\n";
        Rows rows = {{"DB", "Name", "Type", "Backend", "Device", "Calls", "Errors", "Mean (ms)"}};
        for (const auto& o : objects)
            rows.push_back({o.db, o.name, o.type, o.backend, o.device, std::to_string(o.calls),
                            std::to_string(o.errors),
                            o.calls ? fixed(o.duration_us / 1000.0 / o.calls, 3) : "-"});
        out << table(rows);
    }
    return out.str();
}

}  // namespace insitu::telemetry
