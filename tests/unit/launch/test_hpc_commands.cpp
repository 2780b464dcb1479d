// The generated text of HPC launches, checked word for word: srun, aprun and jsrun command lines,
// jsrun ERF files, sbatch/qsub/bsub scripts, refused arguments, and Slurm state mapping. No
// workload manager runs here (PBS and LSF are not reachable from this project's machines), so
// these are the checks a site can compare against its own documentation.
#include <gtest/gtest.h>
#include <insitu/batch_settings.h>
#include <insitu/run_settings.h>

#include <algorithm>

#include "launch/hpc/batch_script.h"
#include "launch/hpc/run_commands.h"
#include "launch/launchers/slurm/slurm_commands.h"
#include "launch/launchers/slurm/slurm_launcher.h"

using namespace insitu;
using namespace insitu::launch;
using V = std::vector<std::string>;

namespace {

RunSettings settings(const std::string& rc, const std::string& exe = "/apps/sim",
                     V args = {"--steps", "10"}) {
    RunSettings rs;
    rs.run_command = rc;
    rs.exe = exe;
    rs.exe_args = std::move(args);
    return rs;
}

std::string expect_invalid(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    ADD_FAILURE() << "no std::invalid_argument";
    return "";
}

}  // namespace

TEST(HpcSrun, SettersWriteSrunArguments) {
    RunSettings rs = settings("srun");
    rs.set_nodes(2);
    rs.set_tasks(8);
    rs.set_tasks_per_node(4);
    rs.set_cpus_per_task(2);
    rs.set_hostlist({"nid001", "nid002"});
    rs.set_excluded_hosts({"nid003"});
    rs.set_cpu_bindings({0, 2});
    rs.set_memory_per_node(4096);
    rs.set_walltime("01:00:00");
    rs.set_mpi("pmix");
    rs.set("x", "nid009");
    rs.set("kill-on-bad-exit");
    EXPECT_EQ(rs.tasks(), 8);
    EXPECT_EQ(format_srun(rs, {}, "sim-1"),
              (V{"srun", "--job-name=sim-1", "--cpu-bind=map_cpu:0,2", "--cpus-per-task=2",
                 "--exclude=nid003", "--kill-on-bad-exit", "--mem=4096M", "--mpi=pmix",
                 "--nodelist=nid001,nid002", "--nodes=2", "--ntasks=8", "--ntasks-per-node=4",
                 "--time=01:00:00", "-x", "nid009", "/apps/sim", "--steps", "10"}));
}

TEST(HpcSrun, MpmdAndWrappedExecutable) {
    RunSettings a = settings("srun", "/apps/sim", {});
    a.set_tasks(4);
    RunSettings b = settings("srun", "/apps/analysis", {"-v"});
    b.set_tasks(1);
    a.make_mpmd(b);
    EXPECT_EQ(format_srun(a, {}, "s"), (V{"srun", "--job-name=s", "--ntasks=4", "/apps/sim", ":",
                                          "--ntasks=1", "/apps/analysis", "-v"}));
    // A co-located wrapper replaces the executable of the first part.
    RunSettings c = settings("srun");
    EXPECT_EQ(format_srun(c, {"insitu", "run-colocated", "--", "/apps/sim"}, "s"),
              (V{"srun", "--job-name=s", "insitu", "run-colocated", "--", "/apps/sim"}));
    RunSettings m = settings("mpirun");
    EXPECT_NE(expect_invalid([&] { a.make_mpmd(m); }).find("same run command"), std::string::npos);
}

TEST(HpcSrun, ReservedArgumentsAreRefusedByName) {
    for (const char* arg : {"job-name", "J", "output", "o", "error", "e"}) {
        RunSettings rs = settings("srun");
        rs.set(arg, "x");
        std::string msg = expect_invalid([&] { format_srun(rs, {}, "s"); });
        EXPECT_NE(msg.find(std::string("srun argument '") + arg + "' is set by the launcher"),
                  std::string::npos)
            << msg;
    }
    RunSettings rs = settings("srun");
    EXPECT_THROW(rs.set_walltime("1:00"), std::invalid_argument);
    EXPECT_THROW(rs.set_tasks(0), std::invalid_argument);
    EXPECT_THROW(rs.set_hostlist({"a,b"}), std::invalid_argument);
}

