#include "slurm_cluster.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "launch/db/local_server.h"
#include "launch/os/process.h"
#include "launch/os/tool.h"
#include "redis_server.h"

namespace fs = std::filesystem;

namespace insitu::testing {

struct SlurmCluster::Daemon {
    std::string name;
    launch::Process proc;
};

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string tail(const std::string& text, std::size_t lines) {
    std::size_t pos = text.size();
    for (std::size_t n = 0; n <= lines && pos > 0; ++n) {
        auto p = text.rfind('\n', pos - 1);
        if (p == std::string::npos) return text;
        pos = p;
    }
    return text.substr(pos);
}

bool port_accepts(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

// Alive in the sense that matters here: not gone and not a zombie (PID 1 in a container may not
// reap re-parented daemons for a while, so kill(pid, 0) would say "alive").
bool live(const std::string& pid) {
    std::string stat = slurp("/proc/" + pid + "/stat");
    auto rp = stat.rfind(')');
    return rp != std::string::npos && rp + 2 < stat.size() && stat[rp + 2] != 'Z';
}

const char* const k_daemons[] = {"/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd"};

}  // namespace

bool SlurmCluster::available() {
    for (const char* d : k_daemons)
        if (::access(d, X_OK) != 0) return false;
    for (const char* c : {"sinfo", "squeue", "srun", "sbatch", "scancel", "salloc", "scontrol"})
        if (launch::find_executable(c).empty()) return false;
    return true;
}

SlurmCluster::SlurmCluster() : SlurmCluster(Options{}) {}

SlurmCluster::SlurmCluster(Options opts) : opts_(opts) {
    if (!available()) throw std::runtime_error("Slurm is not installed (scripts/install-deps)");
    dir_ = make_temp_dir("slurm");
    // munged refuses a socket directory others cannot traverse.
    ::chmod(dir_.c_str(), 0755);
    char h[256] = {};
    ::gethostname(h, sizeof h - 1);
    host_ = h;
    host_ = host_.substr(0, host_.find('.'));
    try {
        start();
        wait_idle();
    } catch (...) {
        stop();
        throw;
    }
}

SlurmCluster::~SlurmCluster() {
    stop();
    if (leftovers().empty()) {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
}

void SlurmCluster::start() {
    // A fresh munge key: no other cluster (or the host's munged) can talk to this one.
    {
        fs::create_directories(dir_ + "/munge");
        ::chmod((dir_ + "/munge").c_str(), 0755);
        std::random_device rd;
        std::string key(1024, '\0');
        for (auto& c : key) c = static_cast<char>(rd());
        std::ofstream(dir_ + "/munge/key", std::ios::binary) << key;
        ::chmod((dir_ + "/munge/key").c_str(), 0400);
    }
    ctld_port_ = launch::pick_free_port();
    for (int i = 1; i <= opts_.nodes; ++i) nodes_.push_back("n" + std::to_string(i));
    std::ostringstream c;
    c << "ClusterName=insitu" << ctld_port_ << "\n"
      << "SlurmctldHost=" << host_ << "(127.0.0.1)\n"
      << "SlurmctldPort=" << ctld_port_ << "\n"
      << "AuthType=auth/munge\nCredType=cred/munge\n"
      << "AuthInfo=socket=" << dir_ << "/munge/sock\n"
      << "SlurmUser=root\nSlurmdUser=root\n"
      << "StateSaveLocation=" << dir_ << "/state\n"
      << "SlurmdSpoolDir=" << dir_ << "/d-%n\n"
      << "TmpFS=" << dir_ << "/tmp-%n\n"
      << "SlurmctldPidFile=" << dir_ << "/slurmctld.pid\n"
      << "SlurmdPidFile=" << dir_ << "/slurmd-%n.pid\n"
      << "SlurmctldLogFile=" << dir_ << "/slurmctld.log\n"
      << "SlurmdLogFile=" << dir_ << "/slurmd-%n.log\n"
      << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/affinity\n"
      << "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\n"
      << "SchedulerType=sched/backfill\nSchedulerParameters=batch_sched_delay=0\n"
      << "MpiDefault=none\nReturnToService=2\nKillWait=2\nInactiveLimit=0\n"
      << "AccountingStorageType=accounting_storage/none\n"
      << "JobCompType=jobcomp/filetxt\nJobCompLoc=" << jobcomp_path() << "\n"
      << "SlurmdParameters=config_overrides\nMailProg=/bin/true\n"
      << "SlurmctldTimeout=10\nSlurmdTimeout=10\nMessageTimeout=5\n";
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        c << "NodeName=" << nodes_[i] << " NodeHostname=" << host_
          << " NodeAddr=127.0.0.1 Port=" << launch::pick_free_port()
          << " CPUs=" << opts_.cpus_per_node << " RealMemory=1000\n";
        fs::create_directories(dir_ + "/d-" + nodes_[i]);
        fs::create_directories(dir_ + "/tmp-" + nodes_[i]);
    }
    if (const char* x = std::getenv("PROBE_CONF")) c << x << "\n";
    c << "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n";
    fs::create_directories(dir_ + "/state");
    std::ofstream(conf_path()) << c.str();
    // The launcher under test runs in this process and finds the cluster through SLURM_CONF.
    ::setenv("SLURM_CONF", conf_path().c_str(), 1);

    auto spawn = [&](const std::string& name, std::vector<std::string> argv) {
        launch::ProcessSpec spec;
        spec.argv = std::move(argv);
        spec.env = {{"SLURM_CONF", conf_path()}, {"INSITU_SLURM_FIXTURE", dir_}};
        spec.cwd = dir_;
        spec.stdout_path = dir_ + "/" + name + ".out";
        spec.stderr_path = dir_ + "/" + name + ".out";
        daemons_.push_back(new Daemon{name, launch::Process(spec)});
    };
    std::string m = dir_ + "/munge/";
    spawn("munged",
          {k_daemons[0], "-F", "--key-file=" + m + "key", "--socket=" + m + "sock",
           "--pid-file=" + m + "pid", "--log-file=" + m + "log", "--seed-file=" + m + "seed"});
    auto deadline = std::chrono::steady_clock::now() + opts_.start_timeout;
    auto wait_for = [&](const std::string& what, const std::function<bool()>& ready) {
        while (!ready()) {
            for (auto* d : daemons_)
                if (d->proc.poll())
                    throw std::runtime_error("slurm fixture: " + d->name +
                                             " exited during start-up\n" + logs());
            if (std::chrono::steady_clock::now() > deadline)
                throw std::runtime_error("slurm fixture: " + what + " not ready in time\n" +
                                         logs());
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    };
    wait_for("munged socket", [&] { return fs::exists(m + "sock"); });
    spawn("slurmctld", {k_daemons[1], "-D", "-f", conf_path()});
    wait_for("slurmctld port", [&] { return port_accepts(ctld_port_); });
    for (const auto& n : nodes_)
        spawn("slurmd-" + n, {k_daemons[2], "-D", "-N", n, "-f", conf_path()});
}

void SlurmCluster::wait_idle() {
    auto deadline = std::chrono::steady_clock::now() + opts_.start_timeout;
    std::string last;
    for (;;) {
        for (auto* d : daemons_)
            if (d->proc.poll())
                throw std::runtime_error("slurm fixture: " + d->name + " exited during start-up\n" +
                                         logs());
        Result r = run({"sinfo", "-h", "-N", "-o", "%N %T"}, std::chrono::seconds(5));
        last = r.out + r.err;
        std::istringstream in(r.out);
        int idle = 0;
        for (std::string name, state; in >> name >> state;)
            if (state == "idle") ++idle;
        if (r.rc == 0 && idle == opts_.nodes) return;
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("slurm fixture: nodes not idle in time; sinfo says:\n" + last +
                                     logs());
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

SlurmCluster::Result SlurmCluster::run(const std::vector<std::string>& argv,
                                       std::chrono::milliseconds timeout) const {
    auto r = launch::run_tool(argv, timeout, {{"SLURM_CONF", conf_path()}});
    return Result{r.rc, r.timed_out, r.out, r.err};
}

std::string SlurmCluster::logs() const {
    std::string out;
    for (const char* f : {"munged.out", "munge/log", "slurmctld.out", "slurmctld.log"})
        out += std::string("--- ") + f + tail(slurp(dir_ + "/" + f), 10) + "\n";
    for (const auto& n : nodes_)
        out += "--- slurmd-" + n + ".log" + tail(slurp(dir_ + "/slurmd-" + n + ".log"), 10) + "\n";
    return out;
}

std::vector<int> SlurmCluster::daemon_pids() const {
    std::vector<int> out;
    for (auto* d : daemons_) out.push_back(d->proc.pid());
    return out;
}

std::vector<std::string> SlurmCluster::leftovers() const {
    std::vector<std::string> found;
    if (dir_.empty()) return found;
    DIR* d = ::opendir("/proc");
    if (!d) return found;
    std::string self = std::to_string(::getpid());
    while (dirent* e = ::readdir(d)) {
        std::string pid = e->d_name;
        if (pid.find_first_not_of("0123456789") != std::string::npos || pid == self) continue;
        std::string env = slurp("/proc/" + pid + "/environ");
        std::string cmd = slurp("/proc/" + pid + "/cmdline");
        if (env.find(dir_) == std::string::npos && cmd.find(dir_) == std::string::npos) continue;
        if (!live(pid)) continue;
        for (auto& ch : cmd)
            if (ch == '\0') ch = ' ';
        found.push_back(pid + ": " + cmd);
    }
    ::closedir(d);
    return found;
}

void SlurmCluster::stop() {
    if (stopped_) return;
    stopped_ = true;
    static const bool debug = std::getenv("INSITU_SLURM_FIXTURE_DEBUG") != nullptr;
    auto t0 = std::chrono::steady_clock::now();
    auto note = [&](const std::string& what) {
        if (debug)
            std::fprintf(
                stderr, "slurm fixture: %s at %.2f s\n", what.c_str(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    };
    bool ctld_up = false;
    for (auto* d : daemons_)
        if (d->name == "slurmctld" && !d->proc.poll()) ctld_up = true;
    if (ctld_up) {
        // Jobs first, so that slurmstepd ends its tasks the normal way.
        const passwd* pw = ::getpwuid(::getuid());
        run({"scancel", "--user", pw ? pw->pw_name : "root"}, std::chrono::seconds(5));
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(6);
        while (std::chrono::steady_clock::now() < deadline) {
            // COMPLETING is enough: the sweep below ends whatever a job still holds.
            Result r = run({"squeue", "-h", "-o", "%t"}, std::chrono::seconds(3));
            std::istringstream in(r.out);
            bool busy = false;
            for (std::string st; in >> st;) busy = busy || st != "CG";
            if (r.rc != 0 || !busy) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    note("jobs gone");
    // slurmd before slurmctld before munged (reverse start order).
    for (auto it = daemons_.rbegin(); it != daemons_.rend(); ++it) {
        (*it)->proc.stop(std::chrono::seconds(3));
        note((*it)->name + " stopped");
        delete *it;
    }
    daemons_.clear();
    // slurmstepd (re-parented, outside the daemons' groups) and any task it left behind.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
        auto left = leftovers();
        if (left.empty() || std::chrono::steady_clock::now() > deadline) break;
        for (const auto& l : left) ::kill(std::stoi(l.substr(0, l.find(':'))), SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    note("leftovers swept");
    const char* conf = std::getenv("SLURM_CONF");
    if (conf && conf == conf_path()) ::unsetenv("SLURM_CONF");
}

}  // namespace insitu::testing
