#include "launch/db/cluster.h"

#include <insitu/launch_errors.h>

#include <limits>
#include <sstream>
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

std::string node_id(const std::string& address, const DbAuth& auth) {
    return must(address, {"CLUSTER", "MYID"}, auth).str;
}

std::optional<std::vector<SlotRange>> slot_map(const std::string& address, const DbAuth& auth,
                                               int timeout_ms) {
    auto r = db_command(address, {"CLUSTER", "SLOTS"}, timeout_ms, auth);
    if (!r || r->is_error()) return std::nullopt;
    std::vector<SlotRange> out;
    for (const Reply& range : r->elements) {
        if (range.elements.size() < 3 || range.elements[2].elements.size() < 2) continue;
        const Reply& owner = range.elements[2];
        std::string host = owner.elements[0].str;
        // An unknown endpoint ("" or "?") is the node asked (Redis's own convention).
        if (host.empty() || host == "?") host = core::parse_address(address).host;
        out.push_back({range.elements[0].integer, range.elements[1].integer,
                       host + ":" + std::to_string(owner.elements[1].integer)});
    }
    return out;
}

void form_cluster(const std::vector<std::string>& addresses, int primaries, const DbAuth& auth) {
    const int total = static_cast<int>(addresses.size());
    const int n = primaries;
    if (n < 3) throw ConfigError("a cluster needs at least 3 shards");
    if (total < n) throw ConfigError("fewer cluster nodes than primaries");
    log_info("forming a " + std::to_string(n) + "-shard cluster" +
             (total > n ? " with " + std::to_string(total - n) + " replica(s)" : ""));
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
    for (int i = 1; i < total; ++i)
        must(addresses[static_cast<std::size_t>(i)],
             {"CLUSTER", "MEET", first.host, std::to_string(first.port)}, auth);
    if (total == n) return;
    // A replica can follow a primary only once gossip has told it about that node.
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i)
        ids.push_back(node_id(addresses[static_cast<std::size_t>(i)], auth));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (int i = n; i < total; ++i) {
        const auto& a = addresses[static_cast<std::size_t>(i)];
        const auto& primary = ids[static_cast<std::size_t>(i % n)];
        for (;;) {
            auto r = db_command(a, {"CLUSTER", "REPLICATE", primary}, 5000, auth);
            if (r && !r->is_error()) break;
            // "Unknown node": the MEET has not reached it yet.
            if (std::chrono::steady_clock::now() > deadline)
                throw LaunchError("database node " + a + " cannot become a replica of " +
                                  addresses[static_cast<std::size_t>(i % n)] + ": " +
                                  (r ? r->str : "no answer"));
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
}

void verify_cluster(const std::vector<std::string>& addresses, int primaries, const DbAuth& auth,
                    std::chrono::milliseconds timeout) {
    const int total = static_cast<int>(addresses.size());
    const int n = primaries;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto next_note = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    std::string last;
    for (;;) {
        bool ok = true;
        int masters = 0;
        for (int i = 0; i < total && ok; ++i) {
            const auto& a = addresses[static_cast<std::size_t>(i)];
            auto r = db_command(a, {"CLUSTER", "INFO"}, 2000, auth);
            std::string info = r && !r->is_error() ? r->str : "";
            if (info_field(info, "cluster_state") != "ok" ||
                info_field(info, "cluster_known_nodes") != std::to_string(total) ||
                info_field(info, "cluster_slots_ok") != "16384") {
                ok = false;
                last = a + " reports cluster_state:" + info_field(info, "cluster_state") +
                       " known_nodes:" + info_field(info, "cluster_known_nodes") +
                       " slots_ok:" + info_field(info, "cluster_slots_ok");
                break;
            }
            // Roles as the nodes report them (after a failover a replica may be a primary). A
            // replica is only a replica once its first sync is done.
            auto rep = db_command(a, {"INFO", "replication"}, 2000, auth);
            std::string ri = rep && !rep->is_error() ? rep->str : "";
            const std::string role = info_field(ri, "role");
            masters += role == "master" ? 1 : 0;
            if (role != "master" &&
                (role != "slave" || info_field(ri, "master_link_status") != "up")) {
                ok = false;
                last = a + " reports role:" + role +
                       " master_link_status:" + info_field(ri, "master_link_status");
            }
        }
        if (ok && masters != n) {
            ok = false;
            last = std::to_string(masters) + " primaries, expected " + std::to_string(n);
        }
        // Every node knows every replica as one (gossip carries the role): clients that ask any
        // node for the topology (reads from replicas) see all of them.
        for (int i = 0; i < total && ok && total > n; ++i) {
            const auto& a = addresses[static_cast<std::size_t>(i)];
            auto r = db_command(a, {"CLUSTER", "NODES"}, 2000, auth);
            int known = 0;
            if (r && !r->is_error()) {
                std::istringstream lines(r->str);
                for (std::string id, endpoint, flags; lines >> id >> endpoint >> flags;) {
                    if (flags.find("slave") != std::string::npos &&
                        flags.find("fail") == std::string::npos)
                        ++known;
                    lines.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
                }
            }
            if (known != total - n) {
                ok = false;
                last = a + " knows " + std::to_string(known) + " of " + std::to_string(total - n) +
                       " replicas";
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
    // A write and a read on every primary, with a key of a slot it owns (from the slot map: after
    // a failover the primaries are not the first `n` addresses).
    const auto map = slot_map(addresses[0], auth);
    if (!map) throw LaunchError("database node " + addresses[0] + " did not answer CLUSTER SLOTS");
    for (const SlotRange& range : *map) {
        const std::string& a = range.primary;
        const long long lo = range.first, hi = range.last;
        std::string key;
        for (int k = 0; key.empty() && k < 1'000'000; ++k) {
            std::string cand = "__insitu_check__" + std::to_string(k);
            int slot = core::hash_slot(cand);
            if (slot >= lo && slot <= hi) key = cand;
        }
        if (key.empty()) continue;
        std::string value = "ok-" + a;
        must(a, {"SET", key, value}, auth);
        Reply got = must(a, {"GET", key}, auth);
        if (got.str != value)
            throw LaunchError("database node " + a + ": read back '" + got.str + "' for " + key);
        must(a, {"DEL", key}, auth);
    }
    log_info("cluster of " + std::to_string(n) + " shards" +
             (total > n ? " and " + std::to_string(total - n) + " replica(s)" : "") +
             " ok (cluster_state:ok, write/read on every shard" +
             (total > n ? ", every replica in sync)" : ")"));
}

}  // namespace insitu::launch
