// Models and ensembles: run directories, generated files, key prefixing, exit codes, MPI runs,
// run-command generation.
#include <gtest/gtest.h>
#include <insitu/experiment.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "launch/api/generator.h"
#include "launch/launchers/run_command.h"
#include "launch/os/process.h"
#include "launch_test_util.h"
#include "redis_server.h"

namespace fs = std::filesystem;
using namespace insitu;
using namespace insitu::testing;

TEST(LaunchEntities, EnsembleReplicasArePrefixedAndRunInTheirOwnDirectories) {
    std::string dir = make_temp_dir("exp-ens");
    Experiment exp("ens", dir);
    auto rs = exp.create_run_settings("/bin/sh", env_printer());
    auto ens = exp.create_ensemble("member", {}, rs, 3);
    ASSERT_EQ(ens->models().size(), 3u);
    EXPECT_TRUE(ens->query_key_prefixing());
    auto reader = exp.create_model("reader", rs);
    reader->register_incoming_entity(*ens->models()[0]);
    reader->register_incoming_entity(*ens->models()[2]);
    exp.generate(ens, reader);
    exp.start(ens, reader);
    for (auto s : exp.get_status(*ens)) EXPECT_EQ(s, Status::Completed);
    for (int i = 0; i < 3; ++i) {
        std::string name = "member_" + std::to_string(i);
        std::string out = read_text(dir + "/member/" + name + "/" + name + ".out");
        EXPECT_NE(out.find("SSKEYOUT=" + name + "\n"), std::string::npos) << out;
        EXPECT_EQ(out.find("SSKEYIN"), std::string::npos) << out;
    }
    std::string out = read_text(dir + "/reader/reader.out");
    EXPECT_NE(out.find("SSKEYIN=member_0,member_2\n"), std::string::npos) << out;
    EXPECT_EQ(out.find("SSKEYOUT"), std::string::npos) << "a model is not prefixed by default";
    ens->disable_key_prefixing();
    EXPECT_FALSE(ens->models()[1]->query_key_prefixing());
}

TEST(LaunchEntities, ParameterSweepsAndTaggedFiles) {
    std::string dir = make_temp_dir("exp-sweep");
    std::string src = dir + "/src";
    fs::create_directories(src + "/data");
    std::ofstream(src + "/input.nml") << "steps = ;steps;\nalpha=;alpha; ;unknown; a;b\n";
    std::ofstream(src + "/data/table.txt") << "table\n";
    std::ofstream(src + "/big.bin") << "big\n";
    Experiment exp("sweep", dir);
    auto rs = exp.create_run_settings("/bin/cat", {"input.nml"});
    auto ens = exp.create_ensemble("sw", {{"steps", {"10", "20"}}, {"alpha", {"0.1", "0.2"}}}, rs);
    ASSERT_EQ(ens->models().size(), 4u);
    ens->attach_generator_files({src + "/data"}, {src + "/big.bin"}, {src + "/input.nml"});
    auto step = exp.create_ensemble("st", {{"steps", {"1", "2", "3"}}, {"alpha", {"x", "y", "z"}}},
                                    rs, 0, "step");
    ASSERT_EQ(step->models().size(), 3u);
    EXPECT_EQ(step->models()[2]->params().at("alpha"), "z");
    EXPECT_EQ(step->models()[2]->params().at("steps"), "3");
    exp.generate(ens);
    EXPECT_THROW(exp.generate(ens), std::runtime_error) << "existing run directories";
    exp.generate({ens}, /*overwrite=*/true);
    std::set<std::string> seen;
    for (const auto& m : ens->models()) {
        std::string d = m->path();
        EXPECT_EQ(read_text(d + "/data/table.txt"), "table\n");
        EXPECT_TRUE(fs::is_symlink(d + "/big.bin"));
        EXPECT_EQ(fs::read_symlink(d + "/big.bin"), fs::path(src + "/big.bin"));
        std::string nml = read_text(d + "/input.nml");
        EXPECT_EQ(nml, "steps = " + m->params().at("steps") + "\nalpha=" + m->params().at("alpha") +
                           " ;unknown; a;b\n");
        seen.insert(nml);
    }
    EXPECT_EQ(seen.size(), 4u);
    exp.start(ens);
    std::string out = read_text(ens->models()[3]->path() + "/sw_3.out");
    EXPECT_NE(out.find("steps = "), std::string::npos) << "ran in its run directory";
    EXPECT_EQ(launch::configure_text("x=;a;;b;", {{"a", "1"}, {"b", "2"}}, ";"), "x=12");
    EXPECT_EQ(launch::configure_text("@@a@@", {{"a", "1"}}, "@@"), "1");
}

