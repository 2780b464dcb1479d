#include "client/router.h"

#include <insitu/errors.h>

#include <algorithm>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

namespace insitu::client {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

milliseconds remaining(Clock::time_point deadline) {
    return std::max(milliseconds(0),
                    std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
}

std::string seconds_text(milliseconds ms) {
    if (ms.count() % 1000 == 0) return std::to_string(ms.count() / 1000) + " s";
    return std::to_string(ms.count()) + " ms";
}

// The wait before retry number `retry` (1-based): the first retry is immediate (a stale
// connection or one redirection is the common case), then 1, 2, 4, ... ms up to SR_CMD_INTERVAL,
// so a cluster still agreeing on a slot's owner, or a server coming back, is retried often at
// first and never more often than every SR_CMD_INTERVAL later on.
milliseconds backoff(int retry, milliseconds cap) {
    if (retry <= 1) return milliseconds(0);
    const int shift = std::min(retry - 2, 20);
    return std::min(cap, milliseconds(1LL << shift));
}

}  // namespace

Router::Router(std::vector<core::Address> seeds, bool cluster, Timing timing, const Logger& log,
               Credentials credentials, Durability durability, ReadPolicy reads)
    : seeds_(std::move(seeds)),
      cluster_(cluster),
      timing_(timing),
      durability_(durability),
      reads_(reads),
      log_(log),
      credentials_(std::make_shared<const Credentials>(std::move(credentials))) {
    slots_.fill(-1);
    if (seeds_.empty()) throw ParameterException("no database address given");
    if (cluster_) {
        for (const auto& s : seeds_)
            if (s.kind == core::Address::Kind::unix_socket)
                throw ParameterException(
                    "Unix Domain Socket is not supported with clustered "
                    "Redis (" +
                    s.to_string() + ")");
    }
    connect_initial();
}

Router::~Router() = default;

void Router::connect_initial() {
    // The peer uses one seed picked at random; trying the others after it only adds resilience.
    std::mt19937 rng(std::random_device{}());
    std::rotate(seeds_.begin(), seeds_.begin() + static_cast<std::ptrdiff_t>(rng() % seeds_.size()),
                seeds_.end());
    const auto deadline = Clock::now() + timing_.conn_timeout;
    std::string last;
    while (true) {
        for (const auto& seed : seeds_) {
            try {
                auto budget = std::max(remaining(deadline), milliseconds(1));
                auto c = open(seed, budget);
                if (!cluster_) {
                    nodes_.push_back({seed, seed.to_string(), std::move(c)});
                    slots_.fill(0);
                } else {
                    load_slots(*c);
                    std::size_t idx = node_index(seed);
                    // A replica's connection is opened again, with READONLY, when used.
                    if (!nodes_[idx].replica) nodes_[idx].conn = std::move(c);
                }
                log_.log(LogLevel::Debug, "connected to " + describe());
                return;
            } catch (const IoError& e) {
                last = e.what();
                log_.log(LogLevel::Debug, last);
            }
        }
        if (Clock::now() >= deadline) break;
        std::this_thread::sleep_for(std::min(timing_.conn_interval, remaining(deadline)));
    }
    std::string names;
    for (const auto& s : seeds_) names += (names.empty() ? "" : ", ") + s.to_string();
    throw DatabaseException("could not connect to the database at " + names + " within " +
                            seconds_text(timing_.conn_timeout) + " (SR_CONN_TIMEOUT): " + last);
}

void Router::load_slots(Connection& c) {
    Reply r = c.command({"CLUSTER", "SLOTS"});
    if (r.is_error()) {
        throw DatabaseException("CLUSTER SLOTS failed on " + c.address().to_string() + ": " +
                                r.str + " (for a standalone database set SR_DB_TYPE=Standalone)");
    }
    // A cluster still being formed: worth retrying within the connection budget.
    if (r.type != Reply::Type::array || r.elements.empty())
        throw IoError("the cluster at " + c.address().to_string() + " has no hash slots assigned");
    std::array<int, core::k_cluster_slots> table;
    table.fill(-1);
    std::vector<std::vector<int>> replicas;
    auto endpoint = [&](const Reply& node) {
        core::Address a;
        a.host = node.elements[0].str;
        // An unknown endpoint ("" or "?") is the node we asked (Redis's own convention).
        if (a.host.empty() || a.host == "?") a.host = c.address().host;
        a.port = static_cast<int>(node.elements[1].integer);
        return static_cast<int>(node_index(a));
    };
    for (const Reply& range : r.elements) {
        if (range.elements.size() < 3 || range.elements[2].elements.size() < 2) continue;
        long long lo = range.elements[0].integer, hi = range.elements[1].integer;
        int idx = endpoint(range.elements[2]);
        for (long long s = std::max(0LL, lo); s <= hi && s < core::k_cluster_slots; ++s)
            table[static_cast<std::size_t>(s)] = idx;
        if (replicas.size() <= static_cast<std::size_t>(idx))
            replicas.resize(static_cast<std::size_t>(idx) + 1);
        auto& mine = replicas[static_cast<std::size_t>(idx)];
        mine.clear();
        for (std::size_t k = 3; k < range.elements.size(); ++k) {
            if (range.elements[k].elements.size() < 2) continue;
            int rep = endpoint(range.elements[k]);
            mine.push_back(rep);
        }
    }
    if (reads_.from_replicas) add_replicas_from_nodes(c, replicas);
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        bool replica = false;
        for (const auto& list : replicas)
            replica =
                replica || std::find(list.begin(), list.end(), static_cast<int>(i)) != list.end();
        // A node changing role needs a fresh connection (READONLY, or none).
        if (nodes_[i].replica != replica) nodes_[i].conn.reset();
        nodes_[i].replica = replica;
    }
    replicas_of_ = std::move(replicas);
    slots_ = table;
    stale_slots_ = false;
}

