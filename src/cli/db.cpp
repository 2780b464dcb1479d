// `insitu db start|stop|status`: a database outside any driver, for interactive work. `start`
// detaches a small supervisor process that owns the shards (so they still die with it) and
// prints the SSDB line to export; `stop` asks the supervisor to shut them down.
#include <insitu/experiment.h>
#include <insitu/launch_errors.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "launch/db/db_command.h"

namespace fs = std::filesystem;

namespace insitu::cli {
namespace {

struct DbOptions {
    int port = 6379;
    int shards = 1;
    std::string interface = "lo";
    std::string dir;
    bool foreground = false;
};

DbOptions parse(const std::vector<std::string>& args, std::size_t from) {
    DbOptions o;
    o.dir = (fs::temp_directory_path() / ("insitu-db-" + std::to_string(::getuid()))).string();
    for (std::size_t i = from; i < args.size(); ++i) {
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size()) throw ConfigError(args[i] + " needs a value");
            return args[++i];
        };
        if (args[i] == "--port")
            o.port = std::stoi(value());
        else if (args[i] == "--shards")
            o.shards = std::stoi(value());
        else if (args[i] == "--interface")
            o.interface = value();
        else if (args[i] == "--dir")
            o.dir = value();
        else if (args[i] == "--foreground")
            o.foreground = true;
        else
            throw ConfigError("unknown db option " + args[i]);
    }
    o.dir = fs::absolute(o.dir).string();
    return o;
}

std::string state_path(const DbOptions& o) {
    return o.dir + "/insitu-db.state";
}

std::map<std::string, std::string> read_state(const DbOptions& o) {
    std::map<std::string, std::string> st;
    std::ifstream in(state_path(o));
    for (std::string line; std::getline(in, line);) {
        auto eq = line.find('=');
        if (eq != std::string::npos) st[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return st;
}

std::string export_lines(const std::string& ssdb, int shards) {
    return "export SSDB=" + ssdb +
           "\nexport SR_DB_TYPE=" + (shards > 1 ? "Clustered" : "Standalone") + "\n";
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
        auto db = exp.create_database(o.port, o.shards, o.interface);
        exp.start(db);
        for (const auto& a : db->get_address()) ssdb += (ssdb.empty() ? "" : ",") + a;
        {
            std::ofstream st(state_path(o), std::ios::trunc);
            st << "pid=" << ::getpid() << "\nssdb=" << ssdb << "\nshards=" << o.shards << "\n";
        }
        report(true, ssdb);
        while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
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
    fs::create_directories(o.dir);
    auto st = read_state(o);
    if (!st.empty() && ::kill(std::stoi(st["pid"]), 0) == 0)
        throw LaunchError("a database already runs from " + o.dir + " (SSDB=" + st["ssdb"] +
                          "); insitu db stop --dir " + o.dir);
    if (o.foreground) {
        return supervise(o, [&](bool ok, const std::string& text) {
            if (ok)
                std::printf("%s(Ctrl-C stops the database)\n",
                            export_lines(text, o.shards).c_str());
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
    std::printf("%s", export_lines(msg.substr(3), o.shards).c_str());
    std::fprintf(stderr, "insitu db: supervisor pid %d, logs in %s; stop with: insitu db stop%s\n",
                 static_cast<int>(pid), o.dir.c_str(),
                 o.dir == parse({}, 0).dir ? "" : (" --dir " + o.dir).c_str());
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
    std::printf("insitu db: supervisor pid %s, %d shard%s\n", st["pid"].c_str(), shards,
                shards > 1 ? "s" : "");
    int down = 0;
    std::string ssdb = st["ssdb"];
    for (std::size_t pos = 0; pos <= ssdb.size();) {
        auto comma = ssdb.find(',', pos);
        std::string a =
            ssdb.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        auto r = launch::db_command(a, {"PING"}, 1000);
        bool up = r && r->is_status("PONG");
        down += up ? 0 : 1;
        std::printf("  %-24s %s\n", a.c_str(), up ? "up" : "DOWN");
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    std::printf("%s", export_lines(ssdb, shards).c_str());
    return down == 0 ? 0 : 1;
}

}  // namespace

int db(const std::vector<std::string>& args) {
    if (args.empty()) throw ConfigError("usage: insitu db start|stop|status [options]");
    DbOptions o = parse(args, 1);
    if (args[0] == "start") return start(o);
    if (args[0] == "stop") return stop(o);
    if (args[0] == "status") return status(o);
    throw ConfigError("unknown db command " + args[0] + " (start, stop, status)");
}

}  // namespace insitu::cli
