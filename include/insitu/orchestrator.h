// A database deployment: one standalone shard or a Redis Cluster of >= 3 shards, each a server
// (redis-server, or whatever REDIS_PATH names) loading the insitu module. Created by
// Experiment::create_database and started by Experiment::start before any application.
#pragma once

#include <insitu/batch_settings.h>
#include <insitu/entity.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace insitu {

struct OrchestratorOptions {
    int port = 6379;   // first shard's port; shard i uses port + i. 0: free ports
    int db_nodes = 1;  // 1, or >= 3 for a cluster
    // Replicas per primary (cluster only): each follows its primary and takes over its slots
    // when the primary fails (Redis Cluster failover). Servers db_nodes * (1 + r) + i, for
    // r < replicas, replicate primary i; ports follow the primaries' (port + server index).
    int replicas = 0;
    std::string interface = "lo";
    std::string db_identifier = "orchestrator";
    int threads_per_queue = 0;  // 0: the module's default
    int inter_op_threads = 0;
    int intra_op_threads = 0;
    // Workload-manager launches (Slurm): the hosts shards go to (shard i on hosts[i % n]; none:
    // the allocation's nodes, or wherever srun places them), the allocation to run in ("" : the
    // driver's SLURM_JOB_ID, or a new one per shard), extra srun arguments, and batch settings
    // (all shards as one batch job) when set.
    std::vector<std::string> hosts;
    std::string alloc;
    std::map<std::string, std::string> run_args;
    std::optional<BatchSettings> batch_settings;
    // No authentication: any user on the node (or the network) may read and write the data, as
    // SmartSim's databases; SmartRedis 0.6 clients need it (they cannot authenticate). Default:
    // ACL users with fresh secrets in <path>/secrets (docs/security.md).
    bool insecure = false;
    // Serve TLS only (client port, cluster bus), with a CA and a server certificate generated
    // for each start in <secrets>/tls; applications get rediss:// addresses and SR_TLS_CA_FILE.
    // Needs authentication (not with `insecure`).
    bool tls = false;
    // Where the secrets are; "" = <path>/secrets (set when reconnecting from a checkpoint).
    std::string secrets_dir;
};

class Orchestrator : public Entity {
  public:
    Orchestrator(OrchestratorOptions opts, std::string path);
    std::string type() const override { return "Orchestrator"; }

    const OrchestratorOptions& options() const { return opts_; }
    // Primaries (each owns a share of the hash slots).
    int num_shards() const { return opts_.db_nodes; }
    int replicas() const { return opts_.replicas; }
    // Every server: primaries first, then the replicas (see OrchestratorOptions::replicas).
    int num_servers() const { return opts_.db_nodes * (1 + opts_.replicas); }
    // The primary server `i` replicates; -1 for a primary.
    int primary_of(int server) const;
    // Which of `n_hosts` hosts server `i` goes to: primary p on host p % n, its replicas on the
    // hosts after it, so that no replica shares its primary's host when there are several.
    int host_index(int server, int n_hosts) const;
    bool is_clustered() const { return opts_.db_nodes > 1; }
    const std::string& db_identifier() const { return opts_.db_identifier; }
    bool is_insecure() const { return opts_.insecure; }
    bool uses_tls() const { return opts_.tls; }
    // The CA applications verify the shards with ("" without TLS).
    std::string tls_ca_file() const;
    // The folder with the ACL users' secrets (0700; one 0600 file per user: admin, app, reader);
    // "" for an insecure database.
    std::string secrets_dir() const;
    // Per-server names: <db_identifier>_<i>.
    std::string shard_name(int i) const;

    // "ip:port" of every server (primaries, then replicas); throws if the database is not
    // running.
    std::vector<std::string> get_address() const;
    // Every shard answers (and the cluster is ok, for a cluster).
    bool is_active() const;

    // Runtime configuration: CONFIG SET on every shard (the database must be running).
    void enable_checkpoints(int frequency);                 // save "<frequency> 1"
    void set_max_memory(const std::string& mem);            // "3gb"
    void set_eviction_strategy(const std::string& policy);  // "allkeys-lru", ...
    void set_max_clients(int clients = 50000);
    void set_max_message_size(std::int64_t bytes = 1LL << 30);  // proto-max-bulk-len
    void set_db_conf(const std::string& key, const std::string& value);

    // Slurm placement and submission (see OrchestratorOptions); refused while it runs. Run and
    // batch arguments the launcher sets itself (task counts, node list, job name, output files)
    // are refused with the reason.
    void set_hosts(std::vector<std::string> hosts);
    void set_alloc(std::string job_id);
    void set_run_arg(const std::string& arg, const std::string& value = "");
    void set_batch_settings(BatchSettings bs);
    void set_batch_arg(const std::string& arg, const std::string& value = "");
    void set_walltime(const std::string& hhmmss);

    // Set by the experiment while the database runs (empty otherwise).
    void set_addresses(std::vector<std::string> addresses) { addresses_ = std::move(addresses); }

  private:
    OrchestratorOptions opts_;
    std::vector<std::string> addresses_;
};

}  // namespace insitu
