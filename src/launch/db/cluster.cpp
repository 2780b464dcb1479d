#include "launch/db/cluster.h"

#include <insitu/launch_errors.h>

#include <stdexcept>
#include <thread>

#include "core/address.h"
#include "core/hash_slot.h"
#include "launch/db/db_command.h"
#include "launch/os/log.h"

namespace insitu::launch {
namespace {

constexpr int k_slots = 16384;

Reply must(const std::string& address, const std::vector<std::string>& args, const DbAuth& auth) {
    auto r = db_command(address, args, 5000, auth);
    if (!r)
        throw LaunchError("database node " + address + " did not answer " + args[0] + " " +
                          (args.size() > 1 ? args[1] : ""));
    if (r->is_error())
        throw LaunchError("database node " + address + ": " + args[0] + " " +
                          (args.size() > 1 ? args[1] : "") + " failed: " + r->str);
    return *r;
}

std::string info_field(const std::string& info, const std::string& field) {
    auto pos = info.find(field + ":");
    if (pos == std::string::npos) return "";
    auto end = info.find_first_of("\r\n", pos);
    return info.substr(pos + field.size() + 1, end - pos - field.size() - 1);
}

}  // namespace

int first_slot(int i, int n) {
    return static_cast<int>(static_cast<long>(k_slots) * i / n);
}

void form_cluster(const std::vector<std::string>& addresses, const DbAuth& auth) {
    const int n = static_cast<int>(addresses.size());
    if (n < 3) throw ConfigError("a cluster needs at least 3 shards");
    log_info("forming a " + std::to_string(n) + "-shard cluster");
    for (int i = 0; i < n; ++i) {
        const auto& a = addresses[static_cast<std::size_t>(i)];
        int lo = first_slot(i, n), hi = first_slot(i + 1, n) - 1;
        auto r = db_command(a, {"CLUSTER", "ADDSLOTSRANGE", std::to_string(lo), std::to_string(hi)},
                            5000, auth);
        if (r && r->is_error() && r->str.find("nknown") != std::string::npos) {
            // Servers older than Redis 7 (or forks without the subcommand).
            std::vector<std::string> args = {"CLUSTER", "ADDSLOTS"};
            for (int s = lo; s <= hi; ++s) args.push_back(std::to_string(s));
            r = db_command(a, args, 5000, auth);
        }
        if (!r) throw LaunchError("database node " + a + " did not answer CLUSTER ADDSLOTSRANGE");
        if (r->is_error())
            throw LaunchError("database node " + a + ": CLUSTER ADDSLOTSRANGE failed: " + r->str);
        // Distinct epochs from the start, so nodes need not resolve collisions (as redis-cli does).
        db_command(a, {"CLUSTER", "SET-CONFIG-EPOCH", std::to_string(i + 1)}, 5000, auth);
    }
    const core::Address first = core::parse_address(addresses[0]);
    for (int i = 1; i < n; ++i)
        must(addresses[static_cast<std::size_t>(i)],
             {"CLUSTER", "MEET", first.host, std::to_string(first.port)}, auth);
}

void verify_cluster(const std::vector<std::string>& addresses, const DbAuth& auth,
                    std::chrono::milliseconds timeout) {
    const int n = static_cast<int>(addresses.size());
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto next_note = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    std::string last;
    for (;;) {
        bool ok = true;
        for (const auto& a : addresses) {
            auto r = db_command(a, {"CLUSTER", "INFO"}, 2000, auth);
            std::string info = r && !r->is_error() ? r->str : "";
            if (info_field(info, "cluster_state") != "ok" ||
                info_field(info, "cluster_known_nodes") != std::to_string(n) ||
                info_field(info, "cluster_slots_ok") != "16384") {
                ok = false;
                last = a + " reports cluster_state:" + info_field(info, "cluster_state") +
                       " known_nodes:" + info_field(info, "cluster_known_nodes") +
                       " slots_ok:" + info_field(info, "cluster_slots_ok");
                break;
            }
        }
        if (ok) break;
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline)
            throw LaunchTimeoutError("the cluster did not reach cluster_state:ok: " + last);
        if (now >= next_note) {
            log_info("waiting for the cluster to converge (" + last + ")");
            next_note = now + std::chrono::seconds(3);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    // A write and a read on every shard, with a key that shard owns.
    for (int i = 0; i < n; ++i) {
        const auto& a = addresses[static_cast<std::size_t>(i)];
        int lo = first_slot(i, n), hi = first_slot(i + 1, n);
        std::string key;
        for (int k = 0; key.empty(); ++k) {
            std::string cand = "__insitu_check__" + std::to_string(k);
            int slot = core::hash_slot(cand);
            if (slot >= lo && slot < hi) key = cand;
        }
        std::string value = "ok-" + a;
        must(a, {"SET", key, value}, auth);
        Reply got = must(a, {"GET", key}, auth);
        if (got.str != value)
            throw LaunchError("database node " + a + ": read back '" + got.str + "' for " + key);
        must(a, {"DEL", key}, auth);
    }
    log_info("cluster of " + std::to_string(n) +
             " shards ok (cluster_state:ok, write/read on every shard)");
}

}  // namespace insitu::launch
