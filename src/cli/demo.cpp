// `insitu demo`: the end-to-end round trip of the tensor store. Starts a redis-server with the
// insitu module on a free port (plus a Unix socket), writes tensors with the client, reads them
// back, checks them bit for bit, and stops the server, leaving no process behind.
#include <insitu/client.h>
#include <insitu/launch_errors.h>

#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/scratch_dir.h"
#include "core/temp_dir.h"
#include "launch/db/local_server.h"

namespace fs = std::filesystem;

namespace insitu::cli {
namespace {

std::unique_ptr<Client> connect(const std::string& address) {
    auto cfg = ConfigOptions::create_empty();
    cfg->override_string_option("SSDB", address);
    cfg->override_string_option("SR_DB_TYPE", "Standalone");
    cfg->override_integer_option("SR_CONN_TIMEOUT", 5);
    return std::make_unique<Client>(cfg.get(), "demo");
}

void round_trip(Client& client, const std::string& label) {
    // A small "simulation field": 4 x 5 float64, plus a Fortran-ordered copy of it.
    std::vector<double> field(20);
    for (std::size_t i = 0; i < field.size(); ++i)
        field[i] = std::sin(0.3 * static_cast<double>(i));
    std::vector<std::size_t> dims = {4, 5};
    client.put_tensor("demo.field", field.data(), dims, TensorType::Double,
                      MemoryLayout::Contiguous);
    std::vector<double> back(20, 0.0);
    client.unpack_tensor("demo.field", back.data(), dims, TensorType::Double,
                         MemoryLayout::Contiguous);
    if (back != field)
        throw LaunchError(ErrorCode::Runtime, label + ": the tensor read back differs");

    std::vector<double> fortran(20);
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 5; ++j) fortran[i + 4 * j] = field[i * 5 + j];
    client.put_tensor("demo.field_f", fortran.data(), dims, TensorType::Double,
                      MemoryLayout::FortranContiguous);
    client.unpack_tensor("demo.field_f", back.data(), dims, TensorType::Double,
                         MemoryLayout::Contiguous);
    if (back != field)
        throw LaunchError(ErrorCode::Runtime, label + ": Fortran layout was not stored row-major");

    Reply meta = client.run_command({"AI.TENSORGET", "demo.field", "META"});
    std::printf("  %-12s put_tensor + unpack_tensor of a 4x5 DOUBLE tensor: identical (dtype %s)\n",
                label.c_str(), meta.elements.size() > 1 ? meta.elements[1].str.c_str() : "?");
}

struct DemoOptions {
    int port = 0;
    bool keep_dir = false;
};

int demo(const DemoOptions& o) {
    launch::ServerOptions opts;
    opts.port = o.port;
    fs::path dir = fs::path(core::temp_dir()) / ("insitu-demo-" + std::to_string(::getpid()));
    ScratchDir scratch(dir.string(), o.keep_dir, "demo");
    opts.dir = dir.string();
    opts.unix_socket = (dir / "db.sock").string();
    std::printf("insitu demo: module %s\n", launch::module_path().c_str());
    int rc = 0;
    pid_t server_pid = -1;
    {
        launch::LocalServer server(opts);
        server_pid = server.pid();
        std::printf("  database     pid %d on %s and unix://%s\n", static_cast<int>(server_pid),
                    server.tcp_address().c_str(), server.unix_socket().c_str());
        auto tcp = connect(server.tcp_address());
        round_trip(*tcp, "TCP");
        auto uds = connect("unix://" + server.unix_socket());
        // The Unix-socket client sees what the TCP client wrote: one database.
        std::vector<double> back(20);
        uds->unpack_tensor("demo.field", back.data(), {4, 5}, TensorType::Double,
                           MemoryLayout::Contiguous);
        round_trip(*uds, "Unix socket");
        // A bad request gets a clear error, and the data stays.
        try {
            uds->unpack_tensor("demo.field", back.data(), {4, 5}, TensorType::Float,
                               MemoryLayout::Contiguous);
            rc = 1;
            std::printf("  ERROR: a dtype mismatch was not reported\n");
        } catch (const TypeException& e) {
            std::printf("  wrong dtype  rejected: %s\n", e.what());
        }
        if (!uds->tensor_exists("demo.field")) rc = 1;
        server.stop();
    }
    bool gone = ::kill(server_pid, 0) != 0;
    std::printf("  stopped      database process %s\n", gone ? "gone" : "STILL RUNNING");
    if (!gone) rc = 1;
    std::printf("insitu demo: %s\n", rc == 0 ? "OK" : "FAILED");
    return rc;
}

}  // namespace

std::function<int()> add_demo(CLI::App& insitu) {
    auto o = std::make_shared<DemoOptions>();
    CLI::App* cmd = add_command(insitu, "demo",
                                "start a database with the insitu module, store and read back "
                                "tensors over TCP and a Unix socket, stop it");
    add_port(*cmd, o->port, "the database's TCP port (0: a free one)");
    cmd->add_flag("--keep-dir", o->keep_dir, "keep the database's folder (logs) afterwards");
    return [o] { return demo(*o); };
}

}  // namespace insitu::cli
