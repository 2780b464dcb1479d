// The driver API (names follow SmartSim so that drivers port line by line):
//
//     insitu::Experiment exp("heat", "/scratch/heat");
//     auto db = exp.create_database(6379, 3);                    // a 3-shard cluster
//     auto rs = exp.create_run_settings("./sim", {"--steps", "100"}, "mpirun");
//     rs.set_tasks(2);
//     auto sim = exp.create_model("sim", rs);
//     exp.generate(db, sim);
//     exp.start(db);                                  // databases first, cluster verified
//     exp.start(EntityList{sim}, /*block=*/false);    // gets SSDB, SR_DB_TYPE, SSKEYIN, SSKEYOUT
//     exp.poll();
//     exp.stop(db);
//     std::cout << exp.summary();
//
// Every process is tracked in its own process group, logged to <exp>/<entity>/<entity>.out|.err,
// and stopped by stop(), by the Experiment's destructor, and (PR_SET_PDEATHSIG) when the driver
// dies. Failures throw the typed errors of insitu/launch_errors.h (ConfigError, LaunchError, ...),
// which are std::invalid_argument or std::runtime_error with an error code.
#pragma once

#include <insitu/batch_settings.h>
#include <insitu/entity.h>
#include <insitu/launch_errors.h>
#include <insitu/orchestrator.h>
#include <insitu/run_settings.h>
#include <insitu/status.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace insitu {

class Experiment {
  public:
    // exp_path "" means <cwd>/<name>. launcher: "local", "slurm", or "auto" (Slurm inside a Slurm
    // job, else local; see docs/hpc.md). PBS and LSF have generated commands only.
    explicit Experiment(std::string name, std::string exp_path = "",
                        std::string launcher = "local");
    // Stops whatever this experiment still runs.
    ~Experiment();
    Experiment(const Experiment&) = delete;
    Experiment& operator=(const Experiment&) = delete;

    const std::string& name() const;
    const std::string& exp_path() const;
    std::string launcher() const;
    // How long an application step may wait for its resources (Slurm: a queued srun, or an
    // allocation whose CPUs other steps hold) before it is stopped and Failed with Slurm's reason,
    // in seconds; 0: no limit. Applies to applications started afterwards whose run settings do
    // not set their own (RunSettings::set_start_timeout). Default: $INSITU_STEP_START_TIMEOUT,
    // else 300 s. A step still waiting after 10 s is reported either way.
    void set_start_timeout(double seconds);
    // Telemetry (docs/telemetry.md): while the experiment runs, a thread of this driver samples
    // every database shard each `interval_s` (INFO, AI.INFO of each model and script) and records
    // every job's settings and state changes in <exp_path>/.insitu/telemetry, kept under
    // `max_mib` MiB; `insitu status` and `insitu dashboard` read it. On by default; the
    // environment (INSITU_TELEMETRY=0, INSITU_TELEMETRY_INTERVAL, INSITU_TELEMETRY_MAX_MB) sets
    // the defaults and this call overrides them. Disabling stops a running monitor; enabling
    // starts one that samples the running databases at once.
    void set_telemetry(bool enabled, double interval_s = 1.0, double max_mib = 64);
    bool telemetry_enabled() const;