// Since Slurm 21.08 a step without --exact asks for every CPU the job has on its node, so an
// application next to database shards would wait for them forever (issue 12, item 4).
TEST(HpcSrun, ApplicationStepsAskForExactlyTheirSettings) {
    SlurmLauncher slurm;
    RunSettings rs = settings("srun");
    rs.set_tasks(1);
    EXPECT_EQ(slurm.command_line(rs, {}, {}),
              (V{"srun", "--job-name=", "--exact", "--ntasks=1", "/apps/sim", "--steps", "10"}));
    EXPECT_EQ(slurm.resource_request(rs), "--exact --ntasks=1");
    // Default settings: --exact alone (srun takes the rest from the allocation's environment).
    EXPECT_EQ(slurm.command_line(settings("srun", "/apps/sim", {}), {}, {}),
              (V{"srun", "--job-name=", "--exact", "/apps/sim"}));
    // Overlapping CPUs only when the settings ask for it; --exact still bounds the step.
    RunSettings overlap = rs;
    overlap.set("overlap");
    EXPECT_EQ(slurm.command_line(overlap, {}, {}),
              (V{"srun", "--job-name=", "--exact", "--ntasks=1", "--overlap", "/apps/sim",
                 "--steps", "10"}));
    // Whole nodes asked for explicitly: no --exact next to it.
    RunSettings whole = rs;
    whole.set("whole");
    EXPECT_EQ(slurm.command_line(whole, {}, {}),
              (V{"srun", "--job-name=", "--ntasks=1", "--whole", "/apps/sim", "--steps", "10"}));
    // Every MPMD part asks for exactly its own share; a co-located wrapper changes nothing.
    RunSettings a = settings("srun", "/apps/sim", {});
    a.set_tasks(2);
    RunSettings b = settings("srun", "/apps/analysis", {});
    b.set_tasks(1);
    a.make_mpmd(b);
    EXPECT_EQ(slurm.command_line(a, {}, {}),
              (V{"srun", "--job-name=", "--exact", "--ntasks=2", "/apps/sim", ":", "--exact",
                 "--ntasks=1", "/apps/analysis"}));
    EXPECT_EQ(slurm.resource_request(a), "--exact --ntasks=2 : --exact --ntasks=1");
    EXPECT_EQ(slurm.command_line(rs, {"insitu", "run-colocated", "--", "/apps/sim"}, {}),
              (V{"srun", "--job-name=", "--exact", "--ntasks=1", "insitu", "run-colocated", "--",
                 "/apps/sim"}));
    // The settings themselves are not changed; mpirun and plain executables get no srun options.
    EXPECT_EQ(rs.run_args.count("exact"), 0u);
    EXPECT_EQ(slurm.resource_request(settings("mpirun")), "");
    RunSettings mpi = settings("mpirun");
    mpi.set_tasks(2);
    V mpi_argv = slurm.command_line(mpi, {}, {});
    EXPECT_EQ(std::count(mpi_argv.begin(), mpi_argv.end(), "--exact"), 0) << mpi_argv[0];
}

TEST(HpcSrun, WaitReasonFromSrunsMessages) {
    EXPECT_EQ(slurm::srun_wait_reason(""), "");
    EXPECT_EQ(
        slurm::srun_wait_reason("app output\nsrun: Job 12 step creation temporarily disabled, "
                                "retrying (Requested nodes are busy)\n"),
        "Requested nodes are busy");
    // The latest reason counts, and one that srun got past no longer does.
    EXPECT_EQ(slurm::srun_wait_reason(
                  "srun: Job 12 step creation temporarily disabled, retrying (Requested nodes are "
                  "busy)\nsrun: Job 12 step creation still disabled, retrying (Memory required by "
                  "task is not available)\n"),
              "Memory required by task is not available");
    EXPECT_EQ(slurm::srun_wait_reason("srun: Job 12 step creation temporarily disabled, retrying "
                                      "(Requested nodes are busy)\nsrun: Step created for "
                                      "StepId=12.3\n"),
              "");
    EXPECT_EQ(slurm::srun_wait_reason("srun: job 13 queued and waiting for resources\n"),
              "queued and waiting for resources");
    // Application output that merely mentions the words is not srun's.
    EXPECT_EQ(slurm::srun_wait_reason("step creation (not srun)\n"), "");
}

