// `insitu info`: versions and what this installation can use (server, module, backend plugins,
// MPI), so that a missing piece is visible before an experiment fails on it.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/options.h"
#include "insitu/version.h"
#include "launch/db/colocated.h"
#include "launch/db/local_server.h"
#include "launch/os/process.h"

namespace fs = std::filesystem;

namespace insitu::cli {
namespace {

// First line of `<exe> <arg>`'s output ("" if it cannot run).
std::string first_line_of(const std::string& exe, const std::string& arg) {
    std::string cmd = "'" + exe + "' " + arg + " 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
    if (!p) return "";
    char buf[512] = {};
    if (!std::fgets(buf, sizeof buf, p.get())) return "";
    std::string s = buf;
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

void row(const char* what, const std::string& value) {
    std::printf("  %-16s %s\n", what, value.c_str());
}

int info() {
    std::printf("insitu %s\n", INSITU_VERSION_STRING);
    std::string server = launch::find_executable(launch::redis_server_binary());
    row("server", server.empty()
                      ? "NOT FOUND (" + launch::redis_server_binary() + "; set REDIS_PATH)"
                      : server + "  (" + first_line_of(server, "--version") + ")");
    std::string cli = launch::find_executable(
        std::getenv("REDIS_CLI_PATH") ? std::getenv("REDIS_CLI_PATH") : "redis-cli");
    row("redis-cli", cli.empty() ? "not found (not needed)" : cli);
    if (const char* conf = std::getenv("REDIS_CONF")) row("base config", conf);
    std::string module;
    try {
        module = launch::module_path();
        row("module", module);
    } catch (const std::exception& e) {
        row("module", std::string("NOT FOUND: ") + e.what());
    }
    try {
        row("insitu", launch::insitu_cli_path());
    } catch (const std::exception&) {
        row("insitu", "not found");
    }
    std::string mpirun = launch::find_executable("mpirun");
    row("mpirun", mpirun.empty() ? "not found (apt install openmpi-bin)"
                                 : mpirun + "  (" + first_line_of(mpirun, "--version") + ")");
    int found = 0;
    if (!module.empty()) {
        fs::path dir = fs::path(module).parent_path() / "backends";
        std::printf("backends in %s:\n", dir.c_str());
        std::error_code ec;
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            std::string n = e.path().filename().string();
            if (n.rfind("libinsitu_backend_", 0) == 0 && e.path().extension() == ".so")
                names.push_back(n);
        }
        std::sort(names.begin(), names.end());
        for (const auto& n : names) {
            std::string b = n.substr(18, n.size() - 21);
            for (auto& c : b) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            row(b.c_str(), (dir / n).string());
            ++found;
        }
        if (found == 0) std::printf("  (none)\n");
    }
    return 0;
}

}  // namespace

std::function<int()> add_info(CLI::App& insitu) {
    add_command(insitu, "info", "versions, server, module, backend plugins, MPI");
    return info;
}

}  // namespace insitu::cli
