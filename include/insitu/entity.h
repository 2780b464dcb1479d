// What an experiment launches: Models (one application, possibly MPI-parallel, optionally with a
// co-located database) and Ensembles (groups of Models from replicas or parameter sweeps).
// Entities are descriptions; the Experiment that created them launches and tracks them.
#pragma once

#include <insitu/batch_settings.h>
#include <insitu/db_objects.h>
#include <insitu/run_settings.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace insitu {

class Entity {
  public:
    virtual ~Entity() = default;
    const std::string& name() const { return name_; }
    // The run directory: stdout/stderr go to <path>/<name>.out|.err.
    const std::string& path() const { return path_; }
    // "Model", "Ensemble" or "Orchestrator" (shown by Experiment::summary).
    virtual std::string type() const = 0;

  protected:
    Entity(std::string name, std::string path) : name_(std::move(name)), path_(std::move(path)) {}
    std::string name_, path_;
};

using EntityPtr = std::shared_ptr<Entity>;
using EntityList = std::vector<EntityPtr>;

// Files placed into a run directory by Experiment::generate. Files to configure have their
// `;param;` tags (the tag is generate's argument) replaced with the model's params.
struct GeneratorFiles {
    std::vector<std::string> to_copy, to_symlink, to_configure;
};

// A database started on the application's host, before it, by `insitu run-colocated`, and stopped
// when the application's processes there end (see Model::colocate_db_tcp).
struct ColocatedSettings {
    int port = 0;                  // TCP port; 0 when on a Unix socket
    std::string ifname = "lo";     // extra interfaces to bind, besides loopback
    std::string unix_socket;       // empty: TCP
    int socket_permissions = 755;  // octal digits, as redis' unixsocketperm
    int db_cpus = 1;
    // nullopt: the first db_cpus CPUs; an empty list: no pinning; else exactly these CPUs.
    std::optional<std::vector<int>> custom_pinning;
    bool debug = false;           // server loglevel verbose
    bool limit_app_cpus = false;  // the application runs on the CPUs the database does not use
    std::string db_identifier;    // env suffix (SSDB_<id>); empty: none
    // threads_per_queue / inter_op_parallelism / intra_op_parallelism go to the module; anything
    // else becomes `--<name-with-dashes> value` for the server (e.g. maxclients).
    std::map<std::string, std::string> db_args;
    // No authentication (see OrchestratorOptions::insecure); default: ACL users and secrets in
    // <model path>/<model>-db/secrets, and a private socket folder.
    bool insecure = false;
};

class Model : public Entity {
  public:
    Model(std::string name, RunSettings run_settings, std::map<std::string, std::string> params,
          std::string path, bool enable_key_prefixing = false);
    std::string type() const override { return "Model"; }

    RunSettings& run_settings() { return run_settings_; }
    const RunSettings& run_settings() const { return run_settings_; }
    const std::map<std::string, std::string>& params() const { return params_; }

    // Params also given to the executable as arguments (SmartSim's params_as_args): params_to_args
    // appends each as `--name=value` (`-n value` for a one-letter name, kept as given when it
    // starts with dashes). Throws std::invalid_argument naming a param the model does not have.
    void set_params_as_args(std::vector<std::string> names) { params_as_args_ = std::move(names); }
    const std::vector<std::string>& params_as_args() const { return params_as_args_; }
    void params_to_args();

    // SSKEYOUT=<model name> when on (off by default for a Model, on for Ensemble members).
    void enable_key_prefixing() { key_prefixing_ = true; }
    void disable_key_prefixing() { key_prefixing_ = false; }
    bool query_key_prefixing() const { return key_prefixing_; }
    // Adds other's name to this model's SSKEYIN (the keys it reads are other's).
    void register_incoming_entity(const Entity& other);
    const std::vector<std::string>& incoming_entities() const { return incoming_; }

    void attach_generator_files(std::vector<std::string> to_copy,
                                std::vector<std::string> to_symlink = {},
                                std::vector<std::string> to_configure = {});
    const GeneratorFiles& files() const { return files_; }

    // The database user the application gets (SR_DB_USER / SR_DB_PASSWORD_FILE): "app" (default:
    // data, running and storing models/scripts), "reader" (reads only) or "admin" (everything).
    // Throws ConfigError for another name. No effect on insecure databases.
    void set_db_role(const std::string& role);
    const std::string& db_role() const { return db_role_; }

