// The slurm launcher against a real slurmctld + two slurmd (tests/support/slurm_cluster.h): srun
// steps, sbatch jobs (an ensemble), statuses and exit codes from Slurm, scancel with no process
// left behind, reserved arguments refused.
#include <gtest/gtest.h>
#include <insitu/experiment.h>
#include <insitu/slurm.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "launch/launchers/launcher.h"
#include "launch_test_util.h"
#include "slurm_cluster.h"

namespace fs = std::filesystem;
using namespace insitu;
using namespace insitu::testing;

namespace {}  // namespace

TEST(SlurmLauncher, ModelViaSrunOnBothNodes) {
    SlurmCluster c;
    std::string dir = make_temp_dir("exp-slurm-srun");
    Experiment exp("srun", dir, "slurm");
    EXPECT_EQ(exp.launcher(), "slurm");
    // "auto" is srun under the slurm launcher.
    auto rs = exp.create_run_settings(
        "/bin/sh", {"-c", "echo task $SLURM_PROCID on $SLURMD_NODENAME of $SLURM_NTASKS; sleep 1"});
    EXPECT_EQ(rs.run_command, "srun");
    rs.set_nodes(2);
    rs.set_tasks_per_node(1);
    rs.set_cpus_per_task(1);
    rs.update_env({{"MY_VAR", "x1"}});
    auto m = exp.create_model("hello", rs);
    exp.start({m}, false);
    // While it runs Slurm lists it as a step of its own allocation.
    ASSERT_TRUE(wait_until([&] { return exp.get_status(*m)[0] == Status::Running; },
                           std::chrono::seconds(10)));
    auto steps = c.run({"squeue", "-h", "-s", "-o", "%j %N"});
    EXPECT_NE(steps.out.find("hello-"), std::string::npos) << steps.out;
    exp.poll(1, false);
    EXPECT_EQ(exp.get_status(*m), std::vector<Status>{Status::Completed});
    EXPECT_EQ(exp.get_returncodes(*m)[0], 0);
    std::string out = read_text(dir + "/hello/hello.out");
    EXPECT_EQ(lines_with(out, "task"),
              (std::vector<std::string>{"task 0 on n1 of 2", "task 1 on n2 of 2"}))
        << out;
}

TEST(SlurmLauncher, FailingApplicationIsFailedWithItsExitCode) {
    SlurmCluster c;
    std::string dir = make_temp_dir("exp-slurm-fail");
    Experiment exp("fail", dir, "slurm");
    auto step =
        exp.create_model("step", exp.create_run_settings("/bin/sh", {"-c", "exit 7"}, "srun"));
    auto rs = exp.create_run_settings("/bin/sh", {"-c", "echo batch; exit 5"}, "");
    auto batch = exp.create_model("batch", rs);
    batch->set_batch_settings(exp.create_batch_settings(1, "00:02:00"));
    exp.start({step, batch});
    EXPECT_EQ(exp.get_status(*step), std::vector<Status>{Status::Failed});
    EXPECT_EQ(exp.get_returncodes(*step)[0], 7);
    EXPECT_EQ(exp.get_status(*batch), std::vector<Status>{Status::Failed});
    EXPECT_EQ(exp.get_returncodes(*batch)[0], 5);
    EXPECT_EQ(read_text(dir + "/batch/batch.out"), "batch\n");
    // The summary names the Slurm job.
    EXPECT_NE(exp.summary().find("Failed"), std::string::npos);
}