void Router::add_replicas_from_nodes(Connection& c, std::vector<std::vector<int>>& replicas) {
    // CLUSTER SLOTS lists a replica only once gossip has reported its replication offset, which
    // can take seconds after the first writes; CLUSTER NODES names every replica at once.
    Reply r = c.command({"CLUSTER", "NODES"});
    if (r.is_error() || r.str.empty()) return;
    struct Line {
        std::string id, endpoint, flags, master;
    };
    std::vector<Line> lines;
    std::istringstream in(r.str);
    for (std::string text; std::getline(in, text);) {
        std::istringstream f(text);
        Line l;
        if (f >> l.id >> l.endpoint >> l.flags >> l.master) lines.push_back(l);
    }
    auto address_of = [&](const Line& l) -> std::optional<core::Address> {
        // "ip:port@cport[,hostname]"; an empty ip is the node asked.
        auto at = l.endpoint.find('@');
        std::string hp = l.endpoint.substr(0, at);
        auto colon = hp.rfind(':');
        if (colon == std::string::npos) return std::nullopt;
        core::Address a;
        a.host = hp.substr(0, colon);
        if (a.host.empty()) a.host = c.address().host;
        try {
            a.port = std::stoi(hp.substr(colon + 1));
        } catch (const std::exception&) {
            return std::nullopt;
        }
        return a;
    };
    for (const Line& l : lines) {
        if (l.flags.find("slave") == std::string::npos ||
            l.flags.find("fail") != std::string::npos ||
            l.flags.find("noaddr") != std::string::npos)
            continue;
        auto master = std::find_if(lines.begin(), lines.end(),
                                   [&](const Line& m) { return m.id == l.master; });
        if (master == lines.end()) continue;
        auto ma = address_of(*master), ra = address_of(l);
        if (!ma || !ra) continue;
        const auto primary = node_index(*ma);
        const int replica = static_cast<int>(node_index(*ra));
        if (replicas.size() <= primary) replicas.resize(primary + 1);
        auto& list = replicas[primary];
        if (std::find(list.begin(), list.end(), replica) == list.end()) list.push_back(replica);
    }
}

