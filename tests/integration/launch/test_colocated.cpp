// Co-located databases: started before the application on its host, reachable over TCP or a Unix
// socket, pinned, one per host under mpirun, and stopped when the application ends or crashes.
#include <gtest/gtest.h>
#include <insitu/experiment.h>

#include <unistd.h>

#include <filesystem>
#include <thread>

#include "launch/db/acl_users.h"
#include "launch/db/colocated.h"
#include "launch/db/db_command.h"
#include "launch/os/process.h"
#include "launch_test_util.h"
#include "redis_server.h"

namespace fs = std::filesystem;
using namespace insitu;
using namespace insitu::testing;

namespace {

// The launcher's credentials for the co-located database of `m` (secure by default).
launch::DbAuth admin_of(const Model& m) {
    try {
        return launch::admin_auth(launch::colocated_secrets_dir(m.path(), m.name() + "-db"));
    } catch (const std::exception&) {
        return {};  // not written yet
    }
}

// The pid of the server answering at `address` (INFO server).
int server_pid(const std::string& address, const launch::DbAuth& auth) {
    auto info = launch::db_command(address, {"INFO", "server"}, 2000, auth);
    if (!info) return -1;
    auto pos = info->str.find("process_id:");
    return pos == std::string::npos ? -1 : std::stoi(info->str.substr(pos + 11));
}

std::string line_with(const std::string& text, const std::string& prefix) {
    auto pos = text.find(prefix);
    if (pos == std::string::npos) return "";
    return text.substr(pos + prefix.size(), text.find('\n', pos) - pos - prefix.size());
}

}  // namespace

TEST(LaunchColocated, TcpDatabaseStartsBeforeAndStopsAfterTheApplication) {
    std::string dir = make_temp_dir("exp-colo-tcp");
    Experiment exp("colo", dir);
    int port = free_port();
    // The application proves the database is up when it starts: it stores a key itself.
    auto app = exp.create_model(
        "app", exp.create_run_settings(
                   "/bin/sh", {"-c",
                               "env | grep -E '^(SSDB|SR_DB_TYPE)' | sort; "
                               "printf '*3\\r\\n$3\\r\\nSET\\r\\n$1\\r\\nk\\r\\n$1\\r\\nv\\r\\n' > "
                               "/dev/tcp/127.0.0.1/" +
                                   std::to_string(port) + " 2>/dev/null; sleep 1.5"}));
    app->colocate_db_tcp(port, "lo", 1);
    exp.start({app}, false);
    std::string addr = "127.0.0.1:" + std::to_string(port);
    ASSERT_TRUE(
        wait_until([&] { return server_pid(addr, admin_of(*app)) > 0; }, std::chrono::seconds(10)))
        << read_text(dir + "/app/app.err");
    int pid = server_pid(addr, admin_of(*app));
    EXPECT_NE(read_text("/proc/" + std::to_string(pid) + "/cmdline").find(dir + "/app/app-db.conf"),
              std::string::npos);
    exp.poll(1, false);
    EXPECT_EQ(exp.get_status(*app), std::vector<Status>{Status::Completed})
        << read_text(dir + "/app/app.err");
    std::string out = read_text(dir + "/app/app.out");
    EXPECT_NE(out.find("SSDB=127.0.0.1:" + std::to_string(port) + "\n"), std::string::npos) << out;
    EXPECT_NE(out.find("SR_DB_TYPE=Standalone\n"), std::string::npos) << out;
    EXPECT_NE(out.find("database stopped"), std::string::npos) << out;
    EXPECT_TRUE(wait_until([&] { return ::kill(pid, 0) != 0; }, std::chrono::seconds(5)));
    EXPECT_TRUE(processes_with(dir).empty()) << join(processes_with(dir));
}

