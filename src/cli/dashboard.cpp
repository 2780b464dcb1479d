// `insitu dashboard --exp-dir DIR [--port P] [--host H]`: the experiment's web dashboard and
// Prometheus metrics (src/telemetry/dashboard_server.h), on loopback unless --host says otherwise.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "cli/commands.h"
#include "cli/options.h"
#include "telemetry/dashboard_server.h"
#include "telemetry/schema.h"

namespace insitu::cli {

std::function<int()> add_dashboard(CLI::App& insitu) {
    auto o = std::make_shared<telemetry::DashboardOptions>();
    CLI::App* cmd =
        add_command(insitu, "dashboard", "serve an experiment's live web dashboard and /metrics");
    cmd->add_option("--exp-dir", o->exp_path, "the experiment's folder (Experiment exp_path)")
        ->required();
    add_port(*cmd, o->port, "the HTTP port (0: a free one)");
    cmd->add_option("--host", o->host,
                    "the address to listen on (anything but loopback lets others on the network "
                    "see the experiment)")
        ->capture_default_str();
    return [o] {
        if (!std::filesystem::is_directory(o->exp_path))
            throw std::runtime_error("no experiment folder " + o->exp_path);
        if (!std::filesystem::is_directory(telemetry::telemetry_dir(o->exp_path)))
            std::fprintf(stderr,
                         "insitu dashboard: no telemetry in %s yet; the page fills once the "
                         "experiment starts\n",
                         o->exp_path.c_str());
        telemetry::serve_dashboard(*o, [&](int port) {
            std::string host =
                o->host.find(':') != std::string::npos ? "[" + o->host + "]" : o->host;
            std::printf("insitu dashboard: http://%s:%d/\n", host.c_str(), port);
            std::fflush(stdout);
        });
        return 0;
    };
}

}  // namespace insitu::cli
