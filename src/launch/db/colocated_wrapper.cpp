// `insitu run-colocated`: the wrapper around each application process of a co-located launch,
// in the order it runs: parse its options, take over signals, plan CPU sets, name the node, join
// the node's database (starting it if first), run the application, stop the database if last.
#include <insitu/launch_errors.h>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <thread>

#include "core/temp_dir.h"
#include "launch/db/acl_users.h"
#include "launch/db/colocated.h"
#include "launch/db/db_command.h"
#include "launch/db/db_objects.h"
#include "launch/db/shard.h"
#include "launch/launchers/local/local_launcher.h"
#include "launch/os/netif.h"

namespace fs = std::filesystem;

namespace insitu::launch {
namespace {

volatile sig_atomic_t g_signal = 0;
volatile pid_t g_app_pid = -1;

void on_signal(int sig) {
    g_signal = sig;
    if (g_app_pid > 0) ::kill(g_app_pid, sig);
}

// What colocated_wrapper_argv() wrote on the command line.
struct WrapperOptions {
    ShardSpec spec;
    std::string lock_key;
    int db_cpus = 1;
    std::optional<std::vector<int>> pinning;  // empty: not pinned
    bool limit_app = false;
    std::string ifname = "lo";
    std::string manifest, status_file, entity;
    std::string ssdb_var;
    std::vector<std::string> app;
};

WrapperOptions parse_options(const std::vector<std::string>& args) {
    WrapperOptions w;
    ShardSpec& spec = w.spec;
    std::size_t i = 0;
    auto value = [&](const std::string& opt) -> std::string {
        if (i + 1 >= args.size()) throw ConfigError(opt + " needs a value");
        return args[++i];
    };
    for (; i < args.size() && args[i] != "--"; ++i) {
        const std::string& o = args[i];
        if (o == "--name")
            spec.name = value(o);
        else if (o == "--dir")
            spec.dir = value(o);
        else if (o == "--lock")
            w.lock_key = value(o);
        else if (o == "--port")
            spec.port = std::stoi(value(o));
        else if (o == "--ifname")
            w.ifname = value(o);
        else if (o == "--unix-socket")
            spec.unix_socket = value(o);
        else if (o == "--socket-perm")
            spec.socket_permissions = std::stoi(value(o));
        else if (o == "--db-cpus")
            w.db_cpus = std::stoi(value(o));
        else if (o == "--ssdb-var")
            w.ssdb_var = value(o);
        else if (o == "--pinning")
            w.pinning = parse_cpu_list(value(o));
        else if (o == "--no-pinning")
            w.pinning = std::vector<int>{};
        else if (o == "--debug")
            spec.debug = true;
        else if (o == "--db-objects")
            w.manifest = value(o);
        else if (o == "--status-file")
            w.status_file = value(o);
        else if (o == "--entity")
            w.entity = value(o);
        else if (o == "--secrets")
            spec.secrets_dir = value(o);
        else if (o == "--limit-app-cpus")
            w.limit_app = true;
        else if (o == "--module-arg") {
            spec.module_args.push_back(value(o));
            spec.module_args.push_back(value(o));
        } else if (o == "--server-arg") {
            std::string k = value(o);
            spec.extra.emplace_back(k, value(o));
        } else
            throw ConfigError("run-colocated: unknown option " + o);
    }
    if (i >= args.size() || i + 1 >= args.size())
        throw ConfigError("run-colocated: no application after --");
    w.app.assign(args.begin() + static_cast<long>(i) + 1, args.end());
    if (spec.name.empty() || spec.dir.empty() || w.lock_key.empty())
        throw ConfigError("run-colocated needs --name, --dir and --lock");
    if (spec.port == 0 && spec.unix_socket.empty())
        throw ConfigError("run-colocated needs --port or --unix-socket");
    return w;
}

// Signals (from the launcher stopping the job, or mpirun) reach the application; the wrapper then
// stops the database. If our parent dies, we get SIGTERM and do the same.
void forward_signals() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) ::sigaction(s, &sa, nullptr);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
}

std::vector<int> allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> out;
    if (::sched_getaffinity(0, sizeof set, &set) != 0) return out;
    for (int c = 0; c < CPU_SETSIZE; ++c)
        if (CPU_ISSET(c, &set)) out.push_back(c);
    return out;
}

void set_affinity(const std::vector<int>& cpus, const char* what) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int c : cpus) CPU_SET(c, &set);
    if (::sched_setaffinity(0, sizeof set, &set) != 0)
        throw LaunchError(std::string("cannot pin the ") + what + " to CPUs " +
                          format_cpu_list(cpus) + ": " + std::strerror(errno));
}

struct CpuPlan {
    std::vector<int> allowed;  // what this wrapper may use
    std::vector<int> db;       // empty: the database is not pinned
    std::vector<int> app;
};

