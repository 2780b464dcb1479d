#include "launch/colocated.h"

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
#include <set>
#include <stdexcept>
#include <thread>

#include "launch/db_command.h"
#include "launch/db_objects.h"
#include "launch/install_paths.h"
#include "launch/launchers/local.h"
#include "launch/log.h"
#include "launch/netif.h"
#include "launch/shard.h"

namespace fs = std::filesystem;

namespace insitu::launch {
namespace {

volatile sig_atomic_t g_signal = 0;
volatile pid_t g_app_pid = -1;

void on_signal(int sig) {
    g_signal = sig;
    if (g_app_pid > 0) ::kill(g_app_pid, sig);
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
        throw std::runtime_error(std::string("cannot pin the ") + what + " to CPUs " +
                                 format_cpu_list(cpus) + ": " + std::strerror(errno));
}

void write_file_atomically(const std::string& path, const std::string& text) {
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << text;
    }
    fs::rename(tmp, path);
}

std::string join_args(const std::vector<std::string>& v, std::size_t from) {
    std::string s;
    for (std::size_t i = from; i < v.size(); ++i) s += (i > from ? " " : "") + v[i];
    return s;
}

}  // namespace

std::vector<int> parse_cpu_list(const std::string& s) {
    std::set<int> cpus;
    std::size_t pos = 0;
    while (pos < s.size()) {
        auto comma = s.find(',', pos);
        std::string part = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (!part.empty()) {
            auto dash = part.find('-');
            int lo = std::stoi(part.substr(0, dash));
            int hi = dash == std::string::npos ? lo : std::stoi(part.substr(dash + 1));
            if (lo < 0 || hi < lo) throw std::invalid_argument("bad CPU list: " + s);
            for (int c = lo; c <= hi; ++c) cpus.insert(c);
        }
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return {cpus.begin(), cpus.end()};
}

std::string format_cpu_list(const std::vector<int>& cpus) {
    std::string out;
    for (std::size_t i = 0; i < cpus.size();) {
        std::size_t j = i;
        while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
        out += (out.empty() ? "" : ",") + std::to_string(cpus[i]);
        if (j > i) out += "-" + std::to_string(cpus[j]);
        i = j + 1;
    }
    return out;
}

std::string insitu_cli_path() {
    if (const char* v = std::getenv("INSITU_CLI"); v && *v) {
        if (::access(v, X_OK) != 0) throw std::runtime_error(std::string("INSITU_CLI is not executable: ") + v);
        return v;
    }
    std::vector<fs::path> cands;
    // An installed tree, wherever it was moved: <bindir>/insitu as seen from this library.
    if (std::string installed = installed_cli_path(); !installed.empty()) cands.emplace_back(installed);
#ifdef INSITU_CLI_BUILD_PATH
    cands.emplace_back(INSITU_CLI_BUILD_PATH);
#endif
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        cands.push_back(exe.parent_path() / "insitu");
        cands.push_back(exe.parent_path().parent_path() / "insitu");
        cands.push_back(exe.parent_path().parent_path().parent_path() / "insitu");
    }
    for (const auto& c : cands)
        if (fs::is_regular_file(c) && ::access(c.c_str(), X_OK) == 0) return c.string();
    std::string p = find_executable("insitu");
    if (!p.empty()) return p;
    throw std::runtime_error("the insitu executable (for co-located databases) was not found; set INSITU_CLI");
}

std::string colocated_address(const ColocatedSettings& s) {
    return s.unix_socket.empty() ? "127.0.0.1:" + std::to_string(s.port) : "unix://" + s.unix_socket;
}

