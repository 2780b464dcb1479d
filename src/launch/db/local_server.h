// One redis-server with the insitu module, started on this host (the building block of the
// standalone and co-located deployments and of the CLI demo).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "launch/os/process.h"

namespace insitu::launch {

struct ServerOptions {
    int port = 0;  // 0: pick a free loopback port
    std::string bind = "127.0.0.1";
    std::string unix_socket;  // empty: none
    std::string dir;          // working directory (logs, RDB); created if missing
    std::vector<std::string> module_args;
    std::vector<std::string> extra_args;  // passed to redis-server as is
};

// The redis-server binary: $REDIS_PATH, else redis-server on PATH.
std::string redis_server_binary();
// The module: $INSITU_MODULE, else $RAI_PATH (SmartSim's name), else the installed tree this
// library belongs to (<libdir>/insitu), the build tree, or the tree of the `insitu` on PATH.
// Throws naming the places it looked.
std::string module_path();
// A TCP port on 127.0.0.1 that is free now (and whose +10000 cluster bus port is free too),
// reserved against other insitu processes (core/free_port.h).
int pick_free_port();

class LocalServer {
  public:
    // Starts the server and waits (up to 20 s) until it answers PING. Throws with the server's log
    // tail when it exits during start-up (e.g. "port in use", a bad module).
    explicit LocalServer(ServerOptions opts);
    ~LocalServer();  // stop()
    LocalServer(const LocalServer&) = delete;
    LocalServer& operator=(const LocalServer&) = delete;

    int port() const { return opts_.port; }
    const std::string& unix_socket() const { return opts_.unix_socket; }
    std::string tcp_address() const { return opts_.bind + ":" + std::to_string(opts_.port); }
    pid_t pid() const { return proc_.pid(); }
    const std::string& dir() const { return opts_.dir; }
    std::string log_tail(std::size_t max_bytes = 4000) const;
    bool running() { return proc_.running(); }

    // SHUTDOWN NOSAVE, falling back to SIGTERM/SIGKILL of the process group.
    void stop();

  private:
    ServerOptions opts_;
    Process proc_;
};

// Sends one command over a fresh connection and returns the raw first reply line ("+PONG").
// Used for liveness checks and SHUTDOWN without needing the client library.
std::string simple_command(const std::string& host, int port, const std::string& inline_cmd,
                           int timeout_ms = 1000);

}  // namespace insitu::launch