TEST(HpcSrun, StartTimeoutFromSettingsExperimentOrEnvironment) {
    using std::chrono::milliseconds;
    ::unsetenv("INSITU_STEP_START_TIMEOUT");
    EXPECT_EQ(resolve_start_timeout({}, {}), milliseconds(300000));
    ::setenv("INSITU_STEP_START_TIMEOUT", "2.5", 1);
    EXPECT_EQ(resolve_start_timeout({}, {}), milliseconds(2500));
    EXPECT_EQ(resolve_start_timeout({}, 7.0), milliseconds(7000));
    EXPECT_EQ(resolve_start_timeout(0.0, 7.0), milliseconds(0));  // 0: no limit
    ::setenv("INSITU_STEP_START_TIMEOUT", "ten", 1);
    EXPECT_NE(
        expect_invalid([] { resolve_start_timeout({}, {}); }).find("INSITU_STEP_START_TIMEOUT"),
        std::string::npos);
    ::setenv("INSITU_STEP_START_TIMEOUT", "-1", 1);
    EXPECT_THROW(resolve_start_timeout({}, {}), std::invalid_argument);
    ::unsetenv("INSITU_STEP_START_TIMEOUT");
    RunSettings rs = settings("srun");
    EXPECT_NE(expect_invalid([&] { rs.set_start_timeout(-1); }).find("set_start_timeout"),
              std::string::npos);
    rs.set_start_timeout(30);
    EXPECT_EQ(rs.start_timeout, 30.0);
}

TEST(HpcOpenMpi, SettersAndWhatItLacks) {
    RunSettings rs = settings("mpirun");
    rs.set_tasks(4);
    rs.set_tasks_per_node(2);
    rs.set_hostlist({"h1", "h2"});
    rs.set_cpus_per_task(3);
    EXPECT_EQ(rs.run_args,
              (std::map<std::string, std::string>{
                  {"np", "4"}, {"npernode", "2"}, {"host", "h1,h2"}, {"map-by", "slot:PE=3"}}));
    EXPECT_NE(
        expect_invalid([&] { rs.set_nodes(2); }).find("not available for run command 'mpirun'"),
        std::string::npos);
    EXPECT_THROW(rs.set_excluded_hosts({"h3"}), std::invalid_argument);
    EXPECT_THROW(rs.set_mpi("pmix"), std::invalid_argument);
    RunSettings none = settings("");
    EXPECT_NE(expect_invalid([&] { none.set_nodes(1); }).find("(none)"), std::string::npos);
}

TEST(HpcAprun, CommandLine) {
    RunSettings rs = settings("aprun");
    rs.set_tasks(8);
    rs.set_tasks_per_node(4);
    rs.set_cpus_per_task(2);
    rs.set_hostlist({"nid00001", "nid00002"});
    rs.set_excluded_hosts({"nid00003"});
    rs.set_cpu_bindings({0, 1, 2, 3});
    rs.set_memory_per_node(2048);
    rs.set_walltime("00:10:00");
    RunSettings b = settings("aprun", "/apps/analysis", {});
    b.set_tasks(1);
    rs.make_mpmd(b);
    EXPECT_EQ(format_aprun(rs, {}, {{"SSDB", "10.0.0.1:6379"}}), (V{"aprun",
                                                                    "-E",
                                                                    "nid00003",
                                                                    "-L",
                                                                    "nid00001,nid00002",
                                                                    "-N",
                                                                    "4",
                                                                    "-cc",
                                                                    "0,1,2,3",
                                                                    "-d",
                                                                    "2",
                                                                    "-m",
                                                                    "2048M",
                                                                    "-n",
                                                                    "8",
                                                                    "-t",
                                                                    "600",
                                                                    "-e",
                                                                    "SSDB=10.0.0.1:6379",
                                                                    "/apps/sim",
                                                                    "--steps",
                                                                    "10",
                                                                    ":",
                                                                    "-n",
                                                                    "1",
                                                                    "-e",
                                                                    "SSDB=10.0.0.1:6379",
                                                                    "/apps/analysis"}));
}

