// Experiment: creates entities, starts databases before applications, hands addresses over in the
// environment, tracks every step and stops everything.
#include <insitu/experiment.h>
#include <insitu/launch_errors.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/address.h"
#include "launch/api/generator.h"
#include "launch/api/job_monitor.h"
#include "launch/db/acl_users.h"
#include "launch/db/cluster.h"
#include "launch/db/colocated.h"
#include "launch/db/db_command.h"
#include "launch/db/db_objects.h"
#include "launch/db/deploy.h"
#include "launch/db/shard.h"
#include "launch/db/tls_files.h"
#include "launch/launchers/launcher.h"
#include "launch/launchers/local/local_launcher.h"
#include "launch/launchers/run_command.h"
#include "launch/launchers/slurm/slurm_deploy.h"
#include "launch/launchers/slurm/slurm_launcher.h"
#include "launch/os/log.h"
#include "launch/os/process.h"
#include "telemetry/monitor.h"

namespace fs = std::filesystem;

namespace insitu {

using launch::Job;

struct Experiment::Impl {
    std::string name, exp_path;
    std::unique_ptr<launch::Launcher> launcher;
    launch::JobMonitor jobs;
    std::set<std::string> db_ids;
    std::optional<double> start_timeout;  // set_start_timeout
    // Running databases, in start order, with what it takes to stop them.
    struct RunningDb {
        std::shared_ptr<Orchestrator> orc;
        launch::Deployment deployment;
    };
    std::vector<RunningDb> dbs;
    // Databases started elsewhere and reconnected from their checkpoint file.
    struct AdoptedDb {
        std::shared_ptr<Orchestrator> orc;
        std::vector<std::string> addresses;
        std::vector<long> pids;  // -1 when unknown (not a local process)
    };
    std::vector<AdoptedDb> adopted;
    // Telemetry (src/telemetry): created with the first launch unless disabled.
    telemetry::Options telemetry_options = telemetry::options_from_env();
    std::unique_ptr<telemetry::Monitor> telemetry;

