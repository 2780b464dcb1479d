#include "telemetry/dashboard_server.h"

#include <sys/stat.h>

#include <httplib.h>
#include <fstream>
#include <mutex>
#include <stdexcept>

#include "telemetry/dashboard_page.h"
#include "telemetry/prometheus.h"
#include "telemetry/reader.h"

namespace insitu::telemetry {
namespace {

// Logs can be large: the last MiB is what a person looks at.
constexpr std::streamoff k_log_tail = 1 << 20;

std::string read_tail(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    in.seekg(0, std::ios::end);
    std::streamoff size = in.tellg();
    std::streamoff from = size > k_log_tail ? size - k_log_tail : 0;
    in.seekg(from);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (from > 0) data = "[... first " + std::to_string(from) + " bytes left out ...]\n" + data;
    return data;
}

void no_cache(httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Content-Type-Options", "nosniff");
}

}  // namespace

void serve_dashboard(const DashboardOptions& options, const std::function<void(int)>& on_listen) {
    Reader reader(options.exp_path);
    std::mutex mu;  // the reader is refreshed by whichever request comes
    auto snapshot = [&](const std::function<void(const Snapshot&)>& use) {
        std::lock_guard<std::mutex> lock(mu);
        reader.refresh();
        use(reader.snapshot());
    };

    httplib::Server server;
    server.Get("/", [&](const httplib::Request&, httplib::Response& res) {
        no_cache(res);
        // The page runs only its own inline code and talks only to this server.
        res.set_header("Content-Security-Policy",
                       "default-src 'none'; script-src 'unsafe-inline'; style-src "
                       "'unsafe-inline'; connect-src 'self'; img-src 'self'");
        auto page = dashboard_html();
        res.set_content(page.data(), page.size(), "text/html; charset=utf-8");
    });
    server.Get("/api/state", [&](const httplib::Request&, httplib::Response& res) {
        no_cache(res);
        snapshot([&](const Snapshot& s) { res.set_content(to_json(s), "application/json"); });
    });
    server.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
        no_cache(res);
        snapshot([&](const Snapshot& s) {
            res.set_content(prometheus_text(s), "text/plain; version=0.0.4; charset=utf-8");
        });
    });
    server.Get(R"(/logs/([^/]+))", [&](const httplib::Request& req, httplib::Response& res) {
        no_cache(res);
        std::string name = req.matches[1];
        std::string stream = req.has_param("stream") ? req.get_param_value("stream") : "out";
        int run = -1;
        if (req.has_param("run")) {
            try {
                run = std::stoi(req.get_param_value("run"));
            } catch (const std::exception&) {
                run = -2;  // matches nothing
            }
        }
        if (stream != "out" && stream != "err") {
            res.status = 400;
            res.set_content("stream must be out or err\n", "text/plain");
            return;
        }
        std::string path;
        snapshot([&](const Snapshot& s) {
            // The latest matching job: its recorded log path, never a path built from the URL.
            for (const auto& j : s.jobs)
                if (j.name == name && (run == -1 || j.run == run))
                    path = stream == "out" ? j.out_log : j.err_log;
        });
        struct stat st {};
        if (path.empty() || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
            res.status = 404;
            res.set_content("no such log\n", "text/plain");
            return;
        }
        res.set_content(read_tail(path), "text/plain; charset=utf-8");
    });

    int port = options.port;
    if (port == 0) {
        port = server.bind_to_any_port(options.host);
        if (port < 0) throw std::runtime_error("cannot listen on " + options.host);
    } else if (!server.bind_to_port(options.host, port)) {
        throw std::runtime_error("cannot listen on " + options.host + ":" + std::to_string(port));
    }
    on_listen(port);
    if (!server.listen_after_bind())
        throw std::runtime_error("the dashboard server stopped listening");
}

}  // namespace insitu::telemetry
