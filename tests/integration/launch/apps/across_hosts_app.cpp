// The "client host" of the across-hosts test (test_across_hosts.cpp), run inside its own network
// namespace: forms and verifies the cluster out of the shards' addresses with the launcher's code,
// prints each node's CLUSTER NODES, then, as an application connected through SSDB and
// SR_DB_TYPE=Clustered, stores and reads back one tensor per shard, and follows a MOVED redirect
// to another namespace's address after moving a slot behind the client's back. Every check throws
// with what was seen; the last line is "across-hosts-app: ok".
// usage: across_hosts_app <host:port> <host:port> <host:port>
#include <insitu/client.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/hash_slot.h"
#include "launch/db/cluster.h"
#include "launch/db/db_command.h"

namespace {

using insitu::Reply;
using insitu::launch::db_command;

Reply ask(const std::string& address, const std::vector<std::string>& args) {
    auto r = db_command(address, args, 5000);
    if (!r) throw std::runtime_error(address + " did not answer " + args[0]);
    return *r;
}

// A key (a hash tag, so that the tensor's key is the slot's) owned by node i of n, not in `avoid`.
std::string key_on(int i, int n, const std::string& stem, int avoid_slot = -1) {
    int lo = insitu::launch::first_slot(i, n), hi = insitu::launch::first_slot(i + 1, n);
    for (int j = 0;; ++j) {
        std::string k = stem + "{" + std::to_string(j) + "}";
        int s = insitu::core::hash_slot(k);
        if (s >= lo && s < hi && s != avoid_slot) return k;
    }
}

std::vector<float> values(int seed) {
    std::vector<float> v(64);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(seed * 1000 + i) * 0.5f;
    return v;
}

void put_and_check(insitu::Client& c, const std::string& key, int seed) {
    auto v = values(seed);
    c.put_tensor(key, v.data(), {8, 8}, insitu::TensorType::Float,
                 insitu::MemoryLayout::Contiguous);
    std::vector<float> got(v.size());
    c.unpack_tensor(key, got.data(), {8, 8}, insitu::TensorType::Float,
                    insitu::MemoryLayout::Contiguous);
    if (got != v) throw std::runtime_error("tensor " + key + " came back different");
}

// The node at `address` holds `key` itself (EXISTS answers there, not a redirect).
void check_held_by(const std::string& address, const std::string& key) {
    Reply r = ask(address, {"EXISTS", key});
    if (r.is_error() || r.integer != 1)
        throw std::runtime_error(address + " does not hold " + key + ": " +
                                 (r.is_error() ? r.str : std::to_string(r.integer)));
}

}  // namespace

int main(int argc, char** argv) try {
    std::vector<std::string> nodes(argv + 1, argv + argc);
    if (nodes.size() != 3) throw std::invalid_argument("usage: across_hosts_app <3 addresses>");
    const int n = 3;
    for (const auto& a : nodes) {  // the shards were just started
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        for (;;) {
            auto r = db_command(a, {"PING"}, 1000);
            if (r && r->is_status("PONG")) break;
            if (std::chrono::steady_clock::now() > deadline)
                throw std::runtime_error(a + " did not answer PING within 20 s");
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    insitu::launch::form_cluster(nodes, static_cast<int>(nodes.size()));
    insitu::launch::verify_cluster(nodes, static_cast<int>(nodes.size()), {},
                                   std::chrono::seconds(20));
    for (const auto& a : nodes) {
        Reply r = ask(a, {"CLUSTER", "NODES"});
        std::printf("cluster-nodes %s\n%s", a.c_str(), r.str.c_str());
    }

    insitu::Client client("across-hosts");
    std::vector<std::string> keys;
    for (int i = 0; i < n; ++i) {
        keys.push_back(key_on(i, n, "shard"));
        put_and_check(client, keys.back(), i);
        check_held_by(nodes[i], keys.back());
        // Another node refuses the key and names the owner's namespace address.
        Reply r = ask(nodes[(i + 1) % n], {"EXISTS", keys.back()});
        std::printf("redirect %s %s\n", keys.back().c_str(), r.str.c_str());
    }

    // Move an empty slot of node 0 to node 1; the client still maps it to node 0, so its next
    // command on that slot is answered MOVED <slot> <node 1's address> and must be followed.
    std::string moved = key_on(0, n, "moved", insitu::core::hash_slot(keys[0]));
    std::string slot = std::to_string(insitu::core::hash_slot(moved));
    std::string id1 = ask(nodes[1], {"CLUSTER", "MYID"}).str;
    for (int i : {1, 0, 2}) {
        Reply r =
            ask(nodes[static_cast<std::size_t>(i)], {"CLUSTER", "SETSLOT", slot, "NODE", id1});
        if (r.is_error()) throw std::runtime_error("CLUSTER SETSLOT on " + nodes[i] + ": " + r.str);
    }
    put_and_check(client, moved, 7);
    check_held_by(nodes[1], moved);
    std::printf("moved-key key=%s slot=%s\n", moved.c_str(), slot.c_str());
    for (int i = 0; i < n; ++i) put_and_check(client, keys[i], 10 + i);  // the others unaffected
    std::printf("across-hosts-app: ok\n");
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "across-hosts-app: %s\n", e.what());
    return 1;
}
