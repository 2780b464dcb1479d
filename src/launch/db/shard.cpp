#include "launch/db/shard.h"

#include <insitu/launch_errors.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "core/socket.h"
#include "launch/db/db_command.h"
#include "launch/os/log.h"

namespace fs = std::filesystem;

namespace insitu::launch {

bool port_is_free(const std::string& host, int port) {
    // The server sets SO_REUSEADDR too: without it here, TIME_WAIT leftovers would look busy.
    return core::port_bindable(host, port, /*reuse_addr=*/true);
}

std::string shard_log_tail(const ShardSpec& s, std::size_t lines) {
    std::string out;
    for (const char* ext : {".out", ".err"}) {
        std::ifstream in(fs::path(s.dir) / (s.name + ext));
        std::deque<std::string> tail;
        for (std::string line; std::getline(in, line);) {
            tail.push_back(line);
            if (tail.size() > lines) tail.pop_front();
        }
        for (const auto& l : tail) out += "    " + l + "\n";
    }
    return out.empty() ? "    (empty log)\n" : out;
}

std::string launch_shard(Launcher& launcher, const ShardSpec& s) {
    std::string host = s.bind.empty() ? "127.0.0.1" : s.bind[0];
    if (s.port != 0) {
        for (const auto& b : s.bind)
            if (!port_is_free(b, s.port))
                throw LaunchError("database shard " + s.name + ": port " + std::to_string(s.port) +
                                  " on " + b + " is already in use");
        if (s.cluster && !port_is_free(host, s.port + 10000))
            throw LaunchError("database shard " + s.name + ": cluster bus port " +
                              std::to_string(s.port + 10000) + " (port " + std::to_string(s.port) +
                              " + 10000) on " + host + " is already in use");
    }
    fs::create_directories(s.dir);
    Step step;
    step.name = s.name;
    step.argv = server_argv(write_server_config(s));
    step.env = server_environment();
    step.cwd = s.dir;
    step.out_path = (fs::path(s.dir) / (s.name + ".out")).string();
    step.err_path = (fs::path(s.dir) / (s.name + ".err")).string();
    // Fresh logs, so that an error shows this run's lines only.
    std::ofstream(step.out_path, std::ios::trunc);
    std::ofstream(step.err_path, std::ios::trunc);
    try {
        return launcher.launch(step);
    } catch (const std::exception& e) {
        auto* coded = dynamic_cast<const CodedError*>(&e);  // keeps e.g. a Slurm timeout's code
        throw LaunchError(coded ? coded->code() : ErrorCode::Launcher,
                          "database shard " + s.name + " (port " + std::to_string(s.port) +
                              "): cannot start " + step.argv[0] + ": " + e.what());
    }
}

void wait_for_shard(Launcher& launcher, const std::string& step_id, const ShardSpec& s,
                    std::chrono::milliseconds timeout) {
    auto start = std::chrono::steady_clock::now();
    auto deadline = start + timeout;
    std::string where = s.port ? "port " + std::to_string(s.port) : "socket " + s.unix_socket;
    const DbAuth auth = s.auth();  // read once: the secrets exist before the shard starts
    auto next_note = start + std::chrono::seconds(5);
    while (true) {
        StepStatus st = launcher.status(step_id);
        if (st.status != Status::Running) {
            throw LaunchError("database shard " + s.name + " (" + where +
                              ") exited during start-up with code " +
                              std::to_string(st.returncode.value_or(-1)) + "; its log ends:\n" +
                              shard_log_tail(s));
        }
        auto r = db_command(s.address(), {"PING"}, 300, auth);
        if (r && r->is_status("PONG")) return;
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            launcher.stop(step_id, std::chrono::seconds(2));
            throw LaunchTimeoutError(
                "database shard " + s.name + " (" + where + ") did not answer PING within " +
                std::to_string(timeout.count() / 1000) + " s; its log ends:\n" + shard_log_tail(s));
        }
        if (now >= next_note) {
            log_info("waiting for database shard " + s.name + " (" + where + ")...");
            next_note = now + std::chrono::seconds(5);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace insitu::launch