TEST(SlurmLauncher, EnsembleViaSbatch) {
    SlurmCluster c;
    std::string dir = make_temp_dir("exp-slurm-ens");
    Experiment exp("ens", dir, "slurm");
    auto rs = exp.create_run_settings(
        "/bin/sh", {"-c", "echo member $SSKEYOUT job $SLURM_JOB_ID on $SLURMD_NODENAME"}, "srun");
    rs.set_tasks(1);
    auto ens = exp.create_ensemble("ens", {}, rs, 3);
    auto bs = exp.create_batch_settings(1, "00:05:00", "debug", "", {{"comment", "insitu-test"}});
    ens->set_batch_settings(bs);
    exp.start({ens});
    EXPECT_EQ(exp.get_status(*ens),
              (std::vector<Status>{Status::Completed, Status::Completed, Status::Completed}));
    EXPECT_EQ(exp.get_returncodes(*ens), (std::vector<std::optional<int>>{0, 0, 0}));
    std::set<std::string> jobs;
    for (int i = 0; i < 3; ++i) {
        std::string name = "ens_" + std::to_string(i);
        std::string script = read_text(dir + "/ens/" + name + "/" + name + ".sbatch");
        EXPECT_NE(script.find("#SBATCH --time=00:05:00\n"), std::string::npos) << script;
        EXPECT_NE(script.find("#SBATCH --partition=debug\n"), std::string::npos) << script;
        EXPECT_NE(script.find("#SBATCH --comment=insitu-test\n"), std::string::npos) << script;
        std::smatch mm;
        std::string out = read_text(dir + "/ens/" + name + "/" + name + ".out");
        ASSERT_TRUE(
            std::regex_search(out, mm, std::regex("member " + name + " job ([0-9]+) on n[12]")))
            << out;
        jobs.insert(mm[1]);
    }
    EXPECT_EQ(jobs.size(), 3u);  // three batch jobs
    // Slurm's own record agrees (the job completion log).
    std::string comp = read_text(c.jobcomp_path());
    for (const auto& j : jobs)
        EXPECT_TRUE(std::regex_search(comp, std::regex("JobId=" + j + " .*JobState=COMPLETED")))
            << comp;
}

TEST(SlurmLauncher, StopCancelsRunningStepsAndJobsLeavingNoProcess) {
    SlurmCluster c;
    std::string dir = make_temp_dir("exp-slurm-stop");
    Experiment exp("stop", dir, "slurm");
    auto step = exp.create_model("step", exp.create_run_settings("/bin/sleep", {"287"}, "srun"));
    auto job = exp.create_model("job", exp.create_run_settings("/bin/sleep", {"289"}, ""));
    job->set_batch_settings(exp.create_batch_settings(1));
    exp.start({step, job}, false);
    ASSERT_TRUE(wait_until(
        [&] {
            return exp.get_status(*step)[0] == Status::Running &&
                   exp.get_status(*job)[0] == Status::Running;
        },
        std::chrono::seconds(15)));
    ASSERT_TRUE(wait_until(
        [&] {
            return !processes_with("sleep 287").empty() && !processes_with("sleep 289").empty();
        },
        std::chrono::seconds(15)));
    exp.stop({step});
    EXPECT_EQ(exp.get_status(*step), std::vector<Status>{Status::Cancelled});
    EXPECT_TRUE(
        wait_until([&] { return processes_with("sleep 287").empty(); }, std::chrono::seconds(5)))
        << join(processes_with("sleep 287"));
    exp.stop({job});
    EXPECT_EQ(exp.get_status(*job), std::vector<Status>{Status::Cancelled});
    EXPECT_TRUE(
        wait_until([&] { return processes_with("sleep 289").empty(); }, std::chrono::seconds(5)))
        << join(processes_with("sleep 289"));
    auto q = c.run({"squeue", "-h", "-o", "%i %T"});
    EXPECT_TRUE(wait_until(
        [&] {
            return c.run({"squeue", "-h", "-t", "PD,R", "-o", "%i"}).out.empty();
        },
        std::chrono::seconds(5)))
        << q.out;
    EXPECT_NE(read_text(c.jobcomp_path()).find("JobState=CANCELLED"), std::string::npos);
}

TEST(SlurmLauncher, StepsInsideAnAllocation) {
    SlurmCluster c;
    std::string alloc = slurm::get_allocation(2, "00:10:00");
    EXPECT_EQ(slurm::get_hosts(alloc), (std::vector<std::string>{"n1", "n2"}));
    std::string dir = make_temp_dir("exp-slurm-alloc");
    {
        Experiment exp("alloc", dir, "slurm");
        auto rs = exp.create_run_settings("/bin/sh", {"-c", "echo $SLURM_JOB_ID $SLURMD_NODENAME"},
                                          "srun");
        rs.run_args["jobid"] = alloc;
        rs.set_hostlist({"n2"});
        rs.set_tasks(1);
        auto m = exp.create_model("in_alloc", rs);
        exp.start({m});
        EXPECT_EQ(exp.get_status(*m), std::vector<Status>{Status::Completed});
        EXPECT_EQ(read_text(dir + "/in_alloc/in_alloc.out"), alloc + " n2\n");
    }
    slurm::release_allocation(alloc);
    EXPECT_TRUE(wait_until(
        [&] {
            return c.run({"squeue", "-h", "-j", alloc, "-t", "R"}).out.empty();
        },
        std::chrono::seconds(5)));
}

