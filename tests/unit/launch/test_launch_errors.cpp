// Real calls of the launch API that fail, and the typed error each raises: its class, its code,
// its std base (old handlers still catch it) and its message (unchanged). No database starts:
// every failure here comes before a server would; the Slurm ones run stand-in salloc/squeue
// scripts put first on PATH.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <insitu/experiment.h>
#include <insitu/launch_errors.h>
#include <insitu/slurm.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

using namespace insitu;
namespace fs = std::filesystem;

namespace {

struct Caught {
    ErrorCode code = ErrorCode::None;
    std::string what;
};

// Runs f, which must throw E; returns the code error_code() reads and the message.
template <class E>
Caught expect_error(const std::function<void()>& f) {
    try {
        f();
    } catch (const E& e) {
        return {error_code(e), e.what()};
    } catch (const std::exception& e) {
        ADD_FAILURE() << "wrong type (code " << error_code_name(error_code(e)) << "): " << e.what();
        return {};
    }
    ADD_FAILURE() << "nothing thrown";
    return {};
}

class LaunchErrors : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "insitu-launch-errors-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override {
        if (!saved_path_.empty()) ::setenv("PATH", saved_path_.c_str(), 1);
        ::unsetenv("INSITU_SLURM_TIMEOUT");
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    // A stand-in for a Slurm command, first on PATH for this test.
    void fake_tool(const std::string& name, const std::string& body) {
        fs::path bin = fs::path(dir_) / "bin";
        fs::create_directories(bin);
        { std::ofstream(bin / name) << "#!/bin/sh\n" << body << "\n"; }
        fs::permissions(bin / name, fs::perms::owner_all);
        if (saved_path_.empty()) {
            const char* p = std::getenv("PATH");
            saved_path_ = p ? p : "/usr/bin:/bin";
            ::setenv("PATH", (bin.string() + ":" + saved_path_).c_str(), 1);
        }
    }
    std::string dir_;
    std::string saved_path_;
};

}  // namespace

TEST_F(LaunchErrors, SecondMlModelOrScriptOfOneNameIsEntityExists) {
    Experiment exp("errs", dir_ + "/exp");
    auto m = exp.create_model("sim", exp.create_run_settings("/bin/true", {}, ""));
    m->add_ml_model("net", "TORCH", "bytes");
    auto c = expect_error<EntityExistsError>([&] { m->add_ml_model("net", "ONNX", "other"); });
    EXPECT_EQ(c.code, ErrorCode::EntityExists);
    EXPECT_EQ(c.what, "model sim already has an ML model named net");
    m->add_script("pre", "def f(x):\n    return x\n");
    c = expect_error<EntityExistsError>([&] { m->add_script("pre", "def g(x):\n    return x\n"); });
    EXPECT_EQ(c.code, ErrorCode::EntityExists);
    EXPECT_EQ(c.what, "model sim already has a script named pre");
    // Still the std::invalid_argument that callers caught before codes existed.
    EXPECT_THROW(m->add_ml_model("net", "TORCH", "bytes"), std::invalid_argument);
}

TEST_F(LaunchErrors, SecondEnsembleMemberOrDatabaseOfOneNameIsEntityExists) {
    Experiment exp("errs", dir_ + "/exp");
    auto rs = exp.create_run_settings("/bin/true", {}, "");
    auto ens = exp.create_ensemble("ens", {}, rs, 2);
    auto c =
        expect_error<EntityExistsError>([&] { ens->add_model(exp.create_model("ens_0", rs)); });
    EXPECT_EQ(c.code, ErrorCode::EntityExists);
    EXPECT_EQ(c.what, "ensemble ens already has a member ens_0");

    exp.create_database(0, 1, "lo", "cache");
    c = expect_error<EntityExistsError>([&] { exp.create_database(0, 1, "lo", "cache"); });
    EXPECT_EQ(c.code, ErrorCode::EntityExists);
    EXPECT_EQ(c.what, "a database with db_identifier 'cache' already exists in this experiment");
}

