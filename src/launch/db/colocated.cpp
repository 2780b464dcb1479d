// The driver's side of a co-located database: the wrapper's command line, the address the
// application gets, and CPU lists. The wrapper itself is colocated_wrapper.cpp.
#include "launch/db/colocated.h"

#include <insitu/launch_errors.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "launch/os/install_paths.h"
#include "launch/os/process.h"

namespace fs = std::filesystem;

namespace insitu::launch {

std::vector<int> parse_cpu_list(const std::string& s) {
    std::set<int> cpus;
    std::size_t pos = 0;
    while (pos < s.size()) {
        auto comma = s.find(',', pos);
        std::string part =
            s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (!part.empty()) {
            auto dash = part.find('-');
            int lo = std::stoi(part.substr(0, dash));
            int hi = dash == std::string::npos ? lo : std::stoi(part.substr(dash + 1));
            if (lo < 0 || hi < lo) throw ConfigError("bad CPU list: " + s);
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
        if (::access(v, X_OK) != 0)
            throw LaunchError(std::string("INSITU_CLI is not executable: ") + v);
        return v;
    }
    std::vector<fs::path> cands;
    // An installed tree, wherever it was moved: <bindir>/insitu as seen from this library.
    if (std::string installed = installed_cli_path(); !installed.empty())
        cands.emplace_back(installed);
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
    throw LaunchError(
        "the insitu executable (for co-located databases) was not found; set INSITU_CLI");
}

std::string colocated_socket_path(const ColocatedSettings& s) {
    if (s.unix_socket.empty() || s.insecure) return s.unix_socket;
    fs::path p(s.unix_socket);
    std::string out =
        (p.parent_path() / ("insitu-sockets-" + std::to_string(::getuid())) / p.filename())
            .string();
    if (out.size() > 107)
        throw ConfigError("colocated unix_socket: " + out +
                          " (the private socket folder added) is longer than a socket path may be");
    return out;
}

std::string colocated_address(const ColocatedSettings& s) {
    return s.unix_socket.empty() ? "127.0.0.1:" + std::to_string(s.port)
                                 : "unix://" + colocated_socket_path(s);
}

std::string colocated_secrets_dir(const std::string& dir, const std::string& db_name) {
    return (fs::absolute(dir) / (db_name + "-secrets")).string();
}

std::vector<std::string> colocated_wrapper_argv(
    const ColocatedSettings& s, const std::string& lock_key, const std::string& dir,
    const std::string& db_name, const std::string& manifest, const std::string& status_file,
    const std::string& entity, const std::string& secrets_dir) {
    std::vector<std::string> a = {insitu_cli_path(), "run-colocated", "--name",
                                  db_name,           "--dir",         fs::absolute(dir).string(),
                                  "--lock",          lock_key};
    if (!manifest.empty())
        a.insert(a.end(),
                 {"--db-objects", manifest, "--status-file", status_file, "--entity", entity});
    if (!secrets_dir.empty()) a.insert(a.end(), {"--secrets", secrets_dir});
    if (s.unix_socket.empty()) {
        a.insert(a.end(), {"--port", std::to_string(s.port), "--ifname", s.ifname});
    } else {
        // Secure: owner only, whatever socket_permissions says (the folder is 0700 too).
        a.insert(a.end(), {"--unix-socket", colocated_socket_path(s), "--socket-perm",
                           s.insecure ? std::to_string(s.socket_permissions) : "700"});
    }
    a.insert(a.end(), {"--db-cpus", std::to_string(s.db_cpus)});
    a.insert(a.end(), {"--ssdb-var", s.db_identifier.empty() ? "SSDB" : "SSDB_" + s.db_identifier});
    if (s.custom_pinning) {
        if (s.custom_pinning->empty())
            a.push_back("--no-pinning");
        else
            a.insert(a.end(), {"--pinning", format_cpu_list(*s.custom_pinning)});
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

}  // namespace insitu::launch
