// No process is left behind: after stop, after an application crash, after the Experiment goes
// out of scope, and after the driver itself is killed with SIGKILL.
#include <gtest/gtest.h>
#include <insitu/experiment.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "launch_test_util.h"
#include "redis_server.h"

namespace fs = std::filesystem;
using namespace insitu;
using namespace insitu::testing;

TEST(LaunchHygiene, ApplicationCrashLeavesDatabaseRunningAndStopCleansUp) {
    std::string dir = make_temp_dir("exp-hyg-crash");
    Experiment exp("hyg", dir);
    auto db = exp.create_database(0, 3);
    // The crashing application leaves a background child in its process group.
    auto app = exp.create_model(
        "crasher", exp.create_run_settings("/bin/sh", {"-c", "sleep 300 & kill -ABRT $$"}));
    exp.start(db);
    exp.start(app);
    EXPECT_EQ(exp.get_status(*app), std::vector<Status>{Status::Failed});
    EXPECT_TRUE(db->is_active());
    exp.stop();
    EXPECT_TRUE(wait_until([&] { return processes_with(dir).empty(); }, std::chrono::seconds(5)))
        << join(processes_with(dir));
}

TEST(LaunchHygiene, DestructorStopsEverything) {
    std::string dir = make_temp_dir("exp-hyg-dtor");
    {
        Experiment exp("hyg", dir);
        auto db = exp.create_database(0, 1);
        auto app = exp.create_model("sleeper", exp.create_run_settings("/bin/sleep", {"300"}));
        app->colocate_db_tcp(free_port(), "lo", 1, std::vector<int>{});
        exp.start(db);
        exp.start({app}, false);
        ASSERT_TRUE(
            wait_until([&] { return processes_with(dir).size() >= 4; }, std::chrono::seconds(10)))
            << join(processes_with(dir));
    }
    EXPECT_TRUE(wait_until([&] { return processes_with(dir).empty(); }, std::chrono::seconds(5)))
        << join(processes_with(dir));
}

TEST(LaunchHygiene, KilledDriverLeavesNoProcess) {
    std::string dir = make_temp_dir("exp-hyg-kill");
    std::string ready = dir + "/ready";
    pid_t driver = ::fork();
    ASSERT_GE(driver, 0);
    if (driver == 0) {
        try {
            Experiment exp("hyg", dir + "/exp");
            auto db = exp.create_database(0, 3);
            auto app = exp.create_model("sleeper", exp.create_run_settings("/bin/sleep", {"300"}));
            auto colo = exp.create_model("colo", exp.create_run_settings("/bin/sleep", {"300"}));
            colo->colocate_db_tcp(free_port(), "lo", 1, std::vector<int>{});
            exp.start(db);
            exp.start({app, colo}, false);
            // Wait until the co-located server is up too, then report.
            for (int i = 0; i < 200 && read_text(dir + "/exp/colo/colo.out").find("database pid") ==
                                           std::string::npos;
                 ++i)
                ::usleep(50000);
            // Written whole, then renamed: the parent never reads a half-written file.
            { std::ofstream(ready + ".tmp") << "1"; }
            fs::rename(ready + ".tmp", ready);
            for (;;) ::pause();
        } catch (const std::exception& e) {
            { std::ofstream(ready + ".tmp") << e.what(); }
            fs::rename(ready + ".tmp", ready);
            ::_exit(1);
        }
    }
    // Whatever happens below, the forked driver does not outlive the test.
    struct KillDriver {
        pid_t pid;
        ~KillDriver() {
            if (pid > 0 && ::kill(pid, SIGKILL) == 0) ::waitpid(pid, nullptr, 0);
        }
    } guard{driver};
    ASSERT_TRUE(wait_until([&] { return fs::exists(ready); }, std::chrono::seconds(60)));
    ASSERT_EQ(read_text(ready), "1");
    auto before = processes_with(dir);
    // 3 shards, the sleeper, the co-located wrapper, its server and its application.
    EXPECT_GE(before.size(), 7u) << join(before);
    ::kill(driver, SIGKILL);
    ::waitpid(driver, nullptr, 0);
    guard.pid = -1;
    EXPECT_TRUE(wait_until([&] { return processes_with(dir).empty(); }, std::chrono::seconds(10)))
        << join(processes_with(dir));
}