TEST(LaunchEntities, StatusesAndExitCodes) {
    std::string dir = make_temp_dir("exp-status");
    Experiment exp("status", dir);
    auto ok = exp.create_model("ok", exp.create_run_settings("/bin/true"));
    auto bad = exp.create_model(
        "bad", exp.create_run_settings("/bin/sh", {"-c", "echo oops >&2; exit 3"}));
    auto slow = exp.create_model("slow", exp.create_run_settings("/bin/sleep", {"60"}));
    EXPECT_EQ(exp.get_status(*ok), std::vector<Status>{Status::New});
    EXPECT_THROW(exp.finished(*ok), std::invalid_argument);
    exp.start({ok, bad, slow}, /*block=*/false);
    EXPECT_EQ(exp.get_status(*slow), std::vector<Status>{Status::Running});
    EXPECT_FALSE(exp.finished(*slow));
    ASSERT_TRUE(wait_until([&] { return exp.finished(*ok) && exp.finished(*bad); },
                           std::chrono::seconds(10)));
    EXPECT_EQ(exp.get_status(*ok), std::vector<Status>{Status::Completed});
    EXPECT_EQ(exp.get_status(*bad), std::vector<Status>{Status::Failed});
    EXPECT_EQ(exp.get_returncodes(*bad), std::vector<std::optional<int>>{3});
    EXPECT_EQ(read_text(dir + "/bad/bad.err"), "oops\n");
    exp.stop(slow);
    EXPECT_EQ(exp.get_status(*slow), std::vector<Status>{Status::Cancelled});
    std::string table = exp.summary();
    for (const char* s : {"Completed", "Failed", "Cancelled", "| 3 ", "Returncode"})
        EXPECT_NE(table.find(s), std::string::npos) << table;
    // A second run of the same model is a new run id.
    exp.start(ok);
    EXPECT_NE(exp.summary().find("| ok   | Model       |"), std::string::npos) << exp.summary();
    EXPECT_THROW(exp.create_model("x", exp.create_run_settings("/bin/true", {}, "srun")),
                 std::invalid_argument);
    // PBS and LSF have generated commands only (tests/unit/launch/test_hpc_commands.cpp).
    EXPECT_THROW(Experiment("y", dir + "/y", "pbs"), std::invalid_argument);
    EXPECT_THROW(Experiment("y", dir + "/y", "lsf"), std::invalid_argument);
}

TEST(LaunchEntities, MissingExecutableNamesTheModel) {
    Experiment exp("missing", make_temp_dir("exp-missing"));
    auto m = exp.create_model("ghost", exp.create_run_settings("/nonexistent/app"));
    try {
        exp.start(m);
        FAIL();
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("ghost"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("/nonexistent/app"), std::string::npos) << e.what();
    }
}

TEST(LaunchEntities, MpirunCommandLineAndTwoRanks) {
    if (launch::find_executable("mpirun").empty()) GTEST_SKIP() << "mpirun not installed";
    RunSettings rs{"/bin/app", {"a"}, "mpirun", {}, {}};
    rs.set_tasks(2);
    rs.set("bind-to", "none");
    auto argv = launch::format_command(rs, {}, {{"SSDB", "x"}});
    std::vector<std::string> want = {"--bind-to", "none", "--np",     "2",
                                     "-x",        "SSDB", "/bin/app", "a"};
    ASSERT_EQ(argv.size(), want.size() + 1);
    EXPECT_TRUE(std::equal(want.begin(), want.end(), argv.begin() + 1));

    std::string dir = make_temp_dir("exp-mpi");
    Experiment exp("mpi", dir);
    auto db = exp.create_database(0, 1);
    auto mrs = exp.create_run_settings(
        "/bin/sh", {"-c", "echo rank=$OMPI_COMM_WORLD_RANK ssdb=$SSDB"}, "mpirun");
    mrs.set_tasks(2);
    auto m = exp.create_model("ranks", mrs);
    exp.start(db);
    exp.start(m);
    EXPECT_EQ(exp.get_status(*m), std::vector<Status>{Status::Completed})
        << read_text(dir + "/ranks/ranks.err");
    std::string out = read_text(dir + "/ranks/ranks.out");
    std::string ssdb = db->get_address()[0];
    EXPECT_NE(out.find("rank=0 ssdb=" + ssdb), std::string::npos) << out;
    EXPECT_NE(out.find("rank=1 ssdb=" + ssdb), std::string::npos) << out;
    exp.stop();
}

TEST(LaunchEntities, ParamsAsArgsAndEnsembleObjectsReachLateMembers) {
    std::string dir = make_temp_dir("exp-params-args");
    RunSettings rs;
    rs.exe = "/bin/echo";
    rs.exe_args = {"run"};
    Model m("m", rs, {{"steps", "10"}, {"n", "3"}, {"--alpha", "0.5"}, {"-b", "x"}}, dir + "/m");
    m.set_params_as_args({"steps", "n", "--alpha", "-b"});
    m.params_to_args();
    EXPECT_EQ(m.run_settings().exe_args,
              (std::vector<std::string>{"run", "--steps=10", "-n", "3", "--alpha=0.5", "-b", "x"}));
    m.set_params_as_args({"missing"});
    EXPECT_THROW(m.params_to_args(), std::invalid_argument);

    Ensemble ens("ens", dir + "/ens");
    ens.add_function("twice", "def twice(x):\n    return 2 * x\n");
    EXPECT_THROW(ens.add_function("twice", "def twice(x):\n    return x\n"), std::invalid_argument);
    auto late =
        std::make_shared<Model>("late", rs, std::map<std::string, std::string>{}, dir + "/late");
    ens.add_model(late);
    ASSERT_EQ(late->db_scripts().size(), 1u);
    EXPECT_EQ(late->db_scripts()[0].name, "twice");
    EXPECT_EQ(ens.db_scripts().size(), 1u);
    EXPECT_TRUE(late->query_key_prefixing());
}