TEST(SlurmLauncher, ReservedAndUnsupportedArgumentsAreRefused) {
    SlurmCluster c;
    std::string dir = make_temp_dir("exp-slurm-bad");
    Experiment exp("bad", dir, "slurm");
    auto rs = exp.create_run_settings("/bin/true", {}, "srun");
    rs.set("output", "/tmp/x");
    auto m = exp.create_model("m", rs);
    try {
        exp.start({m});
        FAIL() << "an srun --output was accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("'output' is set by the launcher"), std::string::npos)
            << e.what();
    }
    auto bs = exp.create_batch_settings(1);
    EXPECT_THROW(bs.set_batch_arg("job-name", "x"), std::invalid_argument);
    EXPECT_THROW(bs.set_batch_arg("parsable"), std::invalid_argument);
    EXPECT_THROW(exp.create_run_settings("/bin/true", {}, "aprun"), std::invalid_argument);
    auto db = exp.create_database(0, 3);
    EXPECT_THROW(db->set_run_arg("ntasks", "4"), std::invalid_argument);
    EXPECT_THROW(db->set_run_arg("nodelist", "n1"), std::invalid_argument);
    EXPECT_THROW(db->set_walltime("00:01:00"), std::runtime_error);  // not a batch database
    // The local launcher has no queue.
    Experiment local("local", dir + "/local");
    EXPECT_THROW(local.create_batch_settings(1), std::invalid_argument);
    EXPECT_THROW(local.create_run_settings("/bin/true", {}, "srun"), std::invalid_argument);
}

TEST(SlurmLauncher, AutoDetectsSlurmInsideAJobOnly) {
    SlurmCluster c;
    ::unsetenv("SLURM_JOB_ID");
    EXPECT_EQ(launch::detect_launcher(), "local");
    ::setenv("SLURM_JOB_ID", "1", 1);
    EXPECT_EQ(launch::detect_launcher(), "slurm");
    EXPECT_EQ(launch::make_launcher("auto")->name(), "slurm");
    ::unsetenv("SLURM_JOB_ID");
    ::setenv("PBS_JOBID", "1.pbs", 1);
    EXPECT_EQ(launch::detect_launcher(), "local");  // no qsub/qstat here
    ::unsetenv("PBS_JOBID");
    EXPECT_THROW(launch::make_launcher("pbs"), std::invalid_argument);
}

TEST(SlurmLauncher, MpirunInsideABatchJob) {
    SlurmCluster c;
    std::string dir = make_temp_dir("exp-slurm-mpirun");
    Experiment exp("mpirun", dir, "slurm");
    auto rs = exp.create_run_settings(
        "/bin/sh",
        {"-c", "echo rank $OMPI_COMM_WORLD_RANK of $OMPI_COMM_WORLD_SIZE job $SLURM_JOB_ID"},
        "mpirun");
    rs.set_tasks(2);
    auto m = exp.create_model("mpi", rs);
    m->set_batch_settings(exp.create_batch_settings(1, "00:02:00", "", "", {{"ntasks", "2"}}));
    exp.start({m});
    std::string out = read_text(dir + "/mpi/mpi.out");
    EXPECT_EQ(exp.get_status(*m), std::vector<Status>{Status::Completed})
        << out << read_text(dir + "/mpi/mpi.err");
    std::string script = read_text(dir + "/mpi/mpi.sbatch");
    EXPECT_NE(script.find("mpirun --np 2"), std::string::npos) << script;
    std::smatch mm;
    ASSERT_TRUE(std::regex_search(out, mm, std::regex("rank 0 of 2 job ([0-9]+)"))) << out;
    EXPECT_NE(out.find("rank 1 of 2 job " + mm[1].str()), std::string::npos) << out;
}
