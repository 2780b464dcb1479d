// The Slurm fixture itself: two emulated nodes come up idle, run tasks, and leave nothing behind,
// also when the test using them fails half-way with a job still running.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "launch_test_util.h"
#include "slurm_cluster.h"

using namespace insitu::testing;

namespace {

bool gone(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), {});
    auto rp = stat.rfind(')');
    return stat.empty() || (rp != std::string::npos && stat[rp + 2] == 'Z');
}

}  // namespace

TEST(SlurmFixture, TwoIdleNodesRunTasksOnBoth) {
    SlurmCluster c;
    auto info = c.run({"sinfo", "-h", "-N", "-o", "%N %T %c"});
    ASSERT_EQ(info.rc, 0) << info.err;
    EXPECT_EQ(info.out, "n1 idle 4\nn2 idle 4\n");
    auto r = c.run({"srun", "-N2", "--ntasks-per-node=1", "sh", "-c", "echo $SLURMD_NODENAME"});
    ASSERT_EQ(r.rc, 0) << r.err;
    std::istringstream in(r.out);
    std::vector<std::string> names;
    for (std::string l; std::getline(in, l);) names.push_back(l);
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"n1", "n2"}));
    auto fail = c.run({"srun", "-N1", "sh", "-c", "exit 3"});
    EXPECT_EQ(fail.rc, 3);
}

TEST(SlurmFixture, TeardownAfterAFailedTestLeavesNoProcess) {
    std::vector<int> daemons;
    std::string dir;
    try {
        SlurmCluster c;
        dir = c.dir();
        daemons = c.daemon_pids();
        auto r = c.run({"sbatch", "--parsable", "-o", "/dev/null", "--wrap", "sleep 317"});
        ASSERT_EQ(r.rc, 0) << r.err;
        ASSERT_TRUE(wait_until(
            [&] {
                return c.run({"squeue", "-h", "-o", "%T"}).out == "RUNNING\n";
            },
            std::chrono::seconds(10)));
        throw std::runtime_error("the test fails here");
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "the test fails here");
    }
    ASSERT_EQ(daemons.size(), 4u);  // munged, slurmctld, 2 x slurmd
    for (int pid : daemons) EXPECT_TRUE(gone(pid)) << pid;
    // Neither the daemons, nor slurmstepd, nor the job's sleep carry the cluster's directory any
    // more.
    EXPECT_TRUE(processes_with(dir).empty()) << join(processes_with(dir));
    EXPECT_TRUE(
        wait_until([&] { return processes_with("sleep 317").empty(); }, std::chrono::seconds(3)))
        << join(processes_with("sleep 317"));
}
