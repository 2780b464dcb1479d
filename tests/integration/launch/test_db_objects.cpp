// Models, scripts and functions attached to entities (add_ml_model / add_script / add_function):
// stored by the driver into standalone and clustered databases, by the start-up step into a
// co-located one, and run by a real application; bad ones fail start() and leave nothing behind.
#include <gtest/gtest.h>
#include <insitu/experiment.h>

#include <filesystem>
#include <fstream>

#include "launch/db/acl_users.h"
#include "launch/db/db_command.h"
#include "launch/db/db_objects.h"
#include "launch_test_util.h"
#include "redis_server.h"

namespace fs = std::filesystem;
using namespace insitu;
using namespace insitu::testing;

namespace {

std::string models_dir() {
#ifdef INSITU_TEST_MODELS_DIR
    return INSITU_TEST_MODELS_DIR;
#else
    return "";
#endif
}

const char* k_times_two = "def times_two(x):\n    return x * 2.0\n";

// The application with model "mlp", script "util" and function "times_two" attached.
template <class E>
void attach_objects(E& e) {
    DBModel m;
    m.name = "mlp";
    m.backend = "TORCH";
    m.model_path = models_dir() + "/mlp_traced.pt";
    e.add_ml_model(m);
    DBScript s;
    s.name = "util";
    s.script_path = models_dir() + "/script.txt";
    e.add_script(s);
    e.add_function("times_two", k_times_two);
}

std::string throw_message(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no exception)";
}

}  // namespace

TEST(LaunchDBObjects, AttachValidatesLikeThePeer) {
    RunSettings rs{"/bin/true", {}, "", {}, {}};
    Model m("m", rs, {}, "/tmp/x");
    EXPECT_THROW(m.add_ml_model("a", "PYTORCH", "bytes"), std::invalid_argument);
    EXPECT_THROW(m.add_ml_model("a", "TORCH"), std::invalid_argument);  // neither bytes nor path
    EXPECT_THROW(m.add_ml_model("a", "TORCH", "bytes", "/some/file"), std::invalid_argument);
    EXPECT_THROW(m.add_ml_model("a", "TORCH", "bytes", "", "CPU", 2), std::invalid_argument);
    EXPECT_THROW(m.add_ml_model("a", "TORCH", "bytes", "", "CPU", 1, 1), std::invalid_argument);
    EXPECT_THROW(m.add_ml_model("a", "TORCH", "bytes", "", "TPU"), std::invalid_argument);
    EXPECT_THROW(m.add_ml_model("a", "TF", "bytes"), std::invalid_argument);  // no inputs/outputs
    m.add_ml_model("a", "torch", "bytes", "", "gpu", 2);
    EXPECT_EQ(m.db_models().at(0).backend, "TORCH");
    EXPECT_EQ(m.db_models().at(0).device, "GPU");
    EXPECT_THROW(m.add_ml_model("a", "ONNX", "other"), std::invalid_argument);  // duplicate name
    EXPECT_THROW(m.add_script("s"), std::invalid_argument);
    EXPECT_THROW(m.add_function("f", ""), std::invalid_argument);
    m.add_function("f", k_times_two);
    EXPECT_EQ(m.db_scripts().at(0).script, k_times_two);
}

TEST(LaunchDBObjects, ManifestRoundTripsAndKeepsBytesOutOfIt) {
    std::string dir = make_temp_dir("dbobj-manifest");
    RunSettings rs{"/bin/true", {}, "", {}, {}};
    Model m("m", rs, {}, dir);
    std::string bytes("\0\x01 binary\nmodel", 15);
    m.add_ml_model("inmem", "ONNX", bytes, "", "GPU", 2, 1, 8, 2, 100, "v1", {"a"}, {"b", "c"});
    m.add_script("s", "def f(x):\n    return x\n");
    launch::write_db_manifest(m, dir + "/m.dbobjects");
    std::string text = read_text(dir + "/m.dbobjects");
    EXPECT_EQ(text.find("binary"), std::string::npos) << text;
    auto o = launch::read_db_manifest(dir + "/m.dbobjects");
    ASSERT_EQ(o.models.size(), 1u);
    ASSERT_EQ(o.scripts.size(), 1u);
    const auto& x = o.models[0];
    EXPECT_EQ(read_text(x.model_path), bytes);
    EXPECT_EQ(x.backend, "ONNX");
    EXPECT_EQ(x.device, "GPU");
    EXPECT_EQ(x.devices_per_node, 2);
    EXPECT_EQ(x.first_device, 1);
    EXPECT_EQ(x.batch_size, 8);
    EXPECT_EQ(x.min_batch_size, 2);
    EXPECT_EQ(x.min_batch_timeout, 100);
    EXPECT_EQ(x.tag, "v1");
    EXPECT_EQ(x.inputs, std::vector<std::string>{"a"});
    EXPECT_EQ(x.outputs, (std::vector<std::string>{"b", "c"}));
    EXPECT_EQ(read_text(o.scripts[0].script_path), "def f(x):\n    return x\n");
}

