#include "telemetry/sampler.h"

#include <nlohmann/json.hpp>
#include <sstream>

#include "telemetry/schema.h"

namespace insitu::telemetry {
namespace {

using nlohmann::json;

long long to_number(const std::string& s) {
    try {
        return std::stoll(s);
    } catch (const std::exception&) {
        return 0;
    }
}

// The INFO fields of the schema; "keys" sums the keyspace lines (db0:keys=N,expires=...).
void add_info(json& rec, const std::string& info) {
    static const char* fields[] = {
        "used_memory",   "connected_clients", "instantaneous_ops_per_sec",
        "keyspace_hits", "keyspace_misses",   "maxmemory"};
    long long keys = 0;
    std::istringstream in(info);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string k = line.substr(0, colon), v = line.substr(colon + 1);
        for (const char* f : fields)
            if (k == f) rec[f] = to_number(v);
        // A replica's role changes in a failover (OrchestratorOptions::replicas).
        if (k == "role") rec["role"] = v == "master" ? "primary" : "replica";
        if (k.size() > 2 && k.rfind("db", 0) == 0 && v.rfind("keys=", 0) == 0)
            keys += to_number(v.substr(5, v.find(',') - 5));
    }
    rec["keys"] = keys;
}

// Key names are bytes: a cluster copy's "{prefix}" is whatever bytes hash to the shard's slots.
// Bytes outside printable ASCII are written as \xNN, so every record is valid UTF-8 JSON.
std::string printable(const std::string& bytes) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += static_cast<char>(c);
        } else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

// AI.INFO's flat key/value reply as an object with the schema's names.
json object_stats(const Reply& r) {
    json o = json::object();
    for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
        const std::string& k = r.elements[i].str;
        const Reply& v = r.elements[i + 1];
        if (k == "duration")
            o["duration_us"] = v.integer;
        else if (k == "samples" || k == "calls" || k == "errors")
            o[k] = v.integer;
        else if (k == "key" || k == "type" || k == "backend" || k == "device" || k == "tag")
            o[k] = printable(v.str);
    }
    return o;
}

}  // namespace

std::string sample_shard(launch::DbSession& session, const ShardTarget& target,
                         const launch::DbAuth& auth, const std::string& driver, int timeout_ms) {
    json rec = {{"schema", k_schema},       {"kind", "shard"}, {"t", unix_now()},
                {"driver", driver},         {"db", target.db}, {"shard", target.shard},
                {"address", target.address}};
    auto down = [&](const std::string& why) {
        rec["up"] = false;
        rec["error"] = why;
        return rec.dump(-1, ' ', false, json::error_handler_t::replace);
    };
    if (!session.is_open()) {
        auto r = session.open(target.address, timeout_ms, auth);
        if (!r) return down("no answer");
        if (r->is_error()) return down(r->str);
    }
    auto info = session.command({"INFO"}, timeout_ms);
    if (!info) return down("no answer");
    if (info->is_error()) return down(info->str);
    rec["up"] = true;
    add_info(rec, info->str);
    json objects = json::array();
    for (const char* scan : {"AI._MODELSCAN", "AI._SCRIPTSCAN"}) {
        auto list = session.command({scan}, timeout_ms);
        if (!list || list->type != Reply::Type::array) continue;  // no module, or not allowed
        for (const auto& entry : list->elements) {
            if (entry.elements.empty()) continue;
            auto st = session.command({"AI.INFO", entry.elements[0].str}, timeout_ms);
            if (st && st->type == Reply::Type::array) objects.push_back(object_stats(*st));
        }
    }
    rec["objects"] = std::move(objects);
    return rec.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace insitu::telemetry