// The database on the first db_cpus CPUs we may use (or the given ones), the application on the
// others when asked to.
CpuPlan plan_cpus(const WrapperOptions& w) {
    CpuPlan p;
    p.allowed = allowed_cpus();
    if (!w.pinning) {
        if (static_cast<std::size_t>(w.db_cpus) > p.allowed.size())
            throw ConfigError("db_cpus " + std::to_string(w.db_cpus) + " > the " +
                              std::to_string(p.allowed.size()) + " CPUs available");
        p.db.assign(p.allowed.begin(), p.allowed.begin() + w.db_cpus);
    } else {
        p.db = *w.pinning;
    }
    p.app = p.allowed;
    if (w.limit_app) {
        p.app.clear();
        for (int c : p.allowed)
            if (std::find(p.db.begin(), p.db.end(), c) == p.db.end()) p.app.push_back(c);
        if (p.app.empty())
            throw ConfigError("limit_app_cpus: no CPU left for the application (available " +
                              format_cpu_list(p.allowed) + ", database " + format_cpu_list(p.db) +
                              ")");
    }
    return p;
}

// Slurm's node name (several emulated nodes may share a host), else the host name.
std::string node_name() {
    if (const char* n = std::getenv("SLURMD_NODENAME"); n && *n) return n;
    char h[256] = {};
    ::gethostname(h, sizeof h - 1);
    return h;
}

// A socket path's "%h" becomes the node's name, and the application gets that address. Emulated
// Slurm nodes (and nodes on a shared file system) write their database's config and logs into the
// same run directory: one set per node. TCP databases also listen on the named interface.
void place_on_node(ShardSpec& spec, const std::string& node, const std::string& ifname) {
    for (auto p = spec.unix_socket.find("%h"); p != std::string::npos;
         p = spec.unix_socket.find("%h"))
        spec.unix_socket.replace(p, 2, node);
    if (std::getenv("SLURMD_NODENAME")) spec.name += "-" + node;
    if (spec.port != 0) {
        spec.bind = {"127.0.0.1"};
        if (ifname != "lo") {
            std::string extra = interface_address(ifname);
            if (extra != "127.0.0.1") spec.bind.push_back(extra);
        }
    }
}