std::vector<std::string> colocated_wrapper_argv(const ColocatedSettings& s, const std::string& lock_key,
                                                const std::string& dir, const std::string& db_name,
                                                const std::string& manifest,
                                                const std::string& status_file,
                                                const std::string& entity) {
    std::vector<std::string> a = {insitu_cli_path(), "run-colocated", "--name", db_name, "--dir",
                                  fs::absolute(dir).string(), "--lock", lock_key};
    if (!manifest.empty())
        a.insert(a.end(), {"--db-objects", manifest, "--status-file", status_file, "--entity", entity});
    if (s.unix_socket.empty()) {
        a.insert(a.end(), {"--port", std::to_string(s.port), "--ifname", s.ifname});
    } else {
        a.insert(a.end(), {"--unix-socket", s.unix_socket, "--socket-perm",
                           std::to_string(s.socket_permissions)});
    }
    a.insert(a.end(), {"--db-cpus", std::to_string(s.db_cpus)});
    a.insert(a.end(), {"--ssdb-var", s.db_identifier.empty() ? "SSDB" : "SSDB_" + s.db_identifier});
    if (s.custom_pinning) {
        if (s.custom_pinning->empty()) a.push_back("--no-pinning");
        else a.insert(a.end(), {"--pinning", format_cpu_list(*s.custom_pinning)});
    }
    if (s.debug) a.push_back("--debug");
    if (s.limit_app_cpus) a.push_back("--limit-app-cpus");
    for (const auto& [k, v] : s.db_args) {
        std::string upper;
        for (char c : k) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (upper == "THREADS_PER_QUEUE" || upper == "INTER_OP_PARALLELISM" ||
            upper == "INTRA_OP_PARALLELISM") {
            a.insert(a.end(), {"--module-arg", upper, v});
        } else {
            std::string dashed = k;
            std::replace(dashed.begin(), dashed.end(), '_', '-');
            a.insert(a.end(), {"--server-arg", dashed, v});
        }
    }
    a.push_back("--");
    return a;
}