std::size_t Router::node_index(const core::Address& address) {
    std::string name = address.to_string();
    for (std::size_t i = 0; i < nodes_.size(); ++i)
        if (nodes_[i].name == name) return i;
    nodes_.push_back({address, name, nullptr});
    return nodes_.size() - 1;
}

void Router::refresh_slots() {
    // Nodes already connected first (cheapest), then every other known node, then the seeds.
    for (const auto& s : seeds_) node_index(s);
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < nodes_.size(); ++i)
        if (nodes_[i].conn) order.push_back(i);
    for (std::size_t i = 0; i < nodes_.size(); ++i)
        if (!nodes_[i].conn) order.push_back(i);
    std::string last = "no node known";
    for (std::size_t i : order) {
        try {
            load_slots(connection(i, Clock::now() + timing_.conn_timeout));
            log_.log(LogLevel::Developer, "slot map reloaded from " + nodes_[i].name);
            return;
        } catch (const IoError& e) {
            last = e.what();
            drop(i);
        } catch (const AuthError&) {
            drop(i);
            throw;  // every node has the same users: asking another one cannot help
        } catch (const DatabaseException& e) {
            last = e.what();
            drop(i);
        }
    }
    throw IoError("no cluster node answered CLUSTER SLOTS: " + last);
}

Connection& Router::connection(std::size_t node, Clock::time_point deadline) {
    Node& n = nodes_[node];
    if (!n.conn) {
        const milliseconds floor(timing_.socket_timeout_ms);
        auto budget = std::clamp(remaining(deadline), floor, std::max(timing_.conn_timeout, floor));
        n.conn = open(n.address, budget);
        log_.log(LogLevel::Developer, "connected to " + n.name);
        if (n.replica) {
            // Reads of the slots its primary serves, instead of a MOVED to the primary.
            Reply ok = n.conn->command({"READONLY"});
            if (ok.is_error()) {
                n.conn.reset();
                throw DatabaseException("READONLY failed on " + n.name + ": " + ok.str);
            }
        }
    }
    return *n.conn;
}

std::unique_ptr<Connection> Router::open(const core::Address& address, milliseconds budget) {
    auto c = Connection::open(address, credentials_, budget, timing_.socket_timeout_ms);
    c->set_shm_policy(shm_);
    if (c->password_not_needed() && !warned_password_not_needed_) {
        warned_password_not_needed_ = true;
        log_.log(LogLevel::Info, "WARNING: a database password is set, but the database at " +
                                     address.to_string() +
                                     " has none: it accepts clients without one");
    }
    return c;
}

void Router::drop(std::size_t node) {
    if (node < nodes_.size()) nodes_[node].conn.reset();
}

std::size_t Router::pick_node(Target target) {
    if (target.kind == Target::Kind::node) return static_cast<std::size_t>(target.value);
    if (!cluster_) return 0;
    if (target.kind == Target::Kind::replica_slot) {
        std::size_t primary = pick_node({Target::Kind::slot, target.value});
        // Redis lists a replica in CLUSTER SLOTS only once gossip reports its replication offset
        // (after the first writes): a primary without one is looked at again, once a second.
        const bool none = primary >= replicas_of_.size() || replicas_of_[primary].empty();
        if (none && Clock::now() - replica_map_time_ > std::chrono::seconds(1)) {
            replica_map_time_ = Clock::now();
            try {
                refresh_slots();
            } catch (const IoError&) {
                // The primary serves the read.
            }
            primary = pick_node({Target::Kind::slot, target.value});
        }
        if (primary < replicas_of_.size() && !replicas_of_[primary].empty()) {
            const auto& list = replicas_of_[primary];
            return static_cast<std::size_t>(list[replica_pick_++ % list.size()]);
        }
        return primary;
    }
    int slot = target.kind == Target::Kind::slot ? target.value : -1;
    auto lookup = [&]() -> int {
        if (slot >= 0) return slots_[static_cast<std::size_t>(slot)];
        for (int idx : slots_)
            if (idx >= 0) return idx;
        return -1;
    };
    int idx = lookup();
    if (idx < 0) {
        refresh_slots();
        idx = lookup();
    }
    if (idx < 0)
        throw DatabaseException("no cluster node serves hash slot " + std::to_string(slot));
    return static_cast<std::size_t>(idx);
}

