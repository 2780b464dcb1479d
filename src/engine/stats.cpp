#include "engine/stats.h"

namespace insitu::engine {

RunStatsPtr StatsRegistry::create(const std::string& key, bool is_model, std::string backend,
                                  std::string device, std::string tag) {
    auto s = std::make_shared<RunStats>();
    s->key = key;
    s->is_model = is_model;
    s->backend = std::move(backend);
    s->device = std::move(device);
    s->tag = std::move(tag);
    std::lock_guard lock(mu_);
    entries_[key] = s;
    return s;
}

RunStatsPtr StatsRegistry::find(const std::string& key) const {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : it->second;
}

void StatsRegistry::remove(const RunStatsPtr& s) {
    if (!s) return;
    std::lock_guard lock(mu_);
    auto it = entries_.find(s->key);
    if (it != entries_.end() && it->second == s) entries_.erase(it);
}

std::vector<RunStatsPtr> StatsRegistry::all() const {
    std::lock_guard lock(mu_);
    std::vector<RunStatsPtr> out;
    for (const auto& [k, v] : entries_) out.push_back(v);
    return out;
}

StatsRegistry& stats_registry() {
    static auto* r = new StatsRegistry();
    return *r;
}

}  // namespace insitu::engine