    // run_command: "" (run directly), "mpirun"/"mpiexec", "srun" (slurm launcher), or "auto" (srun
    // under Slurm, "" locally).
    RunSettings create_run_settings(std::string exe, std::vector<std::string> exe_args = {},
                                    std::string run_command = "auto",
                                    std::map<std::string, std::string> run_args = {},
                                    std::map<std::string, std::string> env_vars = {}) const;
    // Batch settings for this launcher's queue (sbatch under Slurm): nodes, wall time "HH:MM:SS",
    // queue (partition), account and further batch arguments. Throws for the local launcher.
    // Give them to Model/Ensemble::set_batch_settings or Orchestrator::set_batch_settings.
    BatchSettings create_batch_settings(int nodes = 1, std::string time = "",
                                        std::string queue = "", std::string account = "",
                                        std::map<std::string, std::string> batch_args = {}) const;
    std::shared_ptr<Model> create_model(std::string name, RunSettings run_settings,
                                        std::map<std::string, std::string> params = {},
                                        std::string path = "", bool enable_key_prefixing = false);
    // Members from a parameter sweep (perm_strategy "all_perm": every combination; "step": the
    // i-th value of every parameter) or, without params, `replicas` copies. Members are named
    // <name>_<i> and live in <path>/<name>_<i>. Key prefixing is on.
    std::shared_ptr<Ensemble> create_ensemble(
        std::string name, std::map<std::string, std::vector<std::string>> params,
        RunSettings run_settings, int replicas = 0, std::string perm_strategy = "all_perm",
        std::string path = "");
    // db_nodes 1 or >= 3 (2 is rejected). port 0 picks free ports. interface: the network
    // interface whose address the shards bind ("lo": 127.0.0.1). insecure: no authentication
    // (OrchestratorOptions::insecure; docs/security.md). tls: serve TLS only
    // (OrchestratorOptions::tls). replicas: per primary, for failover (OrchestratorOptions).
    std::shared_ptr<Orchestrator> create_database(int port = 6379, int db_nodes = 1,
                                                  std::string interface = "lo",
                                                  std::string db_identifier = "orchestrator",
                                                  int threads_per_queue = 0,
                                                  int inter_op_threads = 0,
                                                  int intra_op_threads = 0, bool insecure = false,
                                                  bool tls = false, int replicas = 0);
    // Every option (OrchestratorOptions), e.g. {.port = 0, .db_nodes = 3, .replicas = 1}; the
    // database's folder is <exp_path>/<db_identifier>.
    std::shared_ptr<Orchestrator> create_database(const OrchestratorOptions& options);

    // Creates run directories under exp_path and places attached files (copy, symlink,
    // configure with `<tag>param<tag>` replaced). Throws if a directory exists, unless overwrite.
    void generate(const EntityList& entities, bool overwrite = false, const std::string& tag = ";");
    template <class... E>
    void generate(const std::shared_ptr<E>&... entities) {
        generate(EntityList{entities...});
    }

    // Databases first: every shard started, answering, the cluster formed and verified; then the
    // applications with the database addresses in their environment. With block, waits until the
    // applications (not the databases) finish.
    void start(const EntityList& entities, bool block = true);
    template <class... E>
    void start(const std::shared_ptr<E>&... entities) {
        start(EntityList{entities...}, true);
    }

    // Waits until every launched application has finished, printing status every `interval_s`.
    void poll(double interval_s = 10, bool verbose = true);
    // One step of poll: updates every status and tells whether an application still runs
    // (with `log`, logs each running one). For drivers that wait in their own loop.
    bool applications_running(bool log = false);
    bool finished(const Entity& entity);
    // One status per process group: a Model gives one, an Ensemble one per member, an
    // Orchestrator one per shard.
    std::vector<Status> get_status(const Entity& entity);
    // Exit codes in the same order (nullopt while running or never started).
    std::vector<std::optional<int>> get_returncodes(const Entity& entity);

    // Starts again every server of `db` whose process ended (killed, crashed), with its
    // configuration and cluster identity: a failed primary whose replica took over rejoins as a
    // replica of it, a replica follows its primary again. A failed primary whose replica has
    // not taken over yet is left for a later call (restarted first, it would come back empty and
    // its replica would copy that). Waits until each restarted server answers and, in a cluster,
    // until the cluster is ok. Returns how many were restarted. Local launcher only (under Slurm
    // a shard step has no place to restart to yet).
    int restart_failed_servers(const Orchestrator& db);

    // Stops the given entities (none: everything this experiment started; applications first).
    void stop(const EntityList& entities = {});
    template <class... E>
    void stop(const std::shared_ptr<E>&... entities) {
        stop(EntityList{entities...});
    }

    // A table of every job launched: name, type, job id, run, time, status, return code.
    std::string summary() const;
    // The rows of that table, for other renderings (Python's summary(style=...)).
    struct JobRecord {
        std::string name, type, job_id;
        int run = 0;
        double time_s = 0;
        Status status = Status::New;
        std::optional<int> returncode;
    };
    std::vector<JobRecord> jobs() const;

    // Every database this experiment started writes <its path>/smartsim_db.dat when it is ready:
    // its options, shard addresses and process ids. reconnect_orchestrator reads such a file
    // (from this or another driver, while that database still runs) and returns an Orchestrator
    // whose addresses go to the applications started afterwards. Only an explicit stop(db) shuts
    // a reconnected database down; stop() and the destructor leave it to its owner. Throws
    // std::invalid_argument for a missing or malformed file, std::runtime_error when the
    // database no longer answers or one with the same db_identifier is running here already.
    std::shared_ptr<Orchestrator> reconnect_orchestrator(const std::string& checkpoint_file);

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace insitu
