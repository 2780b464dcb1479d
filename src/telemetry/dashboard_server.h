// `insitu dashboard`: an HTTP server (cpp-httplib) over an experiment's telemetry folder:
//   GET /            the page (dashboard_page.h)
//   GET /api/state   entities, shards (with time series) and models as JSON (reader.h, to_json)
//   GET /metrics     Prometheus text format (prometheus.h)
//   GET /logs/<name>?stream=out|err[&run=N]  the tail of a job's log, by job name: only the
//                    paths the telemetry recorded are served, never one taken from the URL.
#pragma once

#include <functional>
#include <string>

namespace insitu::telemetry {

struct DashboardOptions {
    std::string exp_path;
    std::string host = "127.0.0.1";  // loopback unless told otherwise
    int port = 8787;                 // 0: any free port
};

// Serves until the process is stopped; `on_listen(port)` runs once the socket is bound. Throws
// std::runtime_error when it cannot bind.
void serve_dashboard(const DashboardOptions& options, const std::function<void(int)>& on_listen);

}  // namespace insitu::telemetry