TEST_F(LaunchErrors, BadSettingsAreConfigErrors) {
    Experiment exp("errs", dir_ + "/exp");
    RunSettings rs;
    rs.exe = "/bin/true";
    rs.run_command = "srun";
    auto c = expect_error<ConfigError>([&] { rs.set_tasks(0); });
    EXPECT_EQ(c.code, ErrorCode::Parameter);
    EXPECT_EQ(c.what, "set_tasks: must be >= 1, got 0");
    c = expect_error<ConfigError>([&] { exp.create_database(6379, 2); });
    EXPECT_EQ(c.code, ErrorCode::Parameter);
    EXPECT_EQ(c.what, "db_nodes must be 1 (standalone) or >= 3 (cluster); got 2");
    c = expect_error<ConfigError>([&] { Experiment("bad", dir_ + "/bad", "bogus"); });
    EXPECT_EQ(c.code, ErrorCode::Parameter);
    EXPECT_EQ(c.what, "unknown launcher 'bogus' (local, slurm or auto)");
}

TEST_F(LaunchErrors, WhatALauncherLacksIsUnsupported) {
    Experiment exp("errs", dir_ + "/exp");
    auto c =
        expect_error<UnsupportedError>([&] { exp.create_run_settings("/bin/true", {}, "srun"); });
    EXPECT_EQ(c.code, ErrorCode::Unsupported);
    EXPECT_EQ(c.what,
              "run command 'srun' is not supported by the local launcher (use \"\" or "
              "mpirun)");
    c = expect_error<UnsupportedError>([&] { exp.create_batch_settings(); });
    EXPECT_EQ(c.code, ErrorCode::Unsupported);
    RunSettings rs;
    rs.exe = "/bin/true";
    c = expect_error<UnsupportedError>([&] { rs.set_nodes(2); });
    EXPECT_EQ(c.code, ErrorCode::Unsupported);
    EXPECT_EQ(c.what,
              "set_nodes (a node count) is not available for run command '(none)' (choose srun, "
              "mpirun, aprun or jsrun)");
    c = expect_error<UnsupportedError>([&] { Experiment("pbs", dir_ + "/pbs", "pbs"); });
    EXPECT_EQ(c.code, ErrorCode::Unsupported);
}

TEST_F(LaunchErrors, DatabasePortInUseIsALaunchError) {
    // A listener holds the port: the shard's port check refuses it before any server starts.
    // The port must be below 55535 (a database's port + 10000 is its cluster bus port).
    int fd = -1, port = 0;
    for (int tries = 0; tries < 100 && fd < 0; ++tries) {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        ASSERT_GE(fd, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
        port = ntohs(a.sin_port);
        if (port >= 55000) {
            ::close(fd);
            fd = -1;
        }
    }
    ASSERT_GE(fd, 0) << "no port below 55000";
    ASSERT_EQ(::listen(fd, 1), 0);

    Experiment exp("errs", dir_ + "/exp");
    auto db = exp.create_database(port, 1, "lo", "busy");
    auto c = expect_error<LaunchError>([&] { exp.start(db); });
    ::close(fd);
    EXPECT_EQ(c.code, ErrorCode::Launcher);
    EXPECT_EQ(c.what, "database shard busy_0: port " + std::to_string(port) +
                          " on 127.0.0.1 is already in use");
    EXPECT_FALSE(db->is_active());
}

TEST_F(LaunchErrors, RefusedAllocationIsAnAllocationError) {
    fake_tool("salloc",
              "echo 'salloc: error: Job submit/allocate failed: Requested node "
              "configuration is not available' >&2; exit 1");
    auto c = expect_error<AllocationError>([] { slurm::get_allocation(2, "00:01:00", {}, 10); });
    EXPECT_EQ(c.code, ErrorCode::Allocation);
    EXPECT_EQ(c.what,
              "salloc failed: salloc: error: Job submit/allocate failed: Requested node "
              "configuration is not available");
    EXPECT_THROW(slurm::get_allocation(2, "00:01:00", {}, 10), std::runtime_error);
}

TEST_F(LaunchErrors, SlurmThatDoesNotAnswerIsATimeout) {
    fake_tool("squeue", "sleep 30");
    ::setenv("INSITU_SLURM_TIMEOUT", "0.3", 1);
    auto c = expect_error<LaunchTimeoutError>([] { slurm::get_hosts("4242"); });
    EXPECT_EQ(c.code, ErrorCode::Timeout);
    EXPECT_NE(c.what.find(" did not answer within 0 s (is slurmctld running? see SLURM_CONF)"),
              std::string::npos)
        << c.what;
}