void Router::wait_for_replicas(Connection& c, std::string_view what) {
    const std::string n = std::to_string(durability_.replicas);
    const std::string ms = std::to_string(durability_.timeout.count());
    Reply r = c.command({"WAIT", n, ms});
    if (r.is_error()) {
        check_retryable_error(r.str);
        throw DatabaseException(std::string(what) + ": WAIT for " + n + " replica(s) failed on " +
                                c.address().to_string() + ": " + r.str);
    }
    if (r.integer < durability_.replicas)
        throw DatabaseException(std::string(what) + ": only " + std::to_string(r.integer) + " of " +
                                n + " replica(s) of " + c.address().to_string() +
                                " acknowledged the write within " + ms +
                                " ms (SR_DURABLE_REPLICAS=" + n + ", SR_DURABLE_TIMEOUT=" + ms +
                                "); the primary holds it, but would lose it if it failed now");
}

void Router::execute(Target target, const Job& fn, std::string_view durable) {
    const auto deadline = Clock::now() + timing_.cmd_timeout;
    int ask_node = -1;
    int attempts = 0, redirects = 0;
    std::string last, last_node;
    while (true) {
        std::size_t idx = static_cast<std::size_t>(-1);
        try {
            ++attempts;
            if (cluster_ && stale_slots_ && target.kind != Target::Kind::node) refresh_slots();
            idx = ask_node >= 0 ? static_cast<std::size_t>(ask_node) : pick_node(target);
            last_node = nodes_[idx].name;
            Connection& c = connection(idx, deadline);
            // A stalled transfer fails after SR_SOCKET_TIMEOUT; the server's own work on the
            // command (a big tensor, SAVE) may take what is left of SR_CMD_TIMEOUT.
            c.set_reply_timeout(static_cast<int>(std::clamp<long long>(
                remaining(deadline).count(), timing_.socket_timeout_ms, 1'000'000'000)));
            if (ask_node >= 0) {
                Reply ok = c.command({"ASKING"});
                if (ok.is_error())
                    throw DatabaseException("ASKING failed on " + c.address().to_string() + ": " +
                                            ok.str);
            }
            fn(c);
            if (c.pending()) {
                drop(idx);  // reply not fully read: the stream is out of step
            } else if (!durable.empty() && durability_.replicas > 0) {
                // Long enough for WAIT's own timeout, whatever SR_CMD_TIMEOUT has left.
                c.set_reply_timeout(static_cast<int>(
                    std::min<long long>(durability_.timeout.count() + timing_.socket_timeout_ms +
                                            remaining(deadline).count(),
                                        1'000'000'000)));
                wait_for_replicas(c, durable);
            }
            return;
        } catch (const Redirect& r) {
            ++redirects;
            int to = static_cast<int>(node_index(r.target));
            last = std::string(r.ask ? "ASK" : "MOVED") + " redirection of hash slot " +
                   std::to_string(r.slot) + " from " + last_node + " to " + r.target.to_string();
            if (r.ask) {
                log_.log(LogLevel::Developer, last);
            } else {
                log_.log(LogLevel::Debug, last + "; reloading the slot map");
                try {
                    refresh_slots();
                } catch (const IoError&) {
                    // The redirection alone is enough to go on.
                }
                // The node that answered MOVED is authoritative for this slot (as far as it
                // knows: during a hand-over the nodes may disagree for a while, hence the backoff).
                slots_[static_cast<std::size_t>(r.slot)] = to;
            }
            ask_node = r.ask ? to : -1;
            if (remaining(deadline).count() > 0) {
                std::this_thread::sleep_for(
                    std::min(backoff(redirects, timing_.cmd_interval), remaining(deadline)));
                continue;
            }
            throw DatabaseException(
                "hash slot " + std::to_string(r.slot) + " was still being redirected after " +
                std::to_string(redirects) + " redirection(s) within " +
                seconds_text(timing_.cmd_timeout) + " (SR_CMD_TIMEOUT); last: " + last);
        } catch (const TransientError& e) {
            last = e.what();
            // A replica still loading its first sync: the primary serves the retry.
            if (target.kind == Target::Kind::replica_slot) target.kind = Target::Kind::slot;
        } catch (const IoError& e) {
            last = e.what();
            drop(idx);
            stale_slots_ = cluster_;  // the node may have failed over
            // A replica that fails: its primary serves the retry.
            if (target.kind == Target::Kind::replica_slot) target.kind = Target::Kind::slot;
        } catch (...) {
            if (idx < nodes_.size() && nodes_[idx].conn && nodes_[idx].conn->pending()) drop(idx);
            throw;
        }
        ask_node = -1;
        auto left = remaining(deadline);
        if (left.count() == 0) {
            std::string where = last_node.empty() ? describe() : "database node " + last_node;
            throw DatabaseException("command to " + where + " failed after " +
                                    std::to_string(attempts) + " attempt(s) within " +
                                    seconds_text(timing_.cmd_timeout) +
                                    " (SR_CMD_TIMEOUT): " + last);
        }
        auto wait = std::min(backoff(attempts, timing_.cmd_interval), left);
        log_.log(LogLevel::Info,
                 "retrying in " + std::to_string(wait.count()) + " ms after: " + last);
        std::this_thread::sleep_for(wait);
    }
}

Router::Lease Router::lease_slot(int slot) {
    if (cluster_ && stale_slots_) refresh_slots();
    Lease lease;
    lease.node = pick_node({Target::Kind::slot, slot});
    connection(lease.node, Clock::now() + timing_.conn_timeout);
    lease.conn = std::move(nodes_[lease.node].conn);
    lease.conn->set_reply_timeout(static_cast<int>(std::clamp<long long>(
        timing_.cmd_timeout.count(), timing_.socket_timeout_ms, 1'000'000'000)));
    return lease;
}

void Router::give_back(Lease lease) {
    if (!lease.conn || lease.conn->pending() || lease.node >= nodes_.size()) return;
    if (!nodes_[lease.node].conn) nodes_[lease.node].conn = std::move(lease.conn);
}

void Router::on_key(std::string_view key, const Job& fn) {
    execute({Target::Kind::slot, core::hash_slot(key)}, fn);
}

void Router::on_key_write(std::string_view key, const Job& fn, std::string_view what) {
    execute({Target::Kind::slot, core::hash_slot(key)}, fn, what.empty() ? "write" : what);
}

void Router::on_key_read(std::string_view key, const Job& fn) {
    const int slot = core::hash_slot(key);
    execute(
        {reads_.from_replicas && cluster_ ? Target::Kind::replica_slot : Target::Kind::slot, slot},
        fn);
}

void Router::on_node(const std::string& address, const Job& fn) {
    std::string name = resolve_node(address);
    for (std::size_t i = 0; i < nodes_.size(); ++i)
        if (nodes_[i].name == name) return execute({Target::Kind::node, static_cast<int>(i)}, fn);
}

void Router::on_any(const Job& fn) {
    execute({Target::Kind::any, 0}, fn);
}

Reply Router::command_on_key(std::string_view key, const std::vector<std::string_view>& args) {
    Reply out;
    on_key(key, [&](Connection& c) {
        out = c.command(args);
        if (out.is_error()) check_retryable_error(out.str);
    });
    return out;
}

Reply Router::command_on_key_read(std::string_view key, const std::vector<std::string_view>& args) {
    Reply out;
    on_key_read(key, [&](Connection& c) {
        out = c.command(args);
        if (out.is_error()) check_retryable_error(out.str);
    });
    return out;
}

Reply Router::command_on_key_write(std::string_view key, const std::vector<std::string_view>& args,
                                   std::string_view what) {
    Reply out;
    on_key_write(
        key,
        [&](Connection& c) {
            out = c.command(args);
            if (out.is_error()) check_retryable_error(out.str);
        },
        what);
    return out;
}

Reply Router::command_on_node(const std::string& address,
                              const std::vector<std::string_view>& args) {
    Reply out;
    // Addressed to one node on purpose: redirections are the caller's business.
    on_node(address, [&](Connection& c) { out = c.command(args); });
    return out;
}

Reply Router::command_on_any(const std::vector<std::string_view>& args) {
    Reply out;
    on_any([&](Connection& c) {
        out = c.command(args);
        if (out.is_error()) check_retryable_error(out.str);
    });
    return out;
}

std::vector<std::string> Router::node_addresses() const {
    std::vector<std::string> out;
    std::vector<bool> seen(nodes_.size(), false);
    for (int idx : slots_) {
        if (idx < 0 || seen[static_cast<std::size_t>(idx)]) continue;
        seen[static_cast<std::size_t>(idx)] = true;
        out.push_back(nodes_[static_cast<std::size_t>(idx)].name);
    }
    return out;
}

std::vector<Router::Shard> Router::shards() const {
    std::vector<Shard> out;
    std::vector<bool> seen(nodes_.size(), false);
    for (int s = 0; s < core::k_cluster_slots; ++s) {
        int idx = slots_[static_cast<std::size_t>(s)];
        if (idx < 0 || seen[static_cast<std::size_t>(idx)]) continue;
        seen[static_cast<std::size_t>(idx)] = true;
        out.push_back({nodes_[static_cast<std::size_t>(idx)].name, s});
    }
    return out;
}

int Router::owner_first_slot(int slot) const {
    if (slot < 0 || slot >= core::k_cluster_slots) return -1;
    int idx = slots_[static_cast<std::size_t>(slot)];
    if (idx < 0) return -1;
    for (int s = 0; s < core::k_cluster_slots; ++s)
        if (slots_[static_cast<std::size_t>(s)] == idx) return s;
    return -1;
}

std::string Router::resolve_node(const std::string& address) const {
    std::string name;
    try {
        name = core::parse_address(address).to_string();
    } catch (const std::invalid_argument& e) {
        throw ParameterException(e.what());
    }
    auto known = node_addresses();
    if (std::find(known.begin(), known.end(), name) != known.end()) return name;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    // `name`, not `address`: a URL form may carry a password.
    throw ParameterException("'" + name + "' is not a node of this database (nodes: " + list + ")");
}

std::string Router::describe() const {
    if (!cluster_) return "standalone database at " + (nodes_.empty() ? "?" : nodes_[0].name);
    std::string out = "cluster:";
    int start = 0;
    for (int s = 1; s <= core::k_cluster_slots; ++s) {
        if (s < core::k_cluster_slots &&
            slots_[static_cast<std::size_t>(s)] == slots_[static_cast<std::size_t>(start)])
            continue;
        int idx = slots_[static_cast<std::size_t>(start)];
        out +=
            " " +
            (idx < 0 ? std::string("(unassigned)") : nodes_[static_cast<std::size_t>(idx)].name) +
            " [" + std::to_string(start) + "-" + std::to_string(s - 1) + "]";
        start = s;
    }
    return out;
}

void Router::set_shm_policy(const ShmPolicy& p) {
    shm_ = p;
    for (auto& n : nodes_)
        if (n.conn) n.conn->set_shm_policy(p);
}

}  // namespace insitu::client
