#include "launch/os/process.h"

#include <insitu/launch_errors.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace insitu::launch {

std::string find_executable(const std::string& name) {
    if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
    const char* path = std::getenv("PATH");
    std::string p = path ? path : "/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= p.size()) {
        auto colon = p.find(':', start);
        std::string dir =
            p.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
        std::string cand = (dir.empty() ? "." : dir) + "/" + name;
        struct stat st {};
        if (::stat(cand.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
            ::access(cand.c_str(), X_OK) == 0)
            return cand;
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    return "";
}

Process::Process(const ProcessSpec& spec) {
    if (spec.argv.empty()) throw ConfigError("empty command line");
    std::string exe = find_executable(spec.argv[0]);
    if (exe.empty()) throw LaunchError("executable not found: " + spec.argv[0]);

    // Everything the child needs is prepared before fork (no allocation after it).
    std::vector<std::string> args = spec.argv;
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::map<std::string, std::string> envmap;
    for (char** e = environ; *e; ++e) {
        std::string kv = *e;
        auto eq = kv.find('=');
        if (eq != std::string::npos) envmap[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& [k, v] : spec.env) envmap[k] = v;
    std::vector<std::string> envs;
    for (const auto& [k, v] : envmap) envs.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);

    int err_pipe[2];
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) throw LaunchError("pipe failed");
    pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw LaunchError(std::string("fork failed: ") + std::strerror(errno));
    if (pid_ == 0) {
        ::close(err_pipe[0]);
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(126);
        auto redirect = [](const std::string& path, int fd) {
            if (path.empty()) return true;
            int f = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
            return f >= 0 && ::dup2(f, fd) >= 0;
        };
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, 0);
        int code = 0;
        if (!redirect(spec.stdout_path, 1) || !redirect(spec.stderr_path, 2))
            code = 1;
        else if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0)
            code = 2;
        else {
            ::execve(exe.c_str(), argv.data(), envp.data());
            code = 3;
        }
        int e = errno;
        int msg[2] = {code, e};
        (void)!::write(err_pipe[1], msg, sizeof msg);
        ::_exit(127);
    }
    ::close(err_pipe[1]);
    int msg[2];
    ssize_t n = ::read(err_pipe[0], msg, sizeof msg);
    ::close(err_pipe[0]);
    if (n == sizeof msg) {
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
        const char* what = msg[0] == 1   ? "cannot open output file"
                           : msg[0] == 2 ? "cannot enter directory"
                                         : "exec failed";
        throw LaunchError(std::string(what) + " for " + spec.argv[0] + ": " +
                          std::strerror(msg[1]));
    }
}

Process::~Process() {
    if (pid_ > 0 && !status_) stop(std::chrono::milliseconds(2000));
}

Process::Process(Process&& o) noexcept : pid_(o.pid_), status_(o.status_) {
    o.pid_ = -1;
}

Process& Process::operator=(Process&& o) noexcept {
    if (this != &o) {
        if (pid_ > 0 && !status_) stop(std::chrono::milliseconds(2000));
        pid_ = o.pid_;
        status_ = o.status_;
        o.pid_ = -1;
    }
    return *this;
}

std::optional<int> Process::poll() {
    if (status_ || pid_ <= 0) return status_;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_)
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return status_;
}

bool Process::running() {
    return pid_ > 0 && !poll();
}

std::optional<int> Process::wait_for(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!poll()) {
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return status_;
}

int Process::stop(std::chrono::milliseconds grace) {
    if (pid_ <= 0) return -1;
    if (!poll()) {
        ::kill(-pid_, SIGTERM);
        if (!wait_for(grace)) {
            ::kill(-pid_, SIGKILL);
            int st = 0;
            ::waitpid(pid_, &st, 0);
            status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
    }
    // The group may hold grandchildren that outlived the leader.
    ::kill(-pid_, SIGKILL);
    return *status_;
}

}  // namespace insitu::launch