    telemetry::Monitor* monitor();
    void on_job(const Job& job, bool launched);
    void watch_database(const Orchestrator& orc, const std::vector<std::string>& addresses,
                        const std::vector<std::string>& shard_names);
    std::map<std::string, std::string> database_env(const std::string& role) const;
    void start_database(const std::shared_ptr<Orchestrator>& orc);
    void start_model(const std::shared_ptr<Model>& m);
    void store_db_objects(const std::vector<std::shared_ptr<Model>>& models);
    void wait_for_colocated_objects(const std::shared_ptr<Model>& m, const std::string& step_id,
                                    const std::string& status_file);
    void stop_database(RunningDb& db);
    void stop_adopted(AdoptedDb& db);
    void write_checkpoint(const RunningDb& db);
    void check_db_id_free(const Orchestrator& orc) const;
    void stop_jobs(const std::vector<Job*>& jobs);
    std::vector<Job*> jobs_of(const Entity& e);
};

namespace {

// Models to launch: a Model, or an Ensemble's members.
std::vector<std::shared_ptr<Model>> models_of(const EntityPtr& e) {
    if (auto m = std::dynamic_pointer_cast<Model>(e)) return {m};
    if (auto ens = std::dynamic_pointer_cast<Ensemble>(e)) return ens->models();
    return {};
}

// "3 shards", "1 shard", "3 shards + 3 replicas".
std::string shards_text(const Orchestrator& orc) {
    std::string out =
        std::to_string(orc.num_shards()) + (orc.num_shards() > 1 ? " shards" : " shard");
    const int r = orc.num_servers() - orc.num_shards();
    if (r > 0) out += " + " + std::to_string(r) + (r > 1 ? " replicas" : " replica");
    return out;
}

std::string env_suffix(const std::string& db_identifier) {
    return db_identifier.empty() || db_identifier == "orchestrator" ? "" : "_" + db_identifier;
}

// SmartSim caps the SSDB list at 128 addresses; clients discover the rest from the cluster.
constexpr std::size_t k_max_ssdb_addresses = 128;

}  // namespace

telemetry::Monitor* Experiment::Impl::monitor() {
    if (!telemetry_options.enabled) return nullptr;
    if (!telemetry) {
        try {
            telemetry = std::make_unique<telemetry::Monitor>(exp_path, name, telemetry_options);
        } catch (const std::exception& e) {
            // Telemetry is an observer: an unwritable folder must not fail the experiment.
            launch::log_warning(std::string("telemetry disabled: ") + e.what());
            telemetry_options.enabled = false;
        }
    }
    return telemetry.get();
}

// The entity records: settings when a job launches, then every state change.
void Experiment::Impl::on_job(const Job& job, bool launched) {
    telemetry::Monitor* mon = monitor();
    if (!mon) return;
    if (launched) {
        telemetry::JobSettings s;
        s.name = job.name;
        s.type = job.type;
        s.job_id = job.step_id;
        s.run = job.run;
        if (const auto* m = dynamic_cast<const Model*>(job.entity)) {
            s.entity = m->name();
            s.path = m->path();
            const RunSettings& rs = m->run_settings();
            s.exe = rs.exe;
            s.exe_args = rs.exe_args;
            s.run_command = rs.run_command;
            s.run_args = rs.run_args;
            s.env = rs.env_vars;
        } else if (const auto* o = dynamic_cast<const Orchestrator*>(job.entity)) {
            s.entity = o->name();
            s.path = o->path();
            s.db = o->db_identifier();
        }
        s.out_log = (fs::path(s.path) / (job.name + ".out")).string();
        s.err_log = (fs::path(s.path) / (job.name + ".err")).string();
        mon->job_launched(s);
    }
    telemetry::JobState st;
    st.name = job.name;
    st.run = job.run;
    st.job_id = job.step_id;
    st.status = to_string(job.status);
    st.returncode = job.returncode;
    st.message = job.message;
    mon->job_changed(st);
    // A co-located database lives as long as its application.
    if (!job.is_db && is_terminal(job.status)) mon->remove_database("colocated:" + job.name);
}

void Experiment::Impl::watch_database(const Orchestrator& orc,
                                      const std::vector<std::string>& addresses,
                                      const std::vector<std::string>& shard_names) {
    telemetry::Monitor* mon = monitor();
    if (!mon) return;
    try {
        std::vector<telemetry::ShardTarget> shards;
        for (std::size_t i = 0; i < addresses.size(); ++i)
            shards.push_back({orc.db_identifier(),
                              i < shard_names.size()
                                  ? shard_names[i]
                                  : orc.db_identifier() + "_" + std::to_string(i),
                              addresses[i]});
        mon->add_database("db:" + orc.db_identifier(), std::move(shards),
                          launch::admin_auth(orc.secrets_dir(), orc.uses_tls()));
    } catch (const std::exception& e) {
        launch::log_warning("telemetry: database " + orc.name() + " not sampled: " + e.what());
    }
}

// SSDB, SR_DB_TYPE and, for a secure database, the user `role` and its password file.
std::map<std::string, std::string> Experiment::Impl::database_env(const std::string& role) const {
    std::map<std::string, std::string> env;
    auto add = [&](const Orchestrator& orc, const std::vector<std::string>& addrs) {
        std::string sfx = env_suffix(orc.db_identifier());
        const std::vector<std::string> listed(
            addrs.begin(), addrs.begin() + static_cast<std::ptrdiff_t>(
                                               std::min(addrs.size(), k_max_ssdb_addresses)));
        if (orc.uses_tls()) env["SR_TLS_CA_FILE" + sfx] = orc.tls_ca_file();
        env["SSDB" + sfx] = launch::ssdb_value(listed, orc.uses_tls());
        env["SR_DB_TYPE" + sfx] = addrs.size() > 1 ? "Clustered" : "Standalone";
        if (std::string dir = orc.secrets_dir(); !dir.empty()) {
            env["SR_DB_USER" + sfx] = role;
            env["SR_DB_PASSWORD_FILE" + sfx] = launch::secret_file(dir, role);
        }
    };
    for (const auto& db : adopted) add(*db.orc, db.addresses);
    for (const auto& db : dbs) add(*db.orc, db.deployment.addresses);
    return env;
}

// Two running databases with one identifier would hand applications the same SSDB variable
// (SmartSim's SSDBIDConflictError).
void Experiment::Impl::check_db_id_free(const Orchestrator& orc) const {
    auto clash = [&](const Orchestrator& other) {
        if (&other != &orc && other.db_identifier() == orc.db_identifier())
            throw LaunchError(ErrorCode::EntityExists,
                              "a database with db_identifier '" + orc.db_identifier() +
                                  "' is already running in this experiment (give each "
                                  "database its own db_identifier)");
    };
    for (const auto& db : dbs) clash(*db.orc);
    for (const auto& db : adopted) clash(*db.orc);
}

// <db path>/smartsim_db.dat, one item per line (the name SmartSim's driver looks for; the
// content is insitu's own: options, then one "shard <name> <address> <pid> <step>" line each).
void Experiment::Impl::write_checkpoint(const RunningDb& db) {
    const auto& o = db.orc->options();
    fs::path file = fs::path(db.orc->path()) / "smartsim_db.dat";
    fs::path tmp = file;
    tmp += ".tmp";
    {
        std::ofstream out(tmp);
        out << "insitu-db-checkpoint 1\n"
            << "db_identifier " << o.db_identifier << "\n"
            << "launcher " << launcher->name() << "\n"
            << "db_nodes " << o.db_nodes << "\n"
            << "replicas " << o.replicas << "\n"
            << "port " << o.port << "\n"
            << "interface " << o.interface << "\n"
            << "threads_per_queue " << o.threads_per_queue << "\n"
            << "inter_op_threads " << o.inter_op_threads << "\n"
            << "intra_op_threads " << o.intra_op_threads << "\n"
            << "path " << db.orc->path()
            << "\n"
            // Where the secrets are, never a secret itself.
            << "insecure " << (o.insecure ? 1 : 0) << "\n"
            << "tls " << (o.tls ? 1 : 0) << "\n"
            << "secrets " << db.orc->secrets_dir() << "\n";
        auto* local = dynamic_cast<launch::LocalLauncher*>(launcher.get());
        for (std::size_t i = 0; i < db.deployment.addresses.size(); ++i) {
            const std::string& step =
                i < db.deployment.step_ids.size() ? db.deployment.step_ids[i] : "-";
            long pid = local && step != "-" ? static_cast<long>(local->pid(step)) : -1;
            out << "shard "
                << (i < db.deployment.shards.size() ? db.deployment.shards[i].name : "-") << " "
                << db.deployment.addresses[i] << " " << pid << " " << step << "\n";
        }
        if (!out) throw LaunchError("cannot write " + tmp.string());
    }
    fs::rename(tmp, file);
}

void Experiment::Impl::stop_adopted(AdoptedDb& db) {
    launch::log_info("stopping reconnected database " + db.orc->name());
    launch::DbAuth auth;
    try {
        auth = launch::admin_auth(db.orc->secrets_dir(), db.orc->uses_tls());
    } catch (const std::exception& e) {
        launch::log_warning(e.what());  // the processes are killed below
    }
    for (const auto& a : db.addresses) launch::db_command(a, {"SHUTDOWN", "NOSAVE"}, 1000, auth);
    auto gone = [&] {
        for (const auto& a : db.addresses) {
            auto r = launch::db_command(a, {"PING"}, 200, auth);
            if (r && r->is_error()) return false;  // up, but refusing us
            if (r && r->is_status("PONG")) return false;
        }
        return true;
    };
    for (int i = 0; i < 50 && !gone(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!gone())
        for (long pid : db.pids)
            if (pid > 0) {
                launch::log_warning("database process " + std::to_string(pid) +
                                    " ignored SHUTDOWN; killing it");
                ::kill(static_cast<pid_t>(pid), SIGKILL);
            }
    db.orc->set_addresses({});
    if (telemetry) telemetry->remove_database("db:" + db.orc->db_identifier());
}

void Experiment::Impl::start_database(const std::shared_ptr<Orchestrator>& orc) {
    for (const auto& db : dbs)
        if (db.orc == orc) throw LaunchError("database " + orc->name() + " is already running");
    check_db_id_free(*orc);
    RunningDb db{orc, {}};
    fs::create_directories(orc->path());
    if (orc->is_insecure())
        launch::log_warning("database " + orc->name() +
                            " starts without authentication (insecure): anyone on its node(s) "
                            "can read, overwrite and delete its data and run code in it");
    else
        launch::generate_secrets(orc->secrets_dir());  // fresh secrets for every start
    std::vector<std::size_t> job_index;
    auto record = [&](std::size_t i, const std::string& step) {
        Job j;
        j.name = db.deployment.shards[i].name;
        j.type = "DBNode";
        j.entity = orc.get();
        j.step_id = step;
        j.is_db = true;
        jobs.add(std::move(j));
        job_index.push_back(jobs.all().size() - 1);
    };
    try {
        if (auto* slurm = dynamic_cast<launch::SlurmLauncher*>(launcher.get())) {
            launch::log_info("starting database " + orc->name() + ": " + shards_text(*orc) +
                             " under Slurm" +
                             (orc->options().batch_settings ? " (one batch job)" : ""));
            launch::deploy_slurm(*slurm, *orc, db.deployment, record);
        } else {
            // Certificates where the host list is final (deploy_slurm makes its own).
            if (orc->uses_tls()) launch::generate_tls(orc->secrets_dir(), orc->options().hosts);
            db.deployment.shards = launch::plan_shards(*orc);
            db.deployment.primaries = orc->num_shards();
            std::string ports;
            for (const auto& s : db.deployment.shards)
                ports += (ports.empty() ? "" : ",") + std::to_string(s.port);
            launch::log_info("starting database " + orc->name() + ": " + shards_text(*orc) +
                             " on " + db.deployment.shards[0].bind[0] + " port" +
                             (orc->num_servers() > 1 ? "s " : " ") + ports);
            launch::deploy(*launcher, db.deployment, record);
        }
    } catch (...) {
        jobs.update(*launcher);
        throw;
    }
    orc->set_addresses(db.deployment.addresses);
    std::string addrs;
    for (const auto& a : db.deployment.addresses) addrs += (addrs.empty() ? "" : ",") + a;
    launch::log_info("database " + orc->name() + " ready: SSDB" + env_suffix(orc->db_identifier()) +
                     "=" + addrs);
    try {
        write_checkpoint(db);
    } catch (const std::exception& e) {
        launch::log_warning(std::string("database checkpoint not written: ") + e.what());
    }
    std::vector<std::string> shard_names;
    for (const auto& s : db.deployment.shards) shard_names.push_back(s.name);
    watch_database(*orc, db.deployment.addresses, shard_names);
    dbs.push_back(std::move(db));
}

void Experiment::Impl::start_model(const std::shared_ptr<Model>& m) {
    for (Job* j : jobs.latest(m.get()))
        if (!is_terminal(j->status))
            throw LaunchError("model " + m->name() + " is already running");
    const RunSettings& rs = m->run_settings();
    std::map<std::string, std::string> env = database_env(m->db_role());
    if (!m->incoming_entities().empty()) {
        std::string in;
        for (const auto& n : m->incoming_entities()) in += (in.empty() ? "" : ",") + n;
        env["SSKEYIN"] = in;
    }
    if (m->query_key_prefixing()) env["SSKEYOUT"] = m->name();
    std::vector<std::string> exe_argv;
    std::string manifest, status_file;
    std::string colocated_secrets;  // for the telemetry's samples of the co-located database
    if (m->is_colocated()) {
        const auto& c = *m->colocated_settings();
        std::string sfx = c.db_identifier.empty() ? "" : "_" + c.db_identifier;
        env["SSDB" + sfx] = launch::colocated_address(c);
        env["SR_DB_TYPE" + sfx] = "Standalone";
        // Its own database does not serve TLS: a TLS database's CA under the same name (here,
        // or inherited from a Python driver's os.environ) would turn TLS on for its plain
        // address; empty counts as unset.
        env["SR_TLS_CA_FILE" + sfx] = "";
        std::string secrets;
        if (c.insecure) {
            launch::log_warning("the co-located database of " + m->name() +
                                " starts without authentication (insecure): anyone on its node(s) "
                                "can read, overwrite and delete its data and run code in it");
            // No credentials: another database's under the same names (here, or inherited
            // from a Python driver's os.environ) would be refused by this one (WRONGPASS).
            env["SR_DB_USER" + sfx] = "";
            env["SR_DB_PASSWORD_FILE" + sfx] = "";
            env["SR_DB_PASSWORD" + sfx] = "";
        } else {
            secrets = launch::colocated_secrets_dir(m->path(), m->name() + "-db");
            launch::generate_secrets(secrets);
            env["SR_DB_USER" + sfx] = m->db_role();
            env["SR_DB_PASSWORD_FILE" + sfx] = launch::secret_file(secrets, m->db_role());
        }
        colocated_secrets = secrets;
        // Unique per launch, so that a host's ranks share one database and runs never do.
        std::string key =
            m->name() + "-" + std::to_string(::getpid()) + "-" + std::to_string(jobs.all().size());
        fs::create_directories(m->path());
        if (!m->db_models().empty() || !m->db_scripts().empty()) {
            fs::path meta = fs::path(m->path()) / ".insitu";
            manifest = (meta / (m->name() + ".dbobjects")).string();
            status_file = (meta / (m->name() + "-db.status")).string();
            launch::write_db_manifest(*m, manifest);
            fs::remove(status_file);
        }
        exe_argv = launch::colocated_wrapper_argv(c, key, m->path(), m->name() + "-db", manifest,
                                                  status_file, m->name(), secrets);
        exe_argv.push_back(rs.exe);
        exe_argv.insert(exe_argv.end(), rs.exe_args.begin(), rs.exe_args.end());
    }
    for (const auto& [k, v] : rs.env_vars) env[k] = v;
    launch::Step step;
    step.name = m->name();
    step.argv = launcher->command_line(rs, exe_argv, env);
    step.request = launcher->resource_request(rs);
    step.start_timeout = launch::resolve_start_timeout(rs.start_timeout, start_timeout);
    for (const auto& [k, v] : launch::run_command_env(rs)) env.emplace(k, v);
    step.env = env;
    fs::create_directories(m->path());
    step.cwd = m->path();
    step.out_path = (fs::path(m->path()) / (m->name() + ".out")).string();
    step.err_path = (fs::path(m->path()) / (m->name() + ".err")).string();
    step.batch = m->batch_settings();
    if (step.batch && launcher->batch_command().empty())
        throw UnsupportedError("model " + m->name() + " has batch settings, but the " +
                               launcher->name() + " launcher has no batch queue");
    std::string id;
    try {
        id = launcher->launch(step);
    } catch (const std::exception& e) {
        // The launcher's code (e.g. a Slurm timeout) survives the model's name in the message.
        auto* coded = dynamic_cast<const CodedError*>(&e);
        throw LaunchError(coded ? coded->code() : ErrorCode::Launcher,
                          "model " + m->name() + ": " + e.what());
    }
    Job j;
    j.name = m->name();
    j.type = "Model";
    j.entity = m.get();
    j.step_id = id;
    jobs.add(std::move(j));
    launch::log_debug("launched " + m->name() + " (step " + id + ")");
    if (!status_file.empty()) wait_for_colocated_objects(m, id, status_file);
    if (m->is_colocated()) {
        if (telemetry::Monitor* mon = monitor()) {
            try {
                // Once it stored its objects (when it has any): this host's database of the
                // application (other hosts' are not reachable here).
                mon->add_database("colocated:" + m->name(),
                                  {{m->name() + "-db", m->name() + "-db",
                                    launch::colocated_address(*m->colocated_settings())}},
                                  launch::admin_auth(colocated_secrets));
            } catch (const std::exception& e) {
                launch::log_warning("telemetry: the co-located database of " + m->name() +
                                    " is not sampled: " + e.what());
            }
        }
    }
}

// The co-located start-up step reports in status_file whether the models and scripts are stored;
// a failure stops the job and fails start() with the step's message.
void Experiment::Impl::wait_for_colocated_objects(const std::shared_ptr<Model>& m,
                                                  const std::string& step_id,
                                                  const std::string& status_file) {
    auto start = std::chrono::steady_clock::now();
    auto next_note = start + std::chrono::seconds(5);
    auto fail = [&](const std::string& why, ErrorCode code = ErrorCode::Launcher) {
        for (Job* j : jobs.latest(m.get())) {
            launch::StepStatus st = launcher->stop(j->step_id, std::chrono::seconds(5));
            if (!is_terminal(st.status)) st.status = Status::Failed;
            jobs.set(*j, st);
        }
        throw LaunchError(code, why);
    };
    for (;;) {
        if (fs::exists(status_file)) {
            std::ifstream in(status_file);
            std::string text((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
            if (text.rfind("ok", 0) == 0) return;
            while (!text.empty() && text.back() == '\n') text.pop_back();
            fail(text.rfind("error: ", 0) == 0 ? text.substr(7) : text);
        }
        launch::StepStatus st = launcher->status(step_id);
        if (st.status != Status::Running && !fs::exists(status_file))
            fail("model " + m->name() +
                 ": the co-located database exited before storing its "
                 "models and scripts (see " +
                 m->path() + "/" + m->name() + ".err)");
        auto now = std::chrono::steady_clock::now();
        if (now - start > std::chrono::seconds(300))
            fail("model " + m->name() +
                     ": the co-located database did not store its models "
                     "and scripts within 300 s",
                 ErrorCode::Timeout);
        if (now >= next_note) {
            launch::log_info("waiting for the co-located database of " + m->name() +
                             " to load its models and scripts...");
            next_note = now + std::chrono::seconds(5);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

void Experiment::Impl::store_db_objects(const std::vector<std::shared_ptr<Model>>& models) {
    std::set<std::string> backends;
    bool any = false;
    for (const auto& m : models) {
        if (m->is_colocated() || (m->db_models().empty() && m->db_scripts().empty())) continue;
        any = true;
        auto b = launch::backends_needed(m->db_models(), m->db_scripts());
        backends.insert(b.begin(), b.end());
    }
    if (!any) return;
    struct Target {
        std::string name;
        std::vector<std::string> addresses;
        launch::DbAuth auth;
    };
    std::vector<Target> targets;
    for (const auto& db : dbs)
        targets.push_back({db.orc->name(), db.deployment.addresses,
                           launch::admin_auth(db.orc->secrets_dir(), db.orc->uses_tls())});
    for (const auto& db : adopted)
        targets.push_back({db.orc->name(), db.addresses,
                           launch::admin_auth(db.orc->secrets_dir(), db.orc->uses_tls())});
    for (const auto& [db_name, addresses, auth] : targets) {
        launch::preload_backends(addresses, backends, auth);
        // Ensemble members usually share their objects: store each distinct one once.
        std::vector<DBModel> stored_models;
        std::vector<DBScript> stored_scripts;
        for (const auto& m : models) {
            if (m->is_colocated()) continue;
            std::vector<DBModel> ms;
            std::vector<DBScript> ss;
            for (const auto& x : m->db_models())
                if (std::find(stored_models.begin(), stored_models.end(), x) == stored_models.end())
                    ms.push_back(x);
            for (const auto& x : m->db_scripts())
                if (std::find(stored_scripts.begin(), stored_scripts.end(), x) ==
                    stored_scripts.end())
                    ss.push_back(x);
            launch::store_db_objects(addresses, m->name(), ms, ss, auth);
            if (!ms.empty() || !ss.empty())
                launch::log_info("stored " + std::to_string(ms.size()) + " model(s) and " +
                                 std::to_string(ss.size()) + " script(s) of " + m->name() +
                                 " in database " + db_name);
            stored_models.insert(stored_models.end(), ms.begin(), ms.end());
            stored_scripts.insert(stored_scripts.end(), ss.begin(), ss.end());
        }
    }
}

std::vector<Job*> Experiment::Impl::jobs_of(const Entity& e) {
    if (auto* ens = dynamic_cast<const Ensemble*>(&e)) {
        std::vector<Job*> out;
        for (const auto& m : ens->models()) {
            auto js = jobs.latest(m.get());
            out.insert(out.end(), js.begin(), js.end());
        }
        return out;
    }
    return jobs.latest(&e);
}

void Experiment::Impl::stop_jobs(const std::vector<Job*>& js) {
    for (Job* j : js) {
        if (is_terminal(j->status)) continue;
        launch::StepStatus st = launcher->stop(j->step_id, std::chrono::seconds(5));
        st.status = Status::Cancelled;
        jobs.set(*j, st);
    }
}

void Experiment::Impl::stop_database(RunningDb& db) {
    launch::log_info("stopping database " + db.orc->name());
    if (telemetry) telemetry->remove_database("db:" + db.orc->db_identifier());
    std::vector<Job*> running;
    for (Job* j : jobs.latest(db.orc.get()))
        if (!is_terminal(j->status)) running.push_back(j);
    launch::shut_down(*launcher, db.deployment);
    for (Job* j : running) {
        launch::StepStatus st = launcher->status(j->step_id);
        st.status = Status::Cancelled;
        jobs.set(*j, st);
    }
    db.orc->set_addresses({});
}

// ---- Experiment ----------------------------------------------------------------------------

Experiment::Experiment(std::string name, std::string exp_path, std::string launcher)
    : impl_(std::make_unique<Impl>()) {
    if (name.empty()) throw ConfigError("an experiment needs a name");
    impl_->name = std::move(name);
    impl_->exp_path =
        fs::absolute(exp_path.empty() ? fs::current_path() / impl_->name : fs::path(exp_path))
            .lexically_normal()
            .string();
    impl_->launcher = launch::make_launcher(launcher);
    fs::create_directories(impl_->exp_path);
    impl_->jobs.on_change = [impl = impl_.get()](const Job& j, bool launched) {
        impl->on_job(j, launched);
    };
}

Experiment::~Experiment() {
    try {
        stop();
    } catch (const std::exception& e) {
        launch::log_warning(std::string("stopping the experiment: ") + e.what());
    }
}

const std::string& Experiment::name() const {
    return impl_->name;
}
const std::string& Experiment::exp_path() const {
    return impl_->exp_path;
}
std::string Experiment::launcher() const {
    return impl_->launcher->name();
}

void Experiment::set_start_timeout(double seconds) {
    if (!(seconds >= 0))
        throw ConfigError("set_start_timeout: seconds must be >= 0 (0: no limit), got " +
                          std::to_string(seconds));
    impl_->start_timeout = seconds;
}

void Experiment::set_telemetry(bool enabled, double interval_s, double max_mib) {
    if (!(interval_s > 0) || !(max_mib > 0))
        throw ConfigError("set_telemetry: interval_s and max_mib must be > 0");
    auto& o = impl_->telemetry_options;
    o.enabled = enabled;
    o.interval_s = interval_s;
    o.max_bytes = static_cast<std::size_t>(max_mib * 1024 * 1024);
    // Disabling stops the running monitor; enabling again watches the running databases at once
    // (co-located ones from their next launch). Other settings apply to a monitor started
    // afterwards.
    if (!enabled) {
        impl_->telemetry.reset();
        return;
    }
    if (impl_->telemetry) return;
    for (const auto& db : impl_->dbs) {
        std::vector<std::string> shard_names;
        for (const auto& sh : db.deployment.shards) shard_names.push_back(sh.name);
        impl_->watch_database(*db.orc, db.deployment.addresses, shard_names);
    }
    for (const auto& db : impl_->adopted) impl_->watch_database(*db.orc, db.addresses, {});
}

bool Experiment::telemetry_enabled() const {
    return impl_->telemetry_options.enabled;
}

RunSettings Experiment::create_run_settings(std::string exe, std::vector<std::string> exe_args,
                                            std::string run_command,
                                            std::map<std::string, std::string> run_args,
                                            std::map<std::string, std::string> env_vars) const {
    if (exe.empty()) throw ConfigError("create_run_settings: no executable");
    if (run_command == "auto") run_command = impl_->launcher->default_run_command();
    if (!impl_->launcher->supports_run_command(run_command))
        throw UnsupportedError(
            "run command '" + run_command + "' is not supported by the " + impl_->launcher->name() +
            " launcher (use " +
            (impl_->launcher->name() == "slurm" ? "srun, mpirun or \"\")" : "\"\" or mpirun)"));
    // Resolve the executable now, so that a typo fails here and cwd changes do not matter.
    if (exe.find('/') != std::string::npos)
        exe = fs::absolute(exe).string();
    else if (std::string found = launch::find_executable(exe); !found.empty())
        exe = found;
    RunSettings rs;
    rs.exe = std::move(exe);
    rs.exe_args = std::move(exe_args);
    rs.run_command = std::move(run_command);
    rs.run_args = std::move(run_args);
    rs.env_vars = std::move(env_vars);
    return rs;
}

BatchSettings Experiment::create_batch_settings(
    int nodes, std::string time, std::string queue, std::string account,
    std::map<std::string, std::string> batch_args) const {
    std::string cmd = impl_->launcher->batch_command();
    if (cmd.empty())
        throw UnsupportedError(
            "the " + impl_->launcher->name() +
            " launcher has no batch queue (batch settings need launcher \"slurm\")");
    BatchSettings bs;
    bs.batch_command = cmd;
    bs.set_nodes(nodes);
    if (!time.empty()) bs.set_walltime(time);
    if (!queue.empty()) bs.set_queue(queue);
    if (!account.empty()) bs.set_account(account);
    for (const auto& [k, v] : batch_args) bs.set_batch_arg(k, v);
    return bs;
}

std::shared_ptr<Model> Experiment::create_model(std::string name, RunSettings run_settings,
                                                std::map<std::string, std::string> params,
                                                std::string path, bool enable_key_prefixing) {
    if (path.empty()) path = (fs::path(impl_->exp_path) / name).string();
    return std::make_shared<Model>(std::move(name), std::move(run_settings), std::move(params),
                                   fs::absolute(path).string(), enable_key_prefixing);
}

std::shared_ptr<Ensemble> Experiment::create_ensemble(
    std::string name, std::map<std::string, std::vector<std::string>> params,
    RunSettings run_settings, int replicas, std::string perm_strategy, std::string path) {
    if (path.empty()) path = (fs::path(impl_->exp_path) / name).string();
    path = fs::absolute(path).string();
    auto ens = std::make_shared<Ensemble>(name, path);
    std::vector<std::map<std::string, std::string>> members;
    if (!params.empty()) {
        if (perm_strategy == "all_perm") {
            members = {{}};
            for (const auto& [k, values] : params) {
                if (values.empty()) throw ConfigError("ensemble param " + k + " has no values");
                std::vector<std::map<std::string, std::string>> next;
                for (const auto& m : members)
                    for (const auto& v : values) {
                        auto c = m;
                        c[k] = v;
                        next.push_back(std::move(c));
                    }
                members = std::move(next);
            }
        } else if (perm_strategy == "step") {
            std::size_t n = params.begin()->second.size();
            for (const auto& [k, values] : params)
                if (values.size() != n)
                    throw ConfigError(
                        "perm_strategy step needs the same number of values "
                        "for every param");
            for (std::size_t i = 0; i < n; ++i) {
                std::map<std::string, std::string> m;
                for (const auto& [k, values] : params) m[k] = values[i];
                members.push_back(std::move(m));
            }
        } else {
            throw ConfigError("unknown perm_strategy '" + perm_strategy + "' (all_perm or step)");
        }
        // Params and replicas: every combination, replicated.
        if (replicas > 1) {
            std::vector<std::map<std::string, std::string>> rep;
            for (const auto& m : members)
                for (int r = 0; r < replicas; ++r) rep.push_back(m);
            members = std::move(rep);
        }
    } else {
        if (replicas < 1) throw ConfigError("create_ensemble needs params or replicas >= 1");
        members.assign(static_cast<std::size_t>(replicas), {});
    }
    for (std::size_t i = 0; i < members.size(); ++i) {
        std::string mname = name + "_" + std::to_string(i);
        ens->add_model(std::make_shared<Model>(mname, run_settings, members[i],
                                               (fs::path(path) / mname).string(), true));
    }
    return ens;
}

std::shared_ptr<Orchestrator> Experiment::create_database(
    int port, int db_nodes, std::string interface, std::string db_identifier, int threads_per_queue,
    int inter_op_threads, int intra_op_threads, bool insecure, bool tls, int replicas) {
    OrchestratorOptions o;
    o.port = port;
    o.db_nodes = db_nodes;
    o.replicas = replicas;
    o.interface = std::move(interface);
    o.db_identifier = std::move(db_identifier);
    o.threads_per_queue = threads_per_queue;
    o.inter_op_threads = inter_op_threads;
    o.intra_op_threads = intra_op_threads;
    o.insecure = insecure;
    o.tls = tls;
    return create_database(o);
}

std::shared_ptr<Orchestrator> Experiment::create_database(const OrchestratorOptions& o) {
    if (impl_->db_ids.count(o.db_identifier))
        throw EntityExistsError("a database with db_identifier '" + o.db_identifier +
                                "' already exists in this experiment");
    auto orc =
        std::make_shared<Orchestrator>(o, (fs::path(impl_->exp_path) / o.db_identifier).string());
    impl_->db_ids.insert(o.db_identifier);
    return orc;
}

void Experiment::generate(const EntityList& entities, bool overwrite, const std::string& tag) {
    for (const auto& e : entities) {
        if (auto ens = std::dynamic_pointer_cast<Ensemble>(e)) {
            launch::prepare_dir(ens->path(), overwrite);
            for (const auto& m : ens->models())
                launch::generate_model_dir(*m, m->path(), overwrite, tag);
        } else if (auto m = std::dynamic_pointer_cast<Model>(e)) {
            launch::generate_model_dir(*m, m->path(), overwrite, tag);
        } else if (e) {
            launch::prepare_dir(e->path(), overwrite);
        }
    }
}

void Experiment::start(const EntityList& entities, bool block) {
    std::vector<std::shared_ptr<Orchestrator>> orcs;
    std::vector<std::shared_ptr<Model>> models;
    for (const auto& e : entities) {
        if (!e) throw ConfigError("start: null entity");
        if (auto o = std::dynamic_pointer_cast<Orchestrator>(e)) orcs.push_back(o);
        for (auto& m : models_of(e)) models.push_back(m);
    }
    // Attached models and scripts are checked before anything starts.
    for (const auto& m : models) {
        if (m->db_models().empty() && m->db_scripts().empty()) continue;
        launch::check_db_objects_ready(*m);
        if (!m->is_colocated() && orcs.empty() && impl_->dbs.empty() && impl_->adopted.empty())
            throw LaunchError("model " + m->name() +
                              " has ML models or scripts attached but no database is "
                              "running (start one first, or colocate one)");
    }
    std::vector<std::shared_ptr<Orchestrator>> started;
    try {
        for (const auto& o : orcs) {
            impl_->start_database(o);
            started.push_back(o);
        }
        impl_->store_db_objects(models);
    } catch (...) {
        // What this call started goes away with the failure.
        EntityList undo(started.begin(), started.end());
        if (!undo.empty()) stop(undo);
        throw;
    }
    std::vector<std::shared_ptr<Model>> launched;
    try {
        for (const auto& m : models) {
            impl_->start_model(m);
            launched.push_back(m);
        }
    } catch (...) {
        EntityList undo(launched.begin(), launched.end());
        undo.insert(undo.end(), started.begin(), started.end());
        if (!undo.empty()) stop(undo);
        throw;
    }
    if (block && !models.empty()) {
        for (;;) {
            impl_->jobs.update(*impl_->launcher);
            bool done = true;
            for (const auto& m : models)
                for (Job* j : impl_->jobs.latest(m.get())) done = done && is_terminal(j->status);
            if (done) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
}

int Experiment::restart_failed_servers(const Orchestrator& orc) {
    auto it = std::find_if(impl_->dbs.begin(), impl_->dbs.end(),
                           [&](const Impl::RunningDb& d) { return d.orc.get() == &orc; });
    if (it == impl_->dbs.end())
        throw LaunchError("database " + orc.name() + " is not running in this experiment");
    if (!dynamic_cast<launch::LocalLauncher*>(impl_->launcher.get()))
        throw UnsupportedError(
            "restart_failed_servers: only databases of the local launcher can "
            "be restarted (this experiment uses the " +
            impl_->launcher->name() + " launcher)");
    auto& d = it->deployment;
    impl_->jobs.update(*impl_->launcher);
    const auto auth = launch::admin_auth(orc.secrets_dir(), orc.uses_tls());
    // True once a live server's complete slot map no longer names `address` as a primary: its
    // replica won the election (the promoted replica knows first; gossip tells the others later).
    auto taken_over = [&](const std::string& address) {
        for (const auto& a : d.addresses) {
            if (a == address) continue;
            auto map = launch::slot_map(a, auth, 1000);
            if (!map) continue;
            long long covered = 0;
            bool owner = false;
            for (const auto& range : *map) {
                covered += range.last - range.first + 1;
                owner = owner || range.primary == address;
            }
            if (covered == 16384 && !owner) return true;
        }
        return false;
    };
    int restarted = 0;
    for (Job* j : impl_->jobs.latest(&orc)) {
        if (!is_terminal(j->status) || j->status == Status::Cancelled) continue;
        auto pos = std::find(d.step_ids.begin(), d.step_ids.end(), j->step_id);
        if (pos == d.step_ids.end()) continue;
        const auto i = static_cast<std::size_t>(pos - d.step_ids.begin());
        const launch::ShardSpec& s = d.shards[i];
        // A primary without persistence restarted before its replica took over would come back
        // empty, and its replica would copy that: it waits (for a later call) until the cluster
        // no longer counts it as a primary.
        if (orc.is_clustered() && orc.replicas() > 0 && !taken_over(s.address())) {
            launch::log_info("database server " + s.name + " (" + s.address() +
                             ") is down; its replica has not taken over yet");
            continue;
        }
        launch::log_info("restarting database server " + s.name + " (" + s.address() + "), " +
                         to_string(j->status) + " with code " +
                         std::to_string(j->returncode.value_or(-1)));
        // Its nodes file stays: the server rejoins as the node it was.
        std::string step = launch::launch_shard(*impl_->launcher, s);
        d.step_ids[i] = step;
        j->step_id = step;
        j->status = Status::Running;
        j->returncode.reset();
        j->message = "restarted";
        launch::wait_for_shard(*impl_->launcher, step, s);
        ++restarted;
    }
    if (restarted > 0 && orc.is_clustered()) {
        launch::verify_cluster(d.addresses, d.primaries, auth);
    }
    if (restarted > 0) {
        try {
            impl_->write_checkpoint(*it);
        } catch (const std::exception& e) {
            launch::log_warning(std::string("database checkpoint not written: ") + e.what());
        }
    }
    return restarted;
}

void Experiment::poll(double interval_s, bool verbose) {
    auto next = std::chrono::steady_clock::now();
    for (;;) {
        impl_->jobs.update(*impl_->launcher);
        std::vector<Job*> apps;
        for (Job* j : impl_->jobs.running())
            if (!j->is_db) apps.push_back(j);
        if (apps.empty()) return;
        if (verbose && std::chrono::steady_clock::now() >= next) {
            for (Job* j : apps)
                launch::log_info(j->name + "(" + j->step_id + "): " + to_string(j->status));
            next += std::chrono::milliseconds(static_cast<long>(interval_s * 1000));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

bool Experiment::applications_running(bool log) {
    impl_->jobs.update(*impl_->launcher);
    bool any = false;
    for (Job* j : impl_->jobs.running()) {
        if (j->is_db) continue;
        any = true;
        if (log) launch::log_info(j->name + "(" + j->step_id + "): " + to_string(j->status));
    }
    return any;
}

bool Experiment::finished(const Entity& entity) {
    impl_->jobs.update(*impl_->launcher);
    auto js = impl_->jobs_of(entity);
    if (js.empty()) throw ConfigError(entity.name() + " was not launched by this experiment");
    return std::all_of(js.begin(), js.end(), [](Job* j) { return is_terminal(j->status); });
}

std::vector<Status> Experiment::get_status(const Entity& entity) {
    impl_->jobs.update(*impl_->launcher);
    std::vector<Status> out;
    if (auto* ens = dynamic_cast<const Ensemble*>(&entity)) {
        for (const auto& m : ens->models()) {
            auto js = impl_->jobs.latest(m.get());
            out.push_back(js.empty() ? Status::New : js.front()->status);
        }
        return out;
    }
    for (const auto& db : impl_->adopted)
        if (db.orc.get() == &entity) {
            for (const auto& a : db.addresses) {
                // NOAUTH answers too: the shard is up (its secrets are not needed to tell; a TLS
                // database answers only over TLS).
                launch::DbAuth probe;
                try {
                    if (db.orc->uses_tls())
                        probe.tls = launch::admin_auth(db.orc->secrets_dir(), true).tls;
                } catch (const std::exception&) {
                    // no usable CA or secret: the probe gets no answer (not a plaintext retry)
                }
                auto r = launch::db_command(a, {"PING"}, 1000, probe);
                out.push_back(r && (r->is_status("PONG") || r->is_error()) ? Status::Running
                                                                           : Status::Completed);
            }
            return out;
        }
    auto js = impl_->jobs.latest(&entity);
    if (js.empty()) return {Status::New};
    for (Job* j : js) out.push_back(j->status);
    return out;
}

std::vector<std::optional<int>> Experiment::get_returncodes(const Entity& entity) {
    impl_->jobs.update(*impl_->launcher);
    std::vector<std::optional<int>> out;
    if (auto* ens = dynamic_cast<const Ensemble*>(&entity)) {
        for (const auto& m : ens->models()) {
            auto js = impl_->jobs.latest(m.get());
            out.push_back(js.empty() ? std::nullopt : js.front()->returncode);
        }
        return out;
    }
    for (Job* j : impl_->jobs.latest(&entity)) out.push_back(j->returncode);
    if (out.empty()) out.push_back(std::nullopt);
    return out;
}

void Experiment::stop(const EntityList& entities) {
    impl_->jobs.update(*impl_->launcher);
    if (entities.empty()) {
        std::vector<Job*> apps;
        for (Job* j : impl_->jobs.running())
            if (!j->is_db) apps.push_back(j);
        impl_->stop_jobs(apps);
        // Newest database first.
        while (!impl_->dbs.empty()) {
            impl_->stop_database(impl_->dbs.back());
            impl_->dbs.pop_back();
        }
        return;
    }
    for (const auto& e : entities)
        if (!std::dynamic_pointer_cast<Orchestrator>(e)) impl_->stop_jobs(impl_->jobs_of(*e));
    for (const auto& e : entities) {
        auto o = std::dynamic_pointer_cast<Orchestrator>(e);
        if (!o) continue;
        auto ad = std::find_if(impl_->adopted.begin(), impl_->adopted.end(),
                               [&](const Impl::AdoptedDb& d) { return d.orc == o; });
        if (ad != impl_->adopted.end()) {
            impl_->stop_adopted(*ad);
            impl_->adopted.erase(ad);
            continue;
        }
        auto it = std::find_if(impl_->dbs.begin(), impl_->dbs.end(),
                               [&](const Impl::RunningDb& d) { return d.orc == o; });
        if (it == impl_->dbs.end()) continue;
        impl_->stop_database(*it);
        impl_->dbs.erase(it);
    }
}

std::string Experiment::summary() const {
    impl_->jobs.update(*impl_->launcher);
    return impl_->jobs.table();
}

std::vector<Experiment::JobRecord> Experiment::jobs() const {
    impl_->jobs.update(*impl_->launcher);
    std::vector<JobRecord> out;
    auto now = std::chrono::steady_clock::now();
    for (const auto& j : impl_->jobs.all()) {
        JobRecord r;
        r.name = j.name;
        r.type = j.type;
        r.job_id = j.step_id;
        r.run = j.run;
        r.time_s =
            std::chrono::duration<double>((is_terminal(j.status) ? j.ended : now) - j.started)
                .count();
        r.status = j.status;
        r.returncode = j.returncode;
        out.push_back(std::move(r));
    }
    return out;
}

std::shared_ptr<Orchestrator> Experiment::reconnect_orchestrator(
    const std::string& checkpoint_file) {
    std::ifstream in(checkpoint_file);
    if (!in)
        throw ConfigError("the database checkpoint file " + checkpoint_file + " cannot be read");
    std::string line;
    if (!std::getline(in, line) || line != "insitu-db-checkpoint 1")
        throw ConfigError(checkpoint_file + " is not a database checkpoint written by insitu");
    OrchestratorOptions o;
    std::string path;
    Impl::AdoptedDb db;
    bool security_given = false;
    auto bad = [&](const std::string& why) {
        return ConfigError("database checkpoint " + checkpoint_file + " is corrupted: " + why);
    };
    auto number = [&](const std::string& key, const std::string& v) {
        try {
            std::size_t used = 0;
            int n = std::stoi(v, &used);
            if (used != v.size()) throw ConfigError(v);
            return n;
        } catch (const std::exception&) {
            throw bad(key + " '" + v + "' is not a number");
        }
    };
    while (std::getline(in, line)) {
        auto sp = line.find(' ');
        std::string key = line.substr(0, sp),
                    value = sp == std::string::npos ? "" : line.substr(sp + 1);
        if (key == "db_identifier")
            o.db_identifier = value;
        else if (key == "db_nodes")
            o.db_nodes = number(key, value);
        else if (key == "replicas")
            o.replicas = number(key, value);
        else if (key == "port")
            o.port = number(key, value);
        else if (key == "interface")
            o.interface = value;
        else if (key == "threads_per_queue")
            o.threads_per_queue = number(key, value);
        else if (key == "inter_op_threads")
            o.inter_op_threads = number(key, value);
        else if (key == "intra_op_threads")
            o.intra_op_threads = number(key, value);
        else if (key == "path")
            path = value;
        else if (key == "tls")
            o.tls = value == "1";
        else if (key == "insecure") {
            o.insecure = value == "1";
            security_given = true;
        } else if (key == "secrets")
            o.secrets_dir = value;
        else if (key == "shard") {
            std::istringstream f(value);
            std::string name, address, step;
            long pid = -1;
            if (!(f >> name >> address >> pid >> step)) throw bad("shard line '" + line + "'");
            try {
                core::parse_address(address);
            } catch (const std::invalid_argument& e) {
                throw bad(e.what());
            }
            db.addresses.push_back(address);
            db.pids.push_back(pid);
        }
    }
    // Checkpoints written before databases had users name no secrets: such a database is open.
    if (!security_given) o.insecure = true;
    if (db.addresses.empty()) throw bad("no shard addresses");
    if (static_cast<int>(db.addresses.size()) != o.db_nodes * (1 + std::max(0, o.replicas)))
        throw bad(std::to_string(db.addresses.size()) + " shard lines for db_nodes " +
                  std::to_string(o.db_nodes) + " and replicas " + std::to_string(o.replicas));
    if (path.empty()) path = fs::absolute(checkpoint_file).parent_path().string();
    for (const auto& d : impl_->dbs)
        if (d.orc->db_identifier() == o.db_identifier)
            throw LaunchError(ErrorCode::EntityExists,
                              "a database with db_identifier '" + o.db_identifier +
                                  "' is already running in this experiment");
    for (const auto& d : impl_->adopted)
        if (d.addresses == db.addresses || d.orc->db_identifier() == o.db_identifier)
            throw LaunchError(ErrorCode::EntityExists,
                              "the database of " + checkpoint_file + " is reconnected already");
    db.orc = std::make_shared<Orchestrator>(o, path);
    // A missing or unsafe secret is its own problem, not "not running" (is_active says false).
    try {
        launch::admin_auth(db.orc->secrets_dir(), db.orc->uses_tls());
    } catch (const ConfigError& e) {
        throw ConfigError("cannot reconnect to the database of " + checkpoint_file + ": " +
                          e.what());
    }
    db.orc->set_addresses(db.addresses);
    if (!db.orc->is_active()) {
        db.orc->set_addresses({});
        throw LaunchError("the database of " + checkpoint_file + " (" + db.addresses[0] +
                          (db.addresses.size() > 1 ? ", ..." : "") + ") is not running");
    }
    launch::log_info("reconnected to database " + o.db_identifier + " at " + db.addresses[0] +
                     (db.addresses.size() > 1
                          ? " and " + std::to_string(db.addresses.size() - 1) + " more"
                          : ""));
    impl_->db_ids.insert(o.db_identifier);
    impl_->adopted.push_back(db);
    impl_->watch_database(*db.orc, db.addresses, {});
    return db.orc;
}

}  // namespace insitu
