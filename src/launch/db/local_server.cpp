#include "launch/db/local_server.h"

#include <insitu/launch_errors.h>

#include "launch/db/server_config.h"
#include "launch/os/install_paths.h"
#include "launch/os/process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/address.h"
#include "core/free_port.h"
#include "core/socket.h"

namespace fs = std::filesystem;

namespace insitu::launch {
namespace {

// Strict probe (no SO_REUSEADDR): a port in TIME_WAIT is not handed out again.
bool bindable(int port) {
    return core::port_bindable("127.0.0.1", port, /*reuse_addr=*/false);
}

std::string getenv_str(const char* n) {
    const char* v = std::getenv(n);
    return v ? v : "";
}

}  // namespace

std::string redis_server_binary() {
    std::string p = getenv_str("REDIS_PATH");
    return p.empty() ? "redis-server" : p;
}

std::string module_path() {
    for (const char* var : {"INSITU_MODULE", "RAI_PATH"}) {
        std::string v = getenv_str(var);
        if (!v.empty()) {
            if (!fs::exists(v))
                throw LaunchError(std::string(var) + " points to a missing file: " + v);
            return v;
        }
    }
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    std::vector<fs::path> candidates;
    // An installed tree, wherever it was moved: <libdir>/insitu next to this library.
    if (std::string installed = installed_module_path(); !installed.empty())
        candidates.emplace_back(installed);
    if (!ec) {
        candidates.push_back(exe.parent_path() / "libinsitu_ai.so");                // build tree
        candidates.push_back(exe.parent_path().parent_path() / "libinsitu_ai.so");  // build/bench
    }
#ifdef INSITU_MODULE_BUILD_PATH
    // Programs elsewhere in the build tree (examples, drivers) use the build's module.
    candidates.emplace_back(INSITU_MODULE_BUILD_PATH);
#endif
    if (!ec)
        candidates.push_back(exe.parent_path().parent_path() / "lib" / "insitu" /
                             "libinsitu_ai.so");
    // A copy of this library without a module beside it (a venv's wheel): the installed CLI's tree.
    if (std::string cli = find_executable("insitu"); !cli.empty()) {
        fs::path bin = fs::canonical(cli, ec).parent_path();
        if (!ec) candidates.push_back(bin.parent_path() / "lib" / "insitu" / "libinsitu_ai.so");
    }
    std::string looked;
    for (const auto& c : candidates) {
        if (fs::exists(c)) return c.string();
        looked += " " + c.string();
    }
    throw LaunchError("insitu module not found (set INSITU_MODULE); looked in:" + looked);
}

int pick_free_port() {
    try {
        return core::pick_free_port();
    } catch (const std::runtime_error& e) {
        throw LaunchError(e.what());
    }
}

std::string simple_command(const std::string& host, int port, const std::string& inline_cmd,
                           int timeout_ms) {
    core::Address address;
    address.host = host;
    address.port = port;
    int fd = -1;
    try {
        fd = core::connect_socket(address,
                                  core::Clock::now() + std::chrono::milliseconds(timeout_ms));
    } catch (const core::ConnectError&) {
        return "";
    }
    std::string line;
    std::string cmd = inline_cmd + "\r\n";
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, timeout_ms) == 1 &&
        ::send(fd, cmd.data(), cmd.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(cmd.size())) {
        char buf[256];
        p = {fd, POLLIN, 0};
        while (line.find("\r\n") == std::string::npos && ::poll(&p, 1, timeout_ms) == 1) {
            ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            line.append(buf, static_cast<std::size_t>(n));
        }
    }
    ::close(fd);
    auto crlf = line.find("\r\n");
    return crlf == std::string::npos ? line : line.substr(0, crlf);
}

LocalServer::LocalServer(ServerOptions opts) : opts_(std::move(opts)) {
    if (opts_.port == 0) opts_.port = pick_free_port();
    if (opts_.dir.empty()) throw ConfigError("LocalServer needs a working directory");
    fs::create_directories(opts_.dir);
    if (!bindable(opts_.port) && opts_.bind == "127.0.0.1")
        throw LaunchError("port " + std::to_string(opts_.port) + " is already in use on 127.0.0.1");
    ProcessSpec spec;
    spec.argv = {redis_server_binary(),
                 "--port",
                 std::to_string(opts_.port),
                 "--bind",
                 opts_.bind,
                 "--dir",
                 opts_.dir,
                 "--logfile",
                 "redis.log",
                 "--daemonize",
                 "no",
                 "--save",
                 "",
                 "--appendonly",
                 "no",
                 "--protected-mode",
                 "no"};
    if (!opts_.unix_socket.empty())
        spec.argv.insert(spec.argv.end(),
                         {"--unixsocket", opts_.unix_socket, "--unixsocketperm", "700"});
    spec.argv.push_back("--loadmodule");
    spec.argv.push_back(module_path());
    spec.argv.insert(spec.argv.end(), opts_.module_args.begin(), opts_.module_args.end());
    spec.argv.insert(spec.argv.end(), opts_.extra_args.begin(), opts_.extra_args.end());
    spec.env = server_environment();
    spec.cwd = opts_.dir;
    spec.stdout_path = opts_.dir + "/redis.stdout";
    spec.stderr_path = opts_.dir + "/redis.stdout";
    proc_ = Process(spec);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        if (!proc_.running())
            throw LaunchError("redis-server exited during start-up (port " +
                              std::to_string(opts_.port) + "):\n" + log_tail());
        if (simple_command("127.0.0.1", opts_.port, "PING", 200) == "+PONG") return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    proc_.stop();
    throw LaunchTimeoutError("redis-server did not answer PING within 20 s:\n" + log_tail());
}

LocalServer::~LocalServer() {
    stop();
}

std::string LocalServer::log_tail(std::size_t max_bytes) const {
    std::stringstream ss;
    for (const char* f : {"/redis.log", "/redis.stdout"}) {
        std::ifstream in(opts_.dir + f);
        ss << in.rdbuf();
    }
    std::string s = ss.str();
    return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

void LocalServer::stop() {
    if (!proc_.running()) return;
    simple_command("127.0.0.1", opts_.port, "SHUTDOWN NOSAVE", 1000);
    if (!proc_.wait_for(std::chrono::seconds(5)))
        proc_.stop();
    else
        proc_.stop(std::chrono::milliseconds(0));  // reap the group
}

}  // namespace insitu::launch
