// Helpers for the launcher tests: experiment directories, log files, and a process-table scan
// that finds every live process belonging to an experiment (its directory appears in the command
// line, e.g. the server's config path in its process title, or is its working directory).
#pragma once

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "redis_server.h"

namespace insitu::testing {

// Permission bits of `path` (not following a symlink); -1 when it does not exist.
inline int mode_of(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return -1;
    return static_cast<int>(st.st_mode & 07777);
}

inline std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (cond()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return cond();
}

// Live (non-zombie) processes whose command line or working directory mentions `marker`.
inline std::vector<std::string> processes_with(const std::string& marker) {
    std::vector<std::string> found;
    DIR* d = ::opendir("/proc");
    if (!d) return found;
    while (dirent* e = ::readdir(d)) {
        std::string pid = e->d_name;
        if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
        if (std::stoi(pid) == ::getpid()) continue;
        std::string stat = read_text("/proc/" + pid + "/stat");
        auto rp = stat.rfind(')');
        if (rp == std::string::npos || rp + 2 >= stat.size() || stat[rp + 2] == 'Z') continue;
        std::string cmd = read_text("/proc/" + pid + "/cmdline");
        for (auto& c : cmd)
            if (c == '\0') c = ' ';
        std::error_code ec;
        std::string cwd = std::filesystem::read_symlink("/proc/" + pid + "/cwd", ec).string();
        if (cmd.find(marker) != std::string::npos || cwd.find(marker) != std::string::npos)
            found.push_back(pid + ": " + cmd);
    }
    ::closedir(d);
    return found;
}

// The lines of `text` containing `what`, sorted (order-independent checks of logs and outputs).
inline std::vector<std::string> lines_with(const std::string& text, const std::string& what) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        if (l.find(what) != std::string::npos) out.push_back(l);
    std::sort(out.begin(), out.end());
    return out;
}

inline std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += x + "\n";
    return s;
}

// The Cpus_allowed_list of a process.
inline std::string cpus_allowed(int pid) {
    std::istringstream in(read_text("/proc/" + std::to_string(pid) + "/status"));
    for (std::string line; std::getline(in, line);)
        if (line.rfind("Cpus_allowed_list:", 0) == 0) {
            auto v = line.substr(18);
            v.erase(0, v.find_first_not_of(" \t"));
            return v;
        }
    return "";
}

// A shell command that prints the database variables and its CPU list, then sleeps.
inline std::vector<std::string> env_printer(double sleep_s = 0) {
    return {"-c",
            "env | grep -E '^(SSDB|SR_DB_TYPE|SR_DB_USER|SR_DB_PASSWORD|SSKEYIN|SSKEYOUT)' | sort; "
            "grep Cpus_allowed_list /proc/self/status; sleep " +
                std::to_string(sleep_s)};
}

}  // namespace insitu::testing
