// Where each command goes: the single node of a standalone database, or the node owning a key's
// hash slot in a cluster (slot map from CLUSTER SLOTS, kept current by MOVED, one-off ASK
// redirections). Also owns the retry policy: I/O failures, redirections and TRYAGAIN/CLUSTERDOWN/
// LOADING replies are retried (reconnecting, reloading the slot map) with exponential backoff
// capped at SR_CMD_INTERVAL until SR_CMD_TIMEOUT is spent; then the error names the node. Other
// error replies reach the caller at once, and so do authentication and permission refusals
// (AuthError: WRONGPASS, NOAUTH, NOPERM), which no retry can cure.
#pragma once

#include <insitu/reply.h>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client/connection.h"
#include "client/logger.h"
#include "core/address.h"
#include "core/hash_slot.h"

namespace insitu::client {

// Durable writes (SR_DURABLE_REPLICAS, SR_DURABLE_TIMEOUT): every write returns only once
// `replicas` replicas of its primary acknowledged it (WAIT), within `timeout`.
struct Durability {
    int replicas = 0;  // 0: off (the write returns once its primary has it)
    std::chrono::milliseconds timeout{1000};
};

// Reads from replicas (SR_READ_FROM_REPLICAS=1): the reads that opt in go to a replica of the
// key's primary (READONLY on that connection), spreading read-heavy analysis over the replicas.
// They may miss the primary's latest writes (replication is asynchronous).
struct ReadPolicy {
    bool from_replicas = false;
};

struct Timing {
    std::chrono::milliseconds conn_timeout{100'000};
    std::chrono::milliseconds conn_interval{1000};
    std::chrono::milliseconds cmd_timeout{100'000};
    std::chrono::milliseconds cmd_interval{1000};
    int socket_timeout_ms = 250;
};

class Router {
  public:
    // Connects (to one seed picked at random first, within SR_CONN_TIMEOUT) and, for a cluster,
    // loads the slot map. Throws DatabaseException naming the address(es) on failure. Every
    // connection it opens (seeds, nodes found in CLUSTER SLOTS or MOVED/ASK, reconnections)
    // authenticates with `credentials`; a refusal (AuthError) is raised at once, never retried.
    Router(std::vector<core::Address> seeds, bool cluster, Timing timing, const Logger& log,
           Credentials credentials = {}, Durability durability = {}, ReadPolicy reads = {});
    ~Router();

    bool is_cluster() const { return cluster_; }
    // "host:port" of every node serving slots (the single node when standalone), by first slot.
    std::vector<std::string> node_addresses() const;
    // The primaries with the lowest slot each serves (standalone: one node, slot 0), by slot.
    struct Shard {
        std::string address;
        int first_slot;
    };
    std::vector<Shard> shards() const;
    // The lowest slot served by the node that serves `slot` (as the slot map says now); -1 when
    // no node is known to serve it.
    int owner_first_slot(int slot) const;
    // The known node matching `address` ("host:port", "tcp://..." or "unix://..."), in
    // canonical form. Throws ParameterException naming the address when it is not a node.
    std::string resolve_node(const std::string& address) const;
    bool same_slot(std::string_view a, std::string_view b) const {
        return !cluster_ || core::hash_slot(a) == core::hash_slot(b);
    }

    // Each call runs `fn` on the right connection; `fn` sends one command and consumes its whole
    // reply, passing error texts through check_retryable_error. Redirections and retries happen
    // here, so `fn` may run several times.
    using Job = std::function<void(Connection&)>;
    void on_key(std::string_view key, const Job& fn);
    // A write: as on_key, then, with durable writes on, WAIT for the replicas on the same
    // connection; too few acknowledgements throw DatabaseException naming `what` (the write
    // itself is not repeated: the primary has it).
    void on_key_write(std::string_view key, const Job& fn, std::string_view what);
    // A read that a replica may serve (ReadPolicy); otherwise as on_key. A replica that fails is
    // left for the primary on the retry.
    void on_key_read(std::string_view key, const Job& fn);
    void on_node(const std::string& address, const Job& fn);
    void on_any(const Job& fn);

    // One command; error replies come back as Reply::Type::error (after redirections).
    Reply command_on_key(std::string_view key, const std::vector<std::string_view>& args);
    // A read (see on_key_read).
    Reply command_on_key_read(std::string_view key, const std::vector<std::string_view>& args);
    // A write (see on_key_write); `what` names it in a durability error.
    Reply command_on_key_write(std::string_view key, const std::vector<std::string_view>& args,
                               std::string_view what);
    const Durability& durability() const { return durability_; }
    Reply command_on_node(const std::string& address, const std::vector<std::string_view>& args);
    Reply command_on_any(const std::vector<std::string_view>& args);

    // Exclusive use of the connection to the node serving `slot`, outside the router, for a
    // pass that runs one thread per node (parallel list reads). lease_slot connects when needed
    // (IoError when it cannot); give_back keeps the connection unless its stream is out of step.
    // Only the thread that owns the Router calls these, and it makes no other router call while
    // a lease is out (the node has no connection meanwhile).
    struct Lease {
        std::size_t node = 0;
        std::unique_ptr<Connection> conn;
    };
    Lease lease_slot(int slot);
    void give_back(Lease lease);

    const Timing& timing() const { return timing_; }
    std::string describe() const;
    // SR_SHM / SR_SHM_MIN_BYTES for every connection, open or future (client/shm_transport.h).
    void set_shm_policy(const ShmPolicy& p);

  private:
    struct Node {
        core::Address address;
        std::string name;  // address.to_string()
        std::unique_ptr<Connection> conn;
        bool replica = false;  // listed as a replica in the slot map: READONLY once connected
    };
    struct Target {
        // replica_slot: a replica of the slot's primary when one is known, else the primary.
        enum class Kind { slot, node, any, replica_slot } kind;
        int value;  // slot or node index
    };

    // `durable`: the name of a write to WAIT for (see on_key_write); empty otherwise.
    void execute(Target target, const Job& fn, std::string_view durable = {});
    void wait_for_replicas(Connection& c, std::string_view what);
    std::size_t pick_node(Target target);
    Connection& connection(std::size_t node, std::chrono::steady_clock::time_point deadline);
    // The one place connections are opened (so each one authenticates).
    std::unique_ptr<Connection> open(const core::Address& address,
                                     std::chrono::milliseconds budget);
    std::size_t node_index(const core::Address& address);
    void connect_initial();
    // Reloads the slot map from any reachable node; throws IoError if none answers.
    void refresh_slots();
    void load_slots(Connection& c);
    void add_replicas_from_nodes(Connection& c, std::vector<std::vector<int>>& replicas);
    void drop(std::size_t node);

    std::vector<core::Address> seeds_;
    bool cluster_;
    Timing timing_;
    Durability durability_;
    ReadPolicy reads_;
    ShmPolicy shm_;
    // Replicas (node indexes) of each primary node index, from the slot map.
    std::vector<std::vector<int>> replicas_of_;
    unsigned replica_pick_ = 0;  // spreads reads over a primary's replicas
    std::chrono::steady_clock::time_point replica_map_time_{};
    const Logger& log_;
    std::shared_ptr<const Credentials> credentials_;
    bool warned_password_not_needed_ = false;
    std::vector<Node> nodes_;  // grows only, so indexes stay valid
    std::array<int, core::k_cluster_slots> slots_;
    bool stale_slots_ = false;
};

}  // namespace insitu::client