TEST(LaunchColocated, UnixSocketWithIdentifierAndPinning) {
    std::string dir = make_temp_dir("exp-colo-uds");
    std::string asked = dir + "/db.sock";
    Experiment exp("colo", dir);
    auto app = exp.create_model("app", exp.create_run_settings("/bin/sh", env_printer(3)));
    long ncpu = ::sysconf(_SC_NPROCESSORS_ONLN);
    app->colocate_db_uds(asked, 700, 1, std::nullopt, false, /*limit_app_cpus=*/ncpu > 1, "colo");
    exp.start({app}, false);
    // Secure by default: the socket is inside a private folder next to the path asked for.
    std::string sock = launch::colocated_socket_path(*app->colocated_settings());
    EXPECT_EQ(sock, dir + "/insitu-sockets-" + std::to_string(::getuid()) + "/db.sock");
    ASSERT_TRUE(wait_until([&] { return server_pid("unix://" + sock, admin_of(*app)) > 0; },
                           std::chrono::seconds(10)))
        << read_text(dir + "/app/app.err");
    int pid = server_pid("unix://" + sock, admin_of(*app));
    // The database on the first CPU the wrapper may use; the application on the others.
    std::string db_cpus = cpus_allowed(pid);
    ASSERT_TRUE(wait_until(
        [&] {
            return read_text(dir + "/app/app.out").find("Cpus_allowed_list") != std::string::npos;
        },
        std::chrono::seconds(10)));
    std::string out = read_text(dir + "/app/app.out");
    std::string app_cpus = line_with(out, "Cpus_allowed_list:\t");
    auto mine = launch::parse_cpu_list(cpus_allowed(::getpid()));
    EXPECT_EQ(db_cpus, std::to_string(mine[0]));
    if (ncpu > 1) {
        std::vector<int> rest(mine.begin() + 1, mine.end());
        EXPECT_EQ(app_cpus, launch::format_cpu_list(rest)) << out;
    }
    EXPECT_EQ(fs::status(sock).permissions() & fs::perms::all, fs::perms::owner_all);
    EXPECT_NE(out.find("SSDB_colo=unix://" + sock + "\n"), std::string::npos) << out;
    EXPECT_NE(out.find("SR_DB_TYPE_colo=Standalone\n"), std::string::npos) << out;
    exp.poll(1, false);
    EXPECT_EQ(exp.get_status(*app), std::vector<Status>{Status::Completed});
    EXPECT_FALSE(fs::exists(sock));
    EXPECT_TRUE(processes_with(dir).empty()) << join(processes_with(dir));
}

TEST(LaunchColocated, CustomPinningPutsTheDatabaseOnTheGivenCpus) {
    auto mine = launch::parse_cpu_list(cpus_allowed(::getpid()));
    int cpu = mine.back();
    std::string dir = make_temp_dir("exp-colo-pin");
    Experiment exp("colo", dir);
    auto app = exp.create_model("app", exp.create_run_settings("/bin/sleep", {"3"}));
    int port = free_port();
    app->colocate_db_tcp(port, "lo", 1, std::vector<int>{cpu});
    exp.start({app}, false);
    std::string addr = "127.0.0.1:" + std::to_string(port);
    ASSERT_TRUE(
        wait_until([&] { return server_pid(addr, admin_of(*app)) > 0; }, std::chrono::seconds(10)));
    EXPECT_EQ(cpus_allowed(server_pid(addr, admin_of(*app))), std::to_string(cpu));
    exp.stop();
    EXPECT_EQ(exp.get_status(*app), std::vector<Status>{Status::Cancelled});
    EXPECT_TRUE(wait_until([&] { return processes_with(dir).empty(); }, std::chrono::seconds(5)))
        << join(processes_with(dir));
}

TEST(LaunchColocated, ApplicationCrashStopsTheDatabase) {
    std::string dir = make_temp_dir("exp-colo-crash");
    Experiment exp("colo", dir);
    auto app = exp.create_model(
        "app", exp.create_run_settings("/bin/sh", {"-c", "sleep 0.5; kill -SEGV $$"}));
    app->colocate_db_tcp(free_port(), "lo", 1, std::vector<int>{});
    exp.start(app);
    EXPECT_EQ(exp.get_status(*app), std::vector<Status>{Status::Failed});
    EXPECT_EQ(exp.get_returncodes(*app), std::vector<std::optional<int>>{128 + SIGSEGV});
    EXPECT_TRUE(wait_until([&] { return processes_with(dir).empty(); }, std::chrono::seconds(5)))
        << join(processes_with(dir));
}

TEST(LaunchColocated, OneDatabasePerHostUnderMpirun) {
    if (launch::find_executable("mpirun").empty()) GTEST_SKIP() << "mpirun not installed";
    std::string dir = make_temp_dir("exp-colo-mpi");
    Experiment exp("colo", dir);
    int port = free_port();
    auto rs = exp.create_run_settings(
        "/bin/sh", {"-c", "echo rank $OMPI_COMM_WORLD_RANK $SSDB; sleep 1"}, "mpirun");
    rs.set_tasks(2);
    auto app = exp.create_model("app", rs);
    app->colocate_db_tcp(port, "lo", 1, std::vector<int>{});
    exp.start(app);
    std::string out = read_text(dir + "/app/app.out");
    EXPECT_EQ(exp.get_status(*app), std::vector<Status>{Status::Completed})
        << read_text(dir + "/app/app.err");
    EXPECT_NE(out.find("rank 0 127.0.0.1:" + std::to_string(port)), std::string::npos) << out;
    EXPECT_NE(out.find("rank 1 127.0.0.1:" + std::to_string(port)), std::string::npos) << out;
    // One "database pid" line: one server for the two ranks.
    std::size_t n = 0;
    for (auto pos = out.find("database pid"); pos != std::string::npos;
         pos = out.find("database pid", pos + 1))
        ++n;
    EXPECT_EQ(n, 1u) << out;
    EXPECT_TRUE(wait_until([&] { return processes_with(dir).empty(); }, std::chrono::seconds(5)))
        << join(processes_with(dir));
}
