// `insitu db start|stop|status`: a database outside any driver, for interactive work. `start`
// detaches a small supervisor process that owns the shards (so they still die with it) and
// prints the SSDB line to export; `stop` asks the supervisor to shut them down.
#include <insitu/experiment.h>
#include <insitu/launch_errors.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/temp_dir.h"
#include "launch/db/acl_users.h"
#include "launch/db/db_command.h"
#include "launch/db/tls_files.h"

namespace fs = std::filesystem;

namespace insitu::cli {
namespace {

std::string default_dir() {
    return core::temp_dir() + "/insitu-db-" + std::to_string(::getuid());
}

struct DbOptions {
    std::string command;  // start, stop or status
    int port = 6379;
    int shards = 1;
    int replicas = 0;
    std::string interface = "lo";
    std::string dir = default_dir();
    bool foreground = false;
    bool insecure = false;
    bool tls = false;
};

std::string state_path(const DbOptions& o) {
    return o.dir + "/insitu-db.state";
}

std::map<std::string, std::string> read_state(const DbOptions& o) {
    std::map<std::string, std::string> st;
    // stop signals the pid the state names and status reads the secrets folder it names: only
    // from a folder of this user (the default one sits in a shared /tmp under a guessable name).
    struct stat dir {};
    if (::lstat(o.dir.c_str(), &dir) == 0 && (!S_ISDIR(dir.st_mode) || dir.st_uid != ::geteuid()))
        throw LaunchError(o.dir + " is not a folder of this user; refusing to use its state");
    std::ifstream in(state_path(o));
    for (std::string line; std::getline(in, line);) {
        auto eq = line.find('=');
        if (eq != std::string::npos) st[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return st;
}

// The variables an application needs; `secrets` is the database's secrets folder ("" when
// insecure): the application user's name and password file (never the password).
std::string export_lines(const std::string& ssdb, int shards, const std::string& secrets,
                         bool tls) {
    // TLS: rediss:// addresses and the CA the client verifies them with.
    const std::string ca = tls ? launch::tls_ca_file_of(secrets) : "";
    std::vector<std::string> list;
    for (std::size_t b = 0; b < ssdb.size();) {
        std::size_t e = std::min(ssdb.find(',', b), ssdb.size());
        list.push_back(ssdb.substr(b, e - b));
        b = e + 1;
    }
    std::string out = "export SSDB=" + launch::ssdb_value(list, tls) +
                      "\nexport SR_DB_TYPE=" + (shards > 1 ? "Clustered" : "Standalone") + "\n";
    if (!ca.empty()) out += "export SR_TLS_CA_FILE=" + ca + "\n";
    if (!secrets.empty())
        out += "export SR_DB_USER=app\nexport SR_DB_PASSWORD_FILE=" +
               launch::secret_file(secrets, "app") + "\n";
    return out;
}

volatile sig_atomic_t g_stop = 0;
void on_stop(int) {
    g_stop = 1;
}

// Runs the database until SIGTERM/SIGINT. `report(ok, text)` is called once it is up or failed.
int supervise(const DbOptions& o, const std::function<void(bool, const std::string&)>& report) {
    struct sigaction sa {};
    sa.sa_handler = on_stop;
    for (int s : {SIGTERM, SIGINT, SIGHUP}) ::sigaction(s, &sa, nullptr);
    std::string ssdb;
    try {
        Experiment exp("insitu-db", o.dir);
        auto db = exp.create_database(o.port, o.shards, o.interface, "orchestrator", 0, 0, 0,
                                      o.insecure, o.tls, o.replicas);
        exp.start(db);
        for (const auto& a : db->get_address()) ssdb += (ssdb.empty() ? "" : ",") + a;
        {
            std::ofstream st(state_path(o), std::ios::trunc);
            st << "pid=" << ::getpid() << "\nssdb=" << ssdb << "\nshards=" << o.shards
               << "\nreplicas=" << o.replicas << "\nsecrets=" << db->secrets_dir()
               << "\ntls=" << (o.tls ? 1 : 0) << "\n";
        }
        report(true, ssdb + "\n" + db->secrets_dir());
        // With replicas the database heals itself: a server that died (its replica has taken
        // over) is started again and rejoins as a replica.
        auto next_check = std::chrono::steady_clock::now();
        while (!g_stop) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            if (o.replicas == 0 || std::chrono::steady_clock::now() < next_check) continue;
            next_check = std::chrono::steady_clock::now() + std::chrono::seconds(1);
            try {
                exp.restart_failed_servers(*db);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "insitu db: restarting a server failed: %s\n", e.what());
            }
        }
        exp.stop();
    } catch (const std::exception& e) {
        report(false, e.what());
        fs::remove(state_path(o));
        return 1;
    }
    fs::remove(state_path(o));
    return 0;
}

int start(const DbOptions& o) {
    // Private (0700, this user's, not a symlink): it will hold the state, the logs and the
    // secrets folder, and its default path in /tmp can be guessed by other users.
    launch::make_private_dir(o.dir);
    auto st = read_state(o);
    if (!st.empty() && ::kill(std::stoi(st["pid"]), 0) == 0)
        throw LaunchError("a database already runs from " + o.dir + " (SSDB=" + st["ssdb"] +
                          "); insitu db stop --dir " + o.dir);
    // "<ssdb>\n<secrets dir>" from supervise().
    auto exports = [&](const std::string& text) {
        auto nl = text.find('\n');
        return export_lines(text.substr(0, nl), o.shards,
                            nl == std::string::npos ? "" : text.substr(nl + 1), o.tls);
    };
    if (o.foreground) {
        return supervise(o, [&](bool ok, const std::string& text) {
            if (ok)
                std::printf("%s(Ctrl-C stops the database)\n", exports(text).c_str());
            else
                std::fprintf(stderr, "insitu db start: error: %s\n", text.c_str());
            std::fflush(stdout);
        });
    }
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw LaunchError("pipe failed");
    pid_t pid = ::fork();
    if (pid < 0) throw LaunchError("fork failed");
    if (pid == 0) {
        ::close(fds[0]);
        ::setsid();
        std::string log = o.dir + "/supervisor.log";
        if (!std::freopen(log.c_str(), "a", stdout) || !std::freopen(log.c_str(), "a", stderr))
            ::_exit(1);
        std::freopen("/dev/null", "r", stdin);
        int rc = supervise(o, [&](bool ok, const std::string& text) {
            std::string msg = (ok ? "OK " : "ERR ") + text;
            (void)!::write(fds[1], msg.data(), msg.size());
            ::close(fds[1]);
        });
        ::_exit(rc);
    }
    ::close(fds[1]);
    std::string msg;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
        msg.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    if (msg.rfind("OK ", 0) != 0) {
        std::fprintf(stderr, "insitu db start: error: %s\n",
                     msg.empty() ? "the supervisor died" : msg.substr(4).c_str());
        return 1;
    }
    std::printf("%s", exports(msg.substr(3)).c_str());
    if (o.insecure)
        std::fprintf(stderr,
                     "insitu db: WARNING: no authentication (--insecure): anyone on this node can "
                     "read, overwrite and delete the data\n");
    std::fprintf(stderr, "insitu db: supervisor pid %d, logs in %s; stop with: insitu db stop%s\n",
                 static_cast<int>(pid), o.dir.c_str(),
                 o.dir == fs::absolute(default_dir()).string() ? "" : (" --dir " + o.dir).c_str());
    return 0;
}

int stop(const DbOptions& o) {
    auto st = read_state(o);
    if (st.empty()) {
        std::fprintf(stderr, "insitu db stop: no database runs from %s\n", o.dir.c_str());
        return 1;
    }
    pid_t pid = std::stoi(st["pid"]);
    if (::kill(pid, SIGTERM) != 0) {
        fs::remove(state_path(o));
        std::fprintf(stderr, "insitu db stop: the supervisor (pid %d) was gone\n",
                     static_cast<int>(pid));
        return 1;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (::kill(pid, 0) == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (::kill(pid, 0) == 0) {
        ::kill(pid, SIGKILL);  // its shards die with it (PR_SET_PDEATHSIG)
        fs::remove(state_path(o));
    }
    std::printf("insitu db: stopped (SSDB was %s)\n", st["ssdb"].c_str());
    return 0;
}

int status(const DbOptions& o) {
    auto st = read_state(o);
    if (st.empty() || ::kill(std::stoi(st["pid"]), 0) != 0) {
        std::printf("insitu db: no database runs from %s\n", o.dir.c_str());
        return 1;
    }
    int shards = std::stoi(st["shards"]);
    int replicas = st.count("replicas") ? std::stoi(st["replicas"]) : 0;
    std::printf("insitu db: supervisor pid %s, %d shard%s", st["pid"].c_str(), shards,
                shards > 1 ? "s" : "");
    if (replicas > 0) std::printf(" + %d replica%s each", replicas, replicas > 1 ? "s" : "");
    std::printf("\n");
    int down = 0;
    std::string ssdb = st["ssdb"];
    const bool tls = st["tls"] == "1";
    launch::DbAuth auth = launch::admin_auth(st["secrets"], tls);
    for (std::size_t pos = 0; pos <= ssdb.size();) {
        auto comma = ssdb.find(',', pos);
        std::string a =
            ssdb.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        auto r = launch::db_command(a, {"PING"}, 1000, auth);
        bool up = r && r->is_status("PONG");
        down += up ? 0 : 1;
        std::string role;
        if (up && replicas > 0) {
            // After a failover a replica may be the primary: say what each server is now.
            auto info = launch::db_command(a, {"INFO", "replication"}, 1000, auth);
            std::string text = info ? info->str : "";
            role = text.find("role:master") != std::string::npos  ? " primary"
                   : text.find("role:slave") != std::string::npos ? " replica"
                                                                  : "";
        }
        std::printf("  %-24s %s%s\n", a.c_str(), up ? "up" : "DOWN", role.c_str());
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    std::printf("%s", export_lines(ssdb, shards, st["secrets"], tls).c_str());
    return down == 0 ? 0 : 1;
}

int db(DbOptions o) {
    o.dir = fs::absolute(o.dir).string();
    if (o.command == "start") return start(o);
    if (o.command == "stop") return stop(o);
    return status(o);
}

}  // namespace

std::function<int()> add_db(CLI::App& insitu) {
    auto o = std::make_shared<DbOptions>();
    CLI::App* cmd =
        add_command(insitu, "db", "a database for interactive use (start prints the SSDB line)");
    cmd->add_option("command", o->command, "start, stop or status")
        ->required()
        ->check(CLI::IsMember({"start", "stop", "status"}));
    add_port(*cmd, o->port, "the first shard's TCP port (0: free ports)");
    cmd->add_option("--shards", o->shards,
                    "shards: 1 is a standalone database, 3 or more a cluster")
        ->transform(decimal(1, 16384))
        ->capture_default_str();
    cmd->add_option("--replicas", o->replicas,
                    "replicas per shard (a cluster only): each takes over its shard's data when "
                    "the shard's server fails")
        ->transform(decimal(0, 16))
        ->capture_default_str();
    cmd->add_option("--interface", o->interface, "the network interface the shards listen on")
        ->capture_default_str();
    cmd->add_option("--dir", o->dir, "the database's folder (state, logs); stop and status read it")
        ->capture_default_str();
    cmd->add_flag("--foreground", o->foreground,
                  "start: run in this terminal until Ctrl-C instead of detaching a supervisor");
    cmd->add_flag("--insecure", o->insecure,
                  "start: no authentication (anyone on the node can read and write the data; "
                  "for SmartRedis 0.6 clients)");
    cmd->add_flag("--tls", o->tls,
                  "start: serve TLS only, with a CA generated for this database (clients get "
                  "rediss:// addresses and SR_TLS_CA_FILE)");
    return [o] { return db(*o); };
}

}  // namespace insitu::cli