TEST(HpcJsrun, CommandLineAndErfFile) {
    RunSettings rs = settings("jsrun");
    rs.set_tasks(12);
    rs.set_tasks_per_node(6);
    rs.set_cpus_per_task(7);
    rs.set_memory_per_node(1024);
    rs.set("gpu_per_rs", "1");
    rs.set("bind", "rs");
    EXPECT_EQ(format_jsrun(rs, {}), (V{"jsrun", "--bind", "rs", "--cpu_per_rs", "7", "--gpu_per_rs",
                                       "1", "--memory_per_rs", "1024", "--np", "12",
                                       "--rs_per_host", "6", "/apps/sim", "--steps", "10"}));
    EXPECT_THROW(rs.set_hostlist({"h1"}), std::invalid_argument);
    RunSettings bad = settings("jsrun");
    bad.set("stdio_stdout", "x");
    EXPECT_THROW(format_jsrun(bad, {}), std::invalid_argument);

    RunSettings a = settings("jsrun", "/apps/sim", {"in put"});
    RunSettings b = settings("jsrun", "/apps/db", {});
    a.mpmd.push_back(b);
    std::string erf =
        erf_file(a, {{0, 1, {0, 1, 2, 3}, {0}}, {0, 1, {4, 5, 6, 7}, {1}}, {1, 2, {0}, {}}});
    EXPECT_EQ(erf,
              "cpu_index_using: logical\n"
              "app 0: /apps/sim 'in put'\n"
              "app 1: /apps/db\n"
              "rank: 0: { host: 1; cpu: {0,1,2,3}; gpu: {0} } : app 0\n"
              "rank: 1: { host: 1; cpu: {4,5,6,7}; gpu: {1} } : app 0\n"
              "rank: 2: { host: 2; cpu: {0} } : app 1\n");
    EXPECT_EQ(format_jsrun(a, {}, "/exp/app.erf"), (V{"jsrun", "--erf_input", "/exp/app.erf"}));
    EXPECT_THROW(format_jsrun(a, {}), std::invalid_argument);  // MPMD without an ERF file
    EXPECT_THROW(erf_file(a, {{2, 1, {0}, {}}}), std::invalid_argument);
    EXPECT_THROW(erf_file(a, {{0, 1, {}, {}}}), std::invalid_argument);
}

TEST(HpcBatch, SbatchScript) {
    BatchSettings bs{"sbatch", {}, {}};
    bs.set_nodes(2);
    bs.set_walltime("00:30:00");
    bs.set_queue("debug");
    bs.set_account("proj1");
    bs.set_batch_arg("exclusive");
    bs.set_batch_arg("C", "haswell");
    bs.add_preamble({"module load openmpi"});
    BatchJob job{"sim",
                 "/exp/sim/sim.out",
                 "/exp/sim/sim.err",
                 "/exp/sim",
                 {{"srun", "--job-name=sim", "/apps/sim", "a b"}},
                 {{"SSDB", "10.0.0.1:6379"}}};
    EXPECT_EQ(batch_script(bs, job),
              "#!/bin/bash\n"
              "#SBATCH --job-name=sim\n"
              "#SBATCH --output=/exp/sim/sim.out\n"
              "#SBATCH --error=/exp/sim/sim.err\n"
              "#SBATCH --chdir=/exp/sim\n"
              "#SBATCH -C haswell\n"
              "#SBATCH --account=proj1\n"
              "#SBATCH --exclusive\n"
              "#SBATCH --nodes=2\n"
              "#SBATCH --partition=debug\n"
              "#SBATCH --time=00:30:00\n"
              "\n"
              "module load openmpi\n"
              "export SSDB=10.0.0.1:6379\n"
              "exec srun --job-name=sim /apps/sim 'a b'\n");
    for (const char* r : {"job-name", "J", "output", "error", "chdir", "parsable", "wait"}) {
        std::string msg = expect_invalid([&] { bs.set_batch_arg(r, "x"); });
        EXPECT_NE(msg.find("is set by the launcher"), std::string::npos) << msg;
    }
    // Reserved names put straight into the map are caught when the script is made.
    bs.batch_args["output"] = "/tmp/x";
    EXPECT_THROW(batch_script(bs, job), std::invalid_argument);
}