#ifdef INSITU_HAVE_TORCH

TEST(LaunchDBObjects, StandaloneDatabaseGetsThemBeforeTheApplicationRuns) {
    std::string dir = make_temp_dir("dbobj-standalone");
    {
        Experiment exp("dbobj", dir);
        auto db = exp.create_database(0, 1);
        auto app =
            exp.create_model("app", exp.create_run_settings(INSITU_DB_OBJECTS_APP, {models_dir()}));
        attach_objects(*app);
        exp.start({db, app}, true);
        EXPECT_EQ(exp.get_returncodes(*app), std::vector<std::optional<int>>{0})
            << read_text(dir + "/app/app.err");
        EXPECT_NE(read_text(dir + "/app/app.out").find("db-objects-app: ok"), std::string::npos);
        // The backend was loaded explicitly, and the objects are in the database.
        auto addr = db->get_address().at(0);
        auto info = launch::db_command(addr, {"INFO", "MODULES"}, 2000,
                                       launch::admin_auth(db->secrets_dir()));
        ASSERT_TRUE(info);
        EXPECT_EQ(info->str.find("torch_version:not loaded"), std::string::npos) << info->str;
        exp.stop();
    }
    EXPECT_TRUE(wait_until([&] { return processes_with(dir).empty(); }, std::chrono::seconds(5)))
        << join(processes_with(dir));
}

TEST(LaunchDBObjects, ClusterHasThemOnEveryShardForAnEnsemble) {
    std::string dir = make_temp_dir("dbobj-cluster");
    {
        Experiment exp("dbobj", dir);
        auto db = exp.create_database(0, 3);
        exp.start(db);
        auto ens = exp.create_ensemble(
            "ens", {}, exp.create_run_settings(INSITU_DB_OBJECTS_APP, {models_dir()}), 2);
        attach_objects(*ens);
        exp.start({ens}, true);
        for (const auto& m : ens->models())
            EXPECT_EQ(exp.get_returncodes(*m), std::vector<std::optional<int>>{0})
                << read_text(m->path() + "/" + m->name() + ".err");
        // Every shard holds the model (the application's tensors may live on any of them).
        for (const auto& a : db->get_address()) {
            auto r = launch::db_command(a, {"KEYS", "*mlp*"}, 2000,
                                        launch::admin_auth(db->secrets_dir()));
            ASSERT_TRUE(r);
            EXPECT_FALSE(r->elements.empty()) << a;
        }
        exp.stop();
    }
    EXPECT_TRUE(wait_until([&] { return processes_with(dir).empty(); }, std::chrono::seconds(5)))
        << join(processes_with(dir));
}