// One database per node: the first wrapper to lock starts it. Every wrapper holds a shared lock on
// the users file while its application runs; the owner waits for an exclusive lock (every other
// application done) before stopping the database. flock locks vanish with their process, so a
// crash leaves no stale lock.
class NodeLock {
  public:
    NodeLock(const std::string& lock_key, const std::string& node) {
        base_ = core::temp_dir() + "/insitu-colocated-" + lock_key + "-" + node;
        owner_fd_ = ::open((base_ + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        users_fd_ = ::open((base_ + ".users").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (owner_fd_ < 0 || users_fd_ < 0) {
            close_fds();
            throw LaunchError("cannot create lock files " + base_ + ".*");
        }
        owner_ = ::flock(owner_fd_, LOCK_EX | LOCK_NB) == 0;
        ::flock(users_fd_, LOCK_SH);
    }
    NodeLock(const NodeLock&) = delete;
    NodeLock& operator=(const NodeLock&) = delete;
    ~NodeLock() { close_fds(); }

    bool owner() const { return owner_; }
    // Written by the owner once the models and scripts are stored: "ok" or "error: <why>".
    std::string ready_file() const { return base_ + ".ready"; }
    void release_use() { ::flock(users_fd_, LOCK_UN); }
    // The owner's wait for every other application on this node, unless we are being stopped.
    void wait_for_other_users() {
        while (!g_signal && ::flock(users_fd_, LOCK_EX | LOCK_NB) != 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    void remove_files() {
        for (const char* ext : {".users", ".ready", ".lock"}) ::unlink((base_ + ext).c_str());
    }

  private:
    void close_fds() {
        if (users_fd_ >= 0) ::close(users_fd_);
        if (owner_fd_ >= 0) ::close(owner_fd_);
        users_fd_ = owner_fd_ = -1;
    }
    std::string base_;
    int owner_fd_ = -1, users_fd_ = -1;
    bool owner_ = false;
};

void write_file_atomically(const std::string& path, const std::string& text) {
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << text;
    }
    fs::rename(tmp, path);
}

// Stores the manifest's models and scripts; returns the error, empty on success. The result goes
// to the node's ready file (for the other wrappers) and the driver's status file.
std::string store_objects(const WrapperOptions& w, const std::string& db_name,
                          const NodeLock& lock) {
    std::string error;
    try {
        DBObjects objs = read_db_manifest(w.manifest);
        DbAuth auth = w.spec.auth();
        preload_backends({w.spec.address()}, backends_needed(objs.models, objs.scripts), auth);
        store_db_objects({w.spec.address()}, w.entity.empty() ? db_name : w.entity, objs.models,
                         objs.scripts, auth);
        std::printf("insitu run-colocated: stored %zu model(s) and %zu script(s)\n",
                    objs.models.size(), objs.scripts.size());
        std::fflush(stdout);
    } catch (const std::exception& e) {
        error = e.what();
        std::fprintf(stderr, "insitu run-colocated: error: %s\n", e.what());
    }
    std::string result = error.empty() ? "ok\n" : "error: " + error + "\n";
    write_file_atomically(lock.ready_file(), result);
    if (!w.status_file.empty()) write_file_atomically(w.status_file, result);
    return error;
}

// The owner's part: start the database on its CPUs and store its models and scripts. Returns the
// database's step and the objects' error (empty on success).
std::pair<std::string, std::string> start_database(LocalLauncher& launcher, const WrapperOptions& w,
                                                   const CpuPlan& cpus, const std::string& db_name,
                                                   const NodeLock& lock) {
    const ShardSpec& spec = w.spec;
    // A secure database's socket folder: owner only (colocated_socket_path()).
    if (!spec.unix_socket.empty() && !spec.secrets_dir.empty())
        make_private_dir(fs::path(spec.unix_socket).parent_path().string());
    if (!spec.unix_socket.empty()) fs::remove(spec.unix_socket);
    // The server inherits the affinity it is spawned with; the wrapper then takes all back.
    if (!cpus.db.empty()) set_affinity(cpus.db, "database");
    std::string step = launch_shard(launcher, spec);
    wait_for_shard(launcher, step, spec, std::chrono::seconds(30));
    set_affinity(cpus.allowed, "wrapper");
    std::printf("insitu run-colocated: database pid %d on %s, cpus %s\n",
                static_cast<int>(launcher.pid(step)), spec.address().c_str(),
                cpus.db.empty() ? "(not pinned)" : format_cpu_list(cpus.db).c_str());
    std::fflush(stdout);
    std::string error = w.manifest.empty() ? "" : store_objects(w, db_name, lock);
    return {step, error};
}

// Another wrapper starts the database: wait until it answers (the client would retry anyway), and
// until its models and scripts are stored. Returns the objects' error, empty on success.
std::string join_database(const WrapperOptions& w, const NodeLock& lock) {
    DbAuth auth = w.spec.auth();
    for (int t = 0; t < 300 && !g_signal; ++t) {
        auto r = db_command(w.spec.address(), {"PING"}, 200, auth);
        if (r && r->is_status("PONG")) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (w.manifest.empty()) return "";
    for (int t = 0; t < 3000 && !g_signal && !fs::exists(lock.ready_file()); ++t)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream in(lock.ready_file());
    std::string first;
    std::getline(in, first);
    if (first == "ok") return "";
    return first.empty() ? "the database did not load its models" : first;
}

std::string join_args(const std::vector<std::string>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? " " : "") + v[i];
    return s;
}

// Runs the application with the database's address in its environment; returns its exit code
// (128+signal if it was killed).
int run_application(const WrapperOptions& w, const CpuPlan& cpus) {
    if (w.limit_app) set_affinity(cpus.app, "application");
    const std::string address = w.spec.address();
    pid_t pid = ::fork();
    if (pid < 0) throw LaunchError("fork failed");
    if (pid == 0) {
        // Same process group as the wrapper, so stopping the job's group reaches it too.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        for (int s : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) ::sigaction(s, &dfl, nullptr);
        if (!w.ssdb_var.empty()) ::setenv(w.ssdb_var.c_str(), address.c_str(), 1);
        std::vector<char*> argv;
        for (const auto& a : w.app) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execvp(argv[0], argv.data());
        std::fprintf(stderr, "insitu run-colocated: cannot run %s: %s\n", w.app[0].c_str(),
                     std::strerror(errno));
        ::_exit(127);
    }
    g_app_pid = pid;
    if (g_signal) ::kill(pid, g_signal);
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    g_app_pid = -1;
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (code != 0)
        std::fprintf(stderr, "insitu run-colocated: application %s exited with code %d\n",
                     join_args(w.app).c_str(), code);
    return code;
}

void stop_database(LocalLauncher& launcher, const std::string& step, const ShardSpec& spec) {
    DbAuth auth;
    try {
        auth = spec.auth();
    } catch (const std::exception&) {  // secrets gone: the launcher's stop follows
    }
    db_command(spec.address(), {"SHUTDOWN", "NOSAVE"}, 2000, auth);
    if (!launcher.wait(step, std::chrono::seconds(5)).returncode)
        launcher.stop(step, std::chrono::seconds(2));
    if (!spec.unix_socket.empty()) fs::remove(spec.unix_socket);
    std::printf("insitu run-colocated: database stopped\n");
}

}  // namespace

int run_colocated(const std::vector<std::string>& args) {
    WrapperOptions w = parse_options(args);
    forward_signals();
    const CpuPlan cpus = plan_cpus(w);
    const std::string node = node_name();
    const std::string db_name = w.spec.name;
    place_on_node(w.spec, node, w.ifname);

    NodeLock lock(w.lock_key, node);
    LocalLauncher launcher;
    std::string db_step, objects_error;
    if (lock.owner())
        std::tie(db_step, objects_error) = start_database(launcher, w, cpus, db_name, lock);
    else
        objects_error = join_database(w, lock);

    int code = 0;
    if (!objects_error.empty())
        code = 1;
    else if (!g_signal)
        code = run_application(w, cpus);
    else
        code = 128 + g_signal;

    lock.release_use();
    if (lock.owner()) {
        lock.wait_for_other_users();
        stop_database(launcher, db_step, w.spec);
        lock.remove_files();
    }
    return code;
}

}  // namespace insitu::launch