    // ML models, scripts and functions stored into the database before the application starts
    // (every running standalone/clustered database, or the co-located one). `model` holds the
    // serialized bytes, or give `model_path`. device "CPU", "GPU" or "GPU:<n>"; GPU with
    // devices_per_node > 1 stores one copy per GPU (<name>.GPU:<i>, the *_multigpu layout).
    // Throws std::invalid_argument for a bad combination (both or neither of model/model_path, an
    // unknown backend, CPU with several devices, a duplicate name).
    void add_ml_model(std::string name, std::string backend, std::string model = "",
                      std::string model_path = "", std::string device = "CPU",
                      int devices_per_node = 1, int first_device = 0, int batch_size = 0,
                      int min_batch_size = 0, int min_batch_timeout = 0, std::string tag = "",
                      std::vector<std::string> inputs = {}, std::vector<std::string> outputs = {});
    void add_script(std::string name, std::string script = "", std::string script_path = "",
                    std::string device = "CPU", int devices_per_node = 1, int first_device = 0);
    // `function` is the source of one TorchScript function (its entry point is its own name).
    void add_function(std::string name, std::string function, std::string device = "CPU",
                      int devices_per_node = 1, int first_device = 0);
    void add_ml_model(DBModel m);
    void add_script(DBScript s);
    const std::vector<DBModel>& db_models() const { return db_models_; }
    const std::vector<DBScript>& db_scripts() const { return db_scripts_; }

    void colocate_db_tcp(int port = 6379, std::string ifname = "lo", int db_cpus = 1,
                         std::optional<std::vector<int>> custom_pinning = std::nullopt,
                         bool debug = false, bool limit_app_cpus = false,
                         std::string db_identifier = "",
                         std::map<std::string, std::string> db_args = {}, bool insecure = false);
    void colocate_db_uds(std::string unix_socket = "/tmp/redis.socket",
                         int socket_permissions = 755, int db_cpus = 1,
                         std::optional<std::vector<int>> custom_pinning = std::nullopt,
                         bool debug = false, bool limit_app_cpus = false,
                         std::string db_identifier = "",
                         std::map<std::string, std::string> db_args = {}, bool insecure = false);
    bool is_colocated() const { return colocated_.has_value(); }
    const std::optional<ColocatedSettings>& colocated_settings() const { return colocated_; }

    void set_path(std::string path) { path_ = std::move(path); }

    // Launched as a batch job (Experiment::create_batch_settings) instead of a step.
    void set_batch_settings(BatchSettings bs) { batch_settings_ = std::move(bs); }
    const std::optional<BatchSettings>& batch_settings() const { return batch_settings_; }

  private:
    void colocate(ColocatedSettings s);
    std::optional<BatchSettings> batch_settings_;
    RunSettings run_settings_;
    std::map<std::string, std::string> params_;
    std::vector<std::string> params_as_args_;
    bool key_prefixing_ = false;
    std::vector<std::string> incoming_;
    GeneratorFiles files_;
    std::optional<ColocatedSettings> colocated_;
    std::vector<DBModel> db_models_;
    std::vector<DBScript> db_scripts_;
    std::string db_role_ = "app";
};

class Ensemble : public Entity {
  public:
    Ensemble(std::string name, std::string path) : Entity(std::move(name), std::move(path)) {}
    std::string type() const override { return "Ensemble"; }

    const std::vector<std::shared_ptr<Model>>& models() const { return models_; }
    // Adds a member (its key prefixing follows the ensemble's); names must be unique.
    void add_model(std::shared_ptr<Model> model);
    // Applied to every member; key prefixing is on by default for ensembles.
    void enable_key_prefixing();
    void disable_key_prefixing();
    bool query_key_prefixing() const { return key_prefixing_; }
    void register_incoming_entity(const Entity& other);
    void attach_generator_files(std::vector<std::string> to_copy,
                                std::vector<std::string> to_symlink = {},
                                std::vector<std::string> to_configure = {});
    // Every member (present and added later) is submitted as its own batch job with these.
    void set_batch_settings(BatchSettings bs);

    // Attached to every member, present and added later (SmartSim semantics).
    void add_ml_model(const DBModel& m);
    void add_script(const DBScript& s);
    void add_function(std::string name, std::string function, std::string device = "CPU",
                      int devices_per_node = 1, int first_device = 0);
    // What was attached to the ensemble itself (members may have more of their own).
    const std::vector<DBModel>& db_models() const { return db_models_; }
    const std::vector<DBScript>& db_scripts() const { return db_scripts_; }
    const std::optional<BatchSettings>& batch_settings() const { return batch_settings_; }

  private:
    std::optional<BatchSettings> batch_settings_;
    std::vector<std::shared_ptr<Model>> models_;
    std::vector<DBModel> db_models_;
    std::vector<DBScript> db_scripts_;
    bool key_prefixing_ = true;
};

}  // namespace insitu