TEST(LaunchDBObjects, ColocatedDatabaseStoresThemBeforeTheApplicationRuns) {
    std::string dir = make_temp_dir("dbobj-colo");
    {
        Experiment exp("dbobj", dir);
        auto app =
            exp.create_model("app", exp.create_run_settings(INSITU_DB_OBJECTS_APP, {models_dir()}));
        app->colocate_db_tcp(free_port(), "lo", 1);
        attach_objects(*app);
        // An in-memory model goes through a file beside the manifest.
        std::ifstream in(models_dir() + "/mlp_traced.pt", std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        app->add_ml_model("mlp_copy", "TORCH", bytes);
        exp.start({app}, true);
        EXPECT_EQ(exp.get_returncodes(*app), std::vector<std::optional<int>>{0})
            << read_text(dir + "/app/app.err");
        std::string out = read_text(dir + "/app/app.out");
        EXPECT_NE(out.find("stored 2 model(s) and 2 script(s)"), std::string::npos) << out;
        EXPECT_NE(out.find("db-objects-app: ok"), std::string::npos) << out;
        // Stored before the application ran: the app's line comes after the store line.
        EXPECT_LT(out.find("stored 2 model(s)"), out.find("db-objects-app: ok")) << out;
    }
    EXPECT_TRUE(wait_until([&] { return processes_with(dir).empty(); }, std::chrono::seconds(5)))
        << join(processes_with(dir));
}

TEST(LaunchDBObjects, CorruptedModelFailsStartNamingEntityAndModel) {
    std::string dir = make_temp_dir("dbobj-bad");
    std::string bad = dir + "/bad.pt";
    std::ofstream(bad) << "this is not a TorchScript archive";
    {
        Experiment exp("dbobj", dir);
        auto db = exp.create_database(0, 1);
        auto app = exp.create_model(
            "app", exp.create_run_settings("/bin/sh", {"-c", "echo ran > ran.txt"}));
        app->add_ml_model("broken", "TORCH", "", bad);
        std::string msg = throw_message([&] { exp.start({db, app}, true); });
        EXPECT_NE(msg.find("model app"), std::string::npos) << msg;
        EXPECT_NE(msg.find("broken"), std::string::npos) << msg;
        EXPECT_FALSE(fs::exists(dir + "/app/ran.txt"));
        EXPECT_FALSE(db->is_active());
        EXPECT_TRUE(processes_with(dir).empty()) << join(processes_with(dir));
    }
}

TEST(LaunchDBObjects, MissingFileAndMissingDatabaseFailBeforeAnythingStarts) {
    std::string dir = make_temp_dir("dbobj-missing");
    Experiment exp("dbobj", dir);
    auto db = exp.create_database(0, 1);
    auto app = exp.create_model("app", exp.create_run_settings("/bin/true"));
    app->add_ml_model("gone", "ONNX", "", dir + "/no-such-model.onnx");
    std::string msg = throw_message([&] { exp.start({db, app}, true); });
    EXPECT_NE(msg.find("model app, ML model gone"), std::string::npos) << msg;
    EXPECT_NE(msg.find("no-such-model.onnx"), std::string::npos) << msg;
    EXPECT_EQ(exp.get_status(*db), std::vector<Status>{Status::New});
    auto app2 = exp.create_model("app2", exp.create_run_settings("/bin/true"));
    app2->add_function("f", k_times_two);
    msg = throw_message([&] { exp.start({app2}, true); });
    EXPECT_NE(msg.find("no database is running"), std::string::npos) << msg;
    EXPECT_TRUE(processes_with(dir).empty()) << join(processes_with(dir));
}

TEST(LaunchDBObjects, ColocatedCorruptedScriptFailsStartAndLeavesNothing) {
    std::string dir = make_temp_dir("dbobj-colo-bad");
    {
        Experiment exp("dbobj", dir);
        auto app = exp.create_model(
            "app", exp.create_run_settings("/bin/sh", {"-c", "echo ran > ran.txt; sleep 30"}));
        app->colocate_db_uds(dir + "/db.sock");
        app->add_function("bad_fn", "def bad_fn(x):\n    return x +* 2\n");
        std::string msg = throw_message([&] { exp.start({app}, false); });
        EXPECT_NE(msg.find("model app"), std::string::npos) << msg;
        EXPECT_NE(msg.find("bad_fn"), std::string::npos) << msg;
        EXPECT_FALSE(fs::exists(dir + "/app/ran.txt"));
        EXPECT_NE(exp.get_status(*app).at(0), Status::Running);
    }
    EXPECT_TRUE(wait_until([&] { return processes_with(dir).empty(); }, std::chrono::seconds(5)))
        << join(processes_with(dir));
}

#endif  // INSITU_HAVE_TORCH