int run_colocated(const std::vector<std::string>& args) {
    ShardSpec spec;
    std::string lock_key;
    int db_cpus = 1;
    std::optional<std::vector<int>> pinning;
    bool limit_app = false;
    std::string ifname = "lo";
    std::string manifest, status_file, entity;
    std::string ssdb_var;
    std::size_t i = 0;
    auto value = [&](const std::string& opt) -> std::string {
        if (i + 1 >= args.size()) throw std::invalid_argument(opt + " needs a value");
        return args[++i];
    };
    for (; i < args.size() && args[i] != "--"; ++i) {
        const std::string& o = args[i];
        if (o == "--name") spec.name = value(o);
        else if (o == "--dir") spec.dir = value(o);
        else if (o == "--lock") lock_key = value(o);
        else if (o == "--port") spec.port = std::stoi(value(o));
        else if (o == "--ifname") ifname = value(o);
        else if (o == "--unix-socket") spec.unix_socket = value(o);
        else if (o == "--socket-perm") spec.socket_permissions = std::stoi(value(o));
        else if (o == "--db-cpus") db_cpus = std::stoi(value(o));
        else if (o == "--ssdb-var") ssdb_var = value(o);
        else if (o == "--pinning") pinning = parse_cpu_list(value(o));
        else if (o == "--no-pinning") pinning = std::vector<int>{};
        else if (o == "--debug") spec.debug = true;
        else if (o == "--db-objects") manifest = value(o);
        else if (o == "--status-file") status_file = value(o);
        else if (o == "--entity") entity = value(o);
        else if (o == "--limit-app-cpus") limit_app = true;
        else if (o == "--module-arg") {
            spec.module_args.push_back(value(o));
            spec.module_args.push_back(value(o));
        } else if (o == "--server-arg") {
            std::string k = value(o);
            spec.extra.emplace_back(k, value(o));
        } else throw std::invalid_argument("run-colocated: unknown option " + o);
    }
    if (i >= args.size() || i + 1 >= args.size())
        throw std::invalid_argument("run-colocated: no application after --");
    std::vector<std::string> app(args.begin() + static_cast<long>(i) + 1, args.end());
    if (spec.name.empty() || spec.dir.empty() || lock_key.empty())
        throw std::invalid_argument("run-colocated needs --name, --dir and --lock");
    if (spec.port == 0 && spec.unix_socket.empty())
        throw std::invalid_argument("run-colocated needs --port or --unix-socket");

    // Signals (from the launcher stopping the job, or mpirun) reach the application; the wrapper
    // then stops the database. If our parent dies, we get SIGTERM and do the same.
    struct sigaction sa{};
    sa.sa_handler = on_signal;
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) ::sigaction(s, &sa, nullptr);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);

    // CPU sets: the database on the first db_cpus CPUs we may use (or the given ones), the
    // application on the others when asked to.
    std::vector<int> allowed = allowed_cpus();
    std::vector<int> db_set;
    if (!pinning) {
        if (static_cast<std::size_t>(db_cpus) > allowed.size())
            throw std::invalid_argument("db_cpus " + std::to_string(db_cpus) + " > the " +
                                        std::to_string(allowed.size()) + " CPUs available");
        db_set.assign(allowed.begin(), allowed.begin() + db_cpus);
    } else {
        db_set = *pinning;
    }
    std::vector<int> app_set = allowed;
    if (limit_app) {
        app_set.clear();
        for (int c : allowed)
            if (std::find(db_set.begin(), db_set.end(), c) == db_set.end()) app_set.push_back(c);
        if (app_set.empty())
            throw std::invalid_argument("limit_app_cpus: no CPU left for the application (available " +
                                        format_cpu_list(allowed) + ", database " +
                                        format_cpu_list(db_set) + ")");
    }

    // The node this wrapper runs on: Slurm's node name (several emulated nodes may share a host),
    // else the host name. A socket path's "%h" becomes it, and the application gets that address.
    std::string node;
    if (const char* n = std::getenv("SLURMD_NODENAME"); n && *n) node = n;
    else {
        char h[256] = {};
        ::gethostname(h, sizeof h - 1);
        node = h;
    }
    for (auto p = spec.unix_socket.find("%h"); p != std::string::npos; p = spec.unix_socket.find("%h"))
        spec.unix_socket.replace(p, 2, node);
    // Emulated Slurm nodes (and nodes on a shared file system) write their database's config and
    // logs into the same run directory: one set per node.
    const std::string db_name = spec.name;
    if (std::getenv("SLURMD_NODENAME")) spec.name += "-" + node;

    // One database per node: the first wrapper to lock starts it. Every wrapper holds a shared
    // lock on the users file while its application runs; the owner waits for an exclusive lock
    // (every other application done) before stopping the database. flock locks vanish with their
    // process, so a crash leaves no stale lock.
    std::string tmp = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
    std::string base = tmp + "/insitu-colocated-" + lock_key + "-" + node;
    int owner_fd = ::open((base + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    int users_fd = ::open((base + ".users").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (owner_fd < 0 || users_fd < 0) throw std::runtime_error("cannot create lock files " + base + ".*");
    bool owner = ::flock(owner_fd, LOCK_EX | LOCK_NB) == 0;
    ::flock(users_fd, LOCK_SH);

    LocalLauncher launcher;
    std::string db_step;
    std::string objects_error;
    if (spec.port != 0) {
        spec.bind = {"127.0.0.1"};
        if (ifname != "lo") {
            std::string extra = interface_address(ifname);
            if (extra != "127.0.0.1") spec.bind.push_back(extra);
        }
    }
    if (owner) {
        if (!spec.unix_socket.empty()) fs::remove(spec.unix_socket);
        if (!db_set.empty()) set_affinity(db_set, "database");
        db_step = launch_shard(launcher, spec);
        wait_for_shard(launcher, db_step, spec, std::chrono::seconds(30));
        set_affinity(allowed, "wrapper");
        std::printf("insitu run-colocated: database pid %d on %s, cpus %s\n",
                    static_cast<int>(launcher.pid(db_step)), spec.address().c_str(),
                    db_set.empty() ? "(not pinned)" : format_cpu_list(db_set).c_str());
        std::fflush(stdout);
        if (!manifest.empty()) {
            std::string result = "ok\n";
            try {
                DBObjects objs = read_db_manifest(manifest);
                preload_backends({spec.address()}, backends_needed(objs.models, objs.scripts));
                store_db_objects({spec.address()}, entity.empty() ? db_name : entity, objs.models,
                                 objs.scripts);
                std::printf("insitu run-colocated: stored %zu model(s) and %zu script(s)\n",
                            objs.models.size(), objs.scripts.size());
                std::fflush(stdout);
            } catch (const std::exception& e) {
                objects_error = e.what();
                result = "error: " + objects_error + "\n";
                std::fprintf(stderr, "insitu run-colocated: error: %s\n", e.what());
            }
            write_file_atomically(base + ".ready", result);
            if (!status_file.empty()) write_file_atomically(status_file, result);
        }
    } else {
        // Another rank starts it: wait until it answers (the client would retry anyway), and
        // until its models and scripts are stored.
        for (int t = 0; t < 300 && !g_signal; ++t) {
            auto r = db_command(spec.address(), {"PING"}, 200);
            if (r && r->is_status("PONG")) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (!manifest.empty()) {
            for (int t = 0; t < 3000 && !g_signal && !fs::exists(base + ".ready"); ++t)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            std::ifstream in(base + ".ready");
            std::string first;
            std::getline(in, first);
            if (first != "ok") objects_error = first.empty() ? "the database did not load its models" : first;
        }
    }

    std::string ssdb_address = spec.address();
    int code = 0;
    if (!objects_error.empty()) {
        code = 1;
    } else if (!g_signal) {
        if (limit_app) set_affinity(app_set, "application");
        pid_t pid = ::fork();
        if (pid < 0) throw std::runtime_error("fork failed");
        if (pid == 0) {
            // Same process group as the wrapper, so stopping the job's group reaches it too.
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            struct sigaction dfl{};
            dfl.sa_handler = SIG_DFL;
            for (int s : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) ::sigaction(s, &dfl, nullptr);
            if (!ssdb_var.empty()) ::setenv(ssdb_var.c_str(), ssdb_address.c_str(), 1);
            std::vector<char*> argv;
            for (auto& a : app) argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            ::execvp(argv[0], argv.data());
            std::fprintf(stderr, "insitu run-colocated: cannot run %s: %s\n", app[0].c_str(),
                         std::strerror(errno));
            ::_exit(127);
        }
        g_app_pid = pid;
        if (g_signal) ::kill(pid, g_signal);
        int st = 0;
        while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        g_app_pid = -1;
        code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (code != 0)
            std::fprintf(stderr, "insitu run-colocated: application %s exited with code %d\n",
                         join_args(app, 0).c_str(), code);
    } else {
        code = 128 + g_signal;
    }

    ::flock(users_fd, LOCK_UN);
    if (owner) {
        // Wait for the other applications on this host, unless we are being stopped.
        while (!g_signal && ::flock(users_fd, LOCK_EX | LOCK_NB) != 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        db_command(spec.address(), {"SHUTDOWN", "NOSAVE"}, 2000);
        if (!launcher.wait(db_step, std::chrono::seconds(5)).returncode)
            launcher.stop(db_step, std::chrono::seconds(2));
        if (!spec.unix_socket.empty()) fs::remove(spec.unix_socket);
        std::printf("insitu run-colocated: database stopped\n");
        ::unlink((base + ".users").c_str());
        ::unlink((base + ".ready").c_str());
        ::unlink((base + ".lock").c_str());
    }
    ::close(users_fd);
    ::close(owner_fd);
    return code;
}

}  // namespace insitu::launch
