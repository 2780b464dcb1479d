#include "launch/launchers/slurm/slurm_deploy.h"

#include <insitu/launch_errors.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "launch/db/cluster.h"
#include "launch/db/colocated.h"
#include "launch/db/db_command.h"
#include "launch/db/local_server.h"
#include "launch/db/shard.h"
#include "launch/db/tls_files.h"
#include "launch/hpc/run_commands.h"
#include "launch/os/log.h"
#include "launch/os/netif.h"

namespace fs = std::filesystem;

namespace insitu::launch {
namespace {

constexpr const char* k_info = "INSITU_SHARD_INFO ";

std::string word(const std::string& line, const std::string& key) {
    auto p = line.find(" " + key + "=");
    if (p == std::string::npos) return "";
    p += key.size() + 2;
    return line.substr(p, line.find_first_of(" \n", p) - p);
}

// The INSITU_SHARD_INFO line of a shard's log, or "".
std::string info_line(const std::string& path) {
    std::ifstream in(path);
    for (std::string l; std::getline(in, l);)
        if (l.rfind(k_info, 0) == 0) return l;
    return "";
}

std::string node_name() {
    if (const char* n = std::getenv("SLURMD_NODENAME"); n && *n) return n;
    char h[256] = {};
    ::gethostname(h, sizeof h - 1);
    return h;
}

}  // namespace

void deploy_slurm(SlurmLauncher& launcher, const Orchestrator& orc, Deployment& d,
                  const std::function<void(std::size_t, const std::string&)>& on_launch,
                  std::chrono::milliseconds timeout) {
    const auto& o = orc.options();
    std::string alloc = o.alloc;
    if (alloc.empty() && !o.batch_settings)
        if (const char* j = std::getenv("SLURM_JOB_ID"); j && *j) alloc = j;
    std::vector<std::string> hosts = o.hosts;
    if (hosts.empty() && !alloc.empty()) hosts = slurm::job_nodes(alloc);
    // Once, now that the nodes are known: the server certificate must name the nodes the shards
    // run on (clients check the host).
    if (orc.uses_tls()) generate_tls(orc.secrets_dir(), hosts);
    std::vector<std::string> module_args;
    auto add = [&](const char* name, int v) {
        if (v > 0) module_args.insert(module_args.end(), {name, std::to_string(v)});
    };
    add("THREADS_PER_QUEUE", o.threads_per_queue);
    add("INTER_OP_PARALLELISM", o.inter_op_threads);
    add("INTRA_OP_PARALLELISM", o.intra_op_threads);
    std::string cli = insitu_cli_path();
    fs::create_directories(orc.path());

    std::vector<std::vector<std::string>> commands;
    std::vector<std::string> requests;
    d.primaries = o.db_nodes;
    for (int i = 0; i < orc.num_servers(); ++i) {
        ShardSpec s;
        s.name = orc.shard_name(i);
        s.dir = orc.path();
        // Ports are chosen here: shards that share a node (fewer nodes than shards) need their own.
        s.port = o.port == 0 ? pick_free_port() : o.port + i;
        s.cluster = o.db_nodes > 1;
        s.module_args = module_args;
        s.secrets_dir = orc.secrets_dir();
        s.tls = orc.uses_tls();
        RunSettings rs;
        rs.run_command = "srun";
        rs.exe = cli;
        rs.exe_args = {
            "run-shard", "--name",   s.name, "--dir", s.dir, "--port", std::to_string(s.port),
            "--ifname",  o.interface};
        if (s.cluster) rs.exe_args.push_back("--cluster");
        // A path on the shared file system (the secrets stay in their files).
        if (!s.secrets_dir.empty())
            rs.exe_args.insert(rs.exe_args.end(), {"--secrets", s.secrets_dir});
        for (std::size_t k = 0; k + 1 < module_args.size(); k += 2)
            rs.exe_args.insert(rs.exe_args.end(),
                               {"--module-arg", module_args[k], module_args[k + 1]});
        rs.run_args = o.run_args;
        rs.run_args["nodes"] = "1";
        rs.run_args["ntasks"] = "1";
        // Only the shard's own CPU: without --exact a step takes every CPU the job has on the
        // node, and the next shard there would wait for it.
        rs.run_args["exact"] = "";
        if (!hosts.empty())
            rs.run_args["nodelist"] =
                hosts[static_cast<std::size_t>(orc.host_index(i, static_cast<int>(hosts.size())))];
        if (!alloc.empty()) rs.run_args["jobid"] = alloc;
        std::vector<std::string> argv = format_srun(rs, {}, "");
        if (o.batch_settings) {
            // Inside the batch job every shard writes its own log.
            argv[1] = "--job-name=" + s.name;
            argv.insert(argv.begin() + 2, {"--output=" + s.dir + "/" + s.name + ".out",
                                           "--error=" + s.dir + "/" + s.name + ".err"});
        }
        fs::remove(fs::path(s.dir) / (s.name + ".out"));
        fs::remove(fs::path(s.dir) / (s.name + ".err"));
        commands.push_back(argv);
        requests.push_back(srun_request(rs));
        d.shards.push_back(std::move(s));
    }

    try {
        if (o.batch_settings) {
            BatchSettings bs = *o.batch_settings;
            // One shard per node unless told otherwise; as many task slots as shards.
            if (!bs.batch_args.count("nodes") && !bs.batch_args.count("N"))
                bs.batch_args["nodes"] =
                    std::to_string(hosts.empty() ? orc.num_servers()
                                                 : std::min<int>(orc.num_servers(),
                                                                 static_cast<int>(hosts.size())));
            if (!bs.batch_args.count("ntasks") && !bs.batch_args.count("n"))
                bs.batch_args["ntasks"] = std::to_string(orc.num_servers());
            BatchJob job{o.db_identifier,
                         orc.path() + "/" + o.db_identifier + ".out",
                         orc.path() + "/" + o.db_identifier + ".err",
                         orc.path(),
                         commands,
                         {}};
            std::string id =
                launcher.submit(bs, job, orc.path() + "/" + o.db_identifier + ".sbatch");
            for (std::size_t i = 0; i < d.shards.size(); ++i) {
                d.step_ids.push_back(id);
                on_launch(i, id);
            }
        } else {
            for (std::size_t i = 0; i < d.shards.size(); ++i) {
                Step step;
                step.name = d.shards[i].name;
                step.argv = commands[i];
                step.request = requests[i];
                step.cwd = d.shards[i].dir;
                step.out_path = d.shards[i].dir + "/" + step.name + ".out";
                step.err_path = d.shards[i].dir + "/" + step.name + ".err";
                d.step_ids.push_back(launcher.launch(step));
                on_launch(i, d.step_ids.back());
            }
        }
        // Addresses as the shards report them, then PONG from each.
        auto deadline = std::chrono::steady_clock::now() + timeout;
        auto next_note = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        for (std::size_t i = 0; i < d.shards.size(); ++i) {
            auto& s = d.shards[i];
            const DbAuth auth = s.auth();  // read once, not at every poll
            std::string log = s.dir + "/" + s.name + ".out";
            for (;;) {
                std::string line = info_line(log);
                if (!line.empty()) {
                    std::string host = word(line, "host"), port = word(line, "port");
                    if (host.empty() || port.empty())
                        throw LaunchError("database shard " + s.name +
                                          " printed a bad line: " + line);
                    s.bind = {host};
                    s.port = std::stoi(port);
                    auto r = db_command(s.address(), {"PING"}, 300, auth);
                    if (r && r->is_status("PONG")) break;
                }
                StepStatus st = launcher.status(d.step_ids[i]);
                if (is_terminal(st.status))
                    throw LaunchError("database shard " + s.name + " ended during start-up (" +
                                      to_string(st.status) + ", code " +
                                      std::to_string(st.returncode.value_or(-1)) +
                                      "); its log ends:\n" + shard_log_tail(s));
                auto now = std::chrono::steady_clock::now();
                if (now > deadline)
                    throw LaunchTimeoutError(
                        "database shard " + s.name + " did not " +
                        (line.empty() ? "report its address" : "answer PING at " + s.address()) +
                        " within " + std::to_string(timeout.count() / 1000) + " s (" +
                        to_string(st.status) + (st.message.empty() ? "" : ": " + st.message) +
                        "); its log ends:\n" + shard_log_tail(s));
                if (now > next_note) {
                    log_info("waiting for database shard " + s.name + " (" + to_string(st.status) +
                             (st.message.empty() ? "" : ": " + st.message) + ")");
                    next_note = now + std::chrono::seconds(5);
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        }
        for (const auto& s : d.shards) d.addresses.push_back(s.address());
        if (d.shards.size() > 1) {
            const DbAuth auth = d.shards[0].auth();
            form_cluster(d.addresses, d.primaries, auth);
            verify_cluster(d.addresses, d.primaries, auth);
        }
    } catch (...) {
        shut_down(launcher, d);
        d.addresses.clear();
        throw;
    }
}

int run_shard(const std::vector<std::string>& args) {
    ShardSpec s;
    std::string ifname = "lo";
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size()) throw ConfigError(a + " needs a value");
            return args[++i];
        };
        if (a == "--name")
            s.name = value();
        else if (a == "--dir")
            s.dir = value();
        else if (a == "--port")
            s.port = std::stoi(value());
        else if (a == "--ifname")
            ifname = value();
        else if (a == "--cluster")
            s.cluster = true;
        else if (a == "--debug")
            s.debug = true;
        else if (a == "--secrets")
            s.secrets_dir = value();
        else if (a == "--module-arg") {
            std::string k = value();
            s.module_args.insert(s.module_args.end(), {k, value()});
        } else
            throw ConfigError("run-shard: unknown option " + a);
    }
    if (s.name.empty() || s.dir.empty() || s.port <= 0)
        throw ConfigError("run-shard needs --name, --dir and --port");
    std::string ip = interface_address(ifname);
    s.bind = {ip};
    if (!port_is_free(ip, s.port))
        throw LaunchError("database shard " + s.name + ": port " + std::to_string(s.port) + " on " +
                          ip + " (node " + node_name() + ") is already in use");
    if (s.cluster)
        fs::remove(fs::path(s.dir) / ("nodes-" + s.name + "-" + std::to_string(s.port) + ".conf"));
    std::vector<std::string> argv = server_argv(write_server_config(s));
    std::printf("%sname=%s host=%s port=%d node=%s\n", k_info, s.name.c_str(), ip.c_str(), s.port,
                node_name().c_str());
    std::fflush(stdout);
    std::string exe = find_executable(argv[0]);
    if (exe.empty()) throw LaunchError("server binary not found: " + argv[0]);
    std::vector<char*> cargv;
    for (auto& w : argv) cargv.push_back(w.data());
    cargv.push_back(nullptr);
    // The server replaces this process: Slurm's signals and SHUTDOWN reach it directly.
    ::execv(exe.c_str(), cargv.data());
    throw LaunchError("cannot run " + exe + ": " + std::strerror(errno));
}

}  // namespace insitu::launch
