// `insitu validate`: a mini experiment that checks this installation end to end. It starts a
// standalone database through the Experiment API, and for every backend (TORCH, ONNX, TFLITE,
// TF) whose plugin is built it loads the backend, stores a sample model, runs it on a sample
// input and compares the result with the expected output computed by the framework itself
// (tests/models, embedded at build time). Exit code 0 only if every built backend passed.
#include <insitu/client.h>
#include <insitu/experiment.h>
#include <insitu/launch_errors.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/scratch_dir.h"
#include "cli/validate_models.h"
#include "core/temp_dir.h"
#include "launch/db/acl_users.h"
#include "launch/db/db_objects.h"

namespace fs = std::filesystem;

namespace insitu::cli {
namespace {

struct Array {
    std::vector<std::size_t> shape;
    std::vector<float> values;
};

// A float32 C-order .npy (version 1 header), as numpy.save writes it.
Array parse_npy(const std::string& name) {
    const std::string& f = validate_files().at(name);
    if (f.size() < 10 || f.compare(0, 6, "\x93NUMPY") != 0)
        throw LaunchError(ErrorCode::Internal, name + " is not .npy");
    std::size_t hlen = static_cast<unsigned char>(f[8]) | (static_cast<unsigned char>(f[9]) << 8);
    std::string header = f.substr(10, hlen);
    if (header.find("'<f4'") == std::string::npos)
        throw LaunchError(ErrorCode::Internal, name + ": not float32");
    Array a;
    auto open = header.find('(', header.find("'shape'"));
    auto close = header.find(')', open);
    std::stringstream dims(header.substr(open + 1, close - open - 1));
    for (std::string tok; std::getline(dims, tok, ',');)
        if (tok.find_first_not_of(' ') != std::string::npos) a.shape.push_back(std::stoul(tok));
    a.values.resize((f.size() - 10 - hlen) / 4);
    std::memcpy(a.values.data(), f.data() + 10 + hlen, a.values.size() * 4);
    return a;
}

struct Case {
    const char* backend;
    const char* model_file;
    std::vector<std::string> inputs;  // .npy files
    std::string output;               // .npy file
    std::vector<std::string> tf_inputs, tf_outputs;
};

std::vector<Case> cases() {
    return {
        {"TORCH", "mlp_traced.pt", {"mlp_traced.in0.npy"}, "mlp_traced.out0.npy", {}, {}},
        {"ONNX", "linreg.onnx", {"linreg.in0.npy"}, "linreg.out0.npy", {}, {}},
        {"TFLITE",
         "fc_add_relu.tflite",
         {"fc_add_relu.in0.npy", "fc_add_relu.in1.npy"},
         "fc_add_relu.out0.npy",
         {},
         {}},
        {"TF", "mlp_tf.pb", {"mlp_tf.in0.npy"}, "mlp_tf.out0.npy", {"x"}, {"out"}},
    };
}

// Loads the backend, stores the model, runs it and checks the output. Throws on any failure.
void run_case(Client& client, const std::string& address, const launch::DbAuth& auth, const Case& c,
              const std::string& device) {
    launch::preload_backends({address}, {c.backend}, auth);
    std::string key = std::string("validate.") + c.backend;
    client.set_model(key, validate_files().at(c.model_file), c.backend, device, 0, 0, 0, "",
                     c.tf_inputs, c.tf_outputs);
    std::vector<std::string> in_keys;
    for (std::size_t i = 0; i < c.inputs.size(); ++i) {
        Array a = parse_npy(c.inputs[i]);
        in_keys.push_back(key + ".in" + std::to_string(i));
        client.put_tensor(in_keys.back(), a.values.data(), a.shape, TensorType::Float,
                          MemoryLayout::Contiguous);
    }
    Array want = parse_npy(c.output);
    std::string out_key = key + ".out";
    client.run_model(key, in_keys, {out_key});
    std::vector<float> got(want.values.size());
    client.unpack_tensor(out_key, got.data(), want.shape, TensorType::Float,
                         MemoryLayout::Contiguous);
    for (std::size_t i = 0; i < got.size(); ++i)
        if (!(std::fabs(got[i] - want.values[i]) <= 1e-4f + 1e-4f * std::fabs(want.values[i])))
            throw LaunchError(ErrorCode::Runtime, "output element " + std::to_string(i) + " is " +
                                                      std::to_string(got[i]) + ", expected " +
                                                      std::to_string(want.values[i]));
}

struct ValidateOptions {
    int port = 0;
    std::string device = "CPU";
    bool keep_dir = false;
    std::vector<std::string> require;  // backends whose absence is a failure
};

int validate(const ValidateOptions& o) {
    const std::string& device = o.device;
    std::set<std::string> required;
    for (const auto& b : o.require)
        if (!b.empty()) required.insert(b);
    int port = o.port;
    ScratchDir scratch(core::temp_dir() + "/insitu-validate-" + std::to_string(::getpid()),
                       o.keep_dir, "validate");
    const std::string& dir = scratch.path();
    std::printf("insitu validate: a standalone database and one model per backend (device %s)\n",
                device.c_str());
    std::fflush(stdout);
    struct Result {
        std::string backend, status, detail;
        double seconds = 0;
    };
    std::vector<Result> results;
    {
        Experiment exp("insitu-validate", dir);
        auto db = exp.create_database(port, 1, "lo");
        exp.start(db);
        std::string address = db->get_address().at(0);
        // The launcher's own user (backend loads are administration).
        launch::DbAuth auth = launch::admin_auth(db->secrets_dir());
        auto owned = launch::admin_client({address}, auth, "insitu-validate");
        Client& client = *owned;
        std::string plugins = launch::backends_dir();
        for (const auto& c : cases()) {
            Result r{c.backend, "", "", 0};
            if (!fs::exists(fs::path(plugins) / launch::backend_plugin_file(c.backend))) {
                r.status = required.count(c.backend) ? "FAILED" : "not built";
                r.detail = "no " + launch::backend_plugin_file(c.backend) + " in " + plugins;
            } else {
                std::printf("  %-7s loading the backend and running %s...\n", c.backend,
                            c.model_file);
                std::fflush(stdout);
                auto t0 = std::chrono::steady_clock::now();
                try {
                    run_case(client, address, auth, c, device);
                    r.status = "ok";
                    r.detail = c.model_file;
                } catch (const std::exception& e) {
                    r.status = "FAILED";
                    r.detail = std::string(c.model_file) + ": " + e.what();
                }
                r.seconds =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            }
            results.push_back(r);
        }
        exp.stop();
    }
    std::printf("\n  %-8s %-10s %8s  %s\n", "backend", "result", "time", "detail");
    int failed = 0, ok = 0;
    for (const auto& r : results) {
        char t[32] = "-";
        if (r.status != "not built") std::snprintf(t, sizeof t, "%.2f s", r.seconds);
        std::printf("  %-8s %-10s %8s  %s\n", r.backend.c_str(), r.status.c_str(), t,
                    r.detail.c_str());
        failed += r.status == "FAILED";
        ok += r.status == "ok";
    }
    if (failed || ok == 0) {
        std::printf("insitu validate: FAILED (%d backend(s) failed, %d passed)\n", failed, ok);
        return 1;
    }
    std::printf("insitu validate: OK (%d backend(s) passed)\n", ok);
    return 0;
}

}  // namespace

std::function<int()> add_validate(CLI::App& insitu) {
    auto o = std::make_shared<ValidateOptions>();
    CLI::App* cmd = add_command(insitu, "validate",
                                "a mini experiment: store and run one model per built backend, "
                                "report each (exit 1 if any fails)");
    add_port(*cmd, o->port, "the database's TCP port (0: a free one)", "-p,--port");
    cmd->add_option("--device", o->device, "where the models run: CPU, GPU or GPU:n")
        ->capture_default_str();
    // Comma-separated, and repeatable: every list given counts.
    cmd->add_option("--require", o->require,
                    "backends that must be built and pass (TORCH,ONNX,TFLITE,TF): a missing "
                    "plugin is a failure instead of \"not built\"")
        ->delimiter(',')
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->allow_extra_args(false)
        ->type_name("B1,B2,...");
    cmd->add_flag("--keep-dir", o->keep_dir, "keep the experiment's folder (logs) afterwards");
    return [o] { return validate(*o); };
}

}  // namespace insitu::cli