TEST(HpcBatch, QsubScriptWithSelect) {
    BatchSettings bs{"qsub", {}, {}};
    bs.set_nodes(4);
    bs.set_ncpus(36);
    bs.set_resource("ngpus", "4");
    bs.set_walltime("02:00:00");
    bs.set_queue("workq");
    bs.set_account("ABC123");
    bs.set_batch_arg("l", "place=scatter");
    BatchJob job{"ens",
                 "/exp/ens.out",
                 "/exp/ens.err",
                 "/exp",
                 {{"aprun", "-n", "4", "/apps/a"}, {"aprun", "-n", "4", "/apps/b"}},
                 {}};
    EXPECT_EQ(batch_script(bs, job),
              "#!/bin/bash\n"
              "#PBS -N ens\n"
              "#PBS -o /exp/ens.out\n"
              "#PBS -e /exp/ens.err\n"
              "#PBS -l select=4:ncpus=36:ngpus=4\n"
              "#PBS -A ABC123\n"
              "#PBS -l place=scatter\n"
              "#PBS -q workq\n"
              "#PBS -l walltime=02:00:00\n"
              "\n"
              "cd /exp\n"
              "pids=()\n"
              "aprun -n 4 /apps/a &\n"
              "pids+=($!)\n"
              "aprun -n 4 /apps/b &\n"
              "pids+=($!)\n"
              "rc=0\n"
              "for p in \"${pids[@]}\"; do wait \"$p\" || rc=$?; done\n"
              "exit $rc\n");
    EXPECT_THROW(bs.set_batch_arg("N", "x"), std::invalid_argument);
    EXPECT_THROW(bs.set_resource("bad:name", "1"), std::invalid_argument);
    BatchSettings sb{"sbatch", {}, {}};
    EXPECT_THROW(sb.set_ncpus(4), std::invalid_argument);
}

TEST(HpcBatch, BsubScript) {
    BatchSettings bs{"bsub", {}, {}};
    bs.set_nodes(4);
    bs.set_walltime("01:29:30");  // bsub -W is minutes: rounded up
    bs.set_queue("batch");
    bs.set_account("CSC000");
    bs.set_batch_arg("alloc_flags", "smt4");
    BatchJob job{
        "db", "/exp/db.out", "/exp/db.err", "/exp", {{"jsrun", "--erf_input", "/exp/db.erf"}}, {}};
    EXPECT_EQ(batch_script(bs, job),
              "#!/bin/bash\n"
              "#BSUB -J db\n"
              "#BSUB -o /exp/db.out\n"
              "#BSUB -e /exp/db.err\n"
              "#BSUB -cwd /exp\n"
              "#BSUB -P CSC000\n"
              "#BSUB -W 01:30\n"
              "#BSUB -alloc_flags smt4\n"
              "#BSUB -nnodes 4\n"
              "#BSUB -q batch\n"
              "\n"
              "cd /exp\n"
              "exec jsrun --erf_input /exp/db.erf\n");
    EXPECT_THROW(bs.set_batch_arg("J", "x"), std::invalid_argument);
    BatchSettings unknown{"msub", {}, {}};
    EXPECT_THROW(unknown.set_nodes(1), std::invalid_argument);
}

TEST(HpcBatch, ShellQuoting) {
    EXPECT_EQ(shell_quote("plain-word_1.2/x:y"), "plain-word_1.2/x:y");
    EXPECT_EQ(shell_quote(""), "''");
    EXPECT_EQ(shell_quote("it's $HOME"), "'it'\\''s $HOME'");
}

TEST(HpcSlurmState, StatesAndExitCodes) {
    EXPECT_EQ(slurm::map_state("PENDING"), Status::Queued);
    EXPECT_EQ(slurm::map_state("RUNNING"), Status::Running);
    EXPECT_EQ(slurm::map_state("COMPLETING"), Status::Running);
    EXPECT_EQ(slurm::map_state("COMPLETED"), Status::Completed);
    EXPECT_EQ(slurm::map_state("CANCELLED"), Status::Cancelled);
    EXPECT_EQ(slurm::map_state("CANCELLED+"), Status::Cancelled);
    for (const char* f :
         {"FAILED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "PREEMPTED"})
        EXPECT_EQ(slurm::map_state(f), Status::Failed) << f;
    EXPECT_EQ(slurm::parse_exit_code("7:0"), 7);
    EXPECT_EQ(slurm::parse_exit_code("0:9"), 137);
    EXPECT_EQ(slurm::parse_exit_code("0:0"), 0);
    EXPECT_EQ(slurm::parse_exit_code(""), std::nullopt);
    EXPECT_EQ(slurm::parse_exit_code("x:y"), std::nullopt);
    EXPECT_EQ(to_string(Status::Queued), "Queued");
}
