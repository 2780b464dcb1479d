// A server running ONNX models leaves nothing behind and reports to no one: the ONNX Runtime build
// insitu ships (1.29) has Microsoft's usage telemetry on Linux, which would write a device id and
// an event cache under $HOME/.cache and a mat-debug-<pid>.log under $TMPDIR. The ONNX plugin turns
// it off (ORT_DISABLE_TELEMETRY) unless the user chose otherwise. (That this test fails without
// it was checked by hand with the setenv removed; a test that turns telemetry on would send a
// real event from the test machine.)
#ifdef INSITU_HAVE_ONNX

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "redis_server.h"
#include "test_model_files.h"

using insitu::Reply;
using insitu::testing::make_temp_dir;
using insitu::testing::read_test_model;
using insitu::testing::RedisServer;
namespace fs = std::filesystem;

namespace {

// Sets (or removes, with nullopt) an environment variable for the servers started meanwhile.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
        if (const char* old = ::getenv(name)) old_ = old;
        if (value)
            ::setenv(name, value->c_str(), 1);
        else
            ::unsetenv(name);
    }
    ~ScopedEnv() {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

  private:
    const char* name_;
    std::optional<std::string> old_;
};

// What ONNX Runtime's telemetry would leave under `dir` (the test fixture keeps its own server
// folders and port locks there too, as TMPDIR).
std::vector<std::string> telemetry_files(const std::string& dir) {
    std::vector<std::string> found;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        std::string name = e.path().filename().string();
        if (name.rfind("mat-debug-", 0) == 0 || name == ".cache" || name == "Microsoft")
            found.push_back(e.path().string());
    }
    return found;
}

// Stores and runs the ONNX MLP on a server whose HOME and TMPDIR are `home`.
void run_onnx_model(const std::string& home) {
    ScopedEnv h("HOME", home), t("TMPDIR", home);
    RedisServer::Options o;
    o.module_args = {"BACKENDSPATH", INSITU_BACKENDS_DIR, "ONNX", "libinsitu_backend_onnx.so"};
    RedisServer server(o);
    auto c = server.connect();
    ASSERT_FALSE(
        c->command({"AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", read_test_model("mlp.onnx")})
            .is_error());
    std::string in(64 * 4, '\0');
    for (int i = 0; i < 64; ++i) {
        float v = 0.01f * static_cast<float>(i);
        std::memcpy(&in[i * 4], &v, 4);
    }
    ASSERT_FALSE(c->command({"AI.TENSORSET", "x", "FLOAT", "1", "64", "BLOB", in}).is_error());
    Reply r = c->command({"AI.MODELEXECUTE", "m", "INPUTS", "1", "x", "OUTPUTS", "1", "y"});
    ASSERT_FALSE(r.is_error()) << r.str;
    EXPECT_EQ(c->command({"AI.TENSORGET", "y", "BLOB"}).str.size(), 40u);
}

}  // namespace

TEST(OnnxTelemetry, ServerWritesNothingUnderHomeOrTmpdir) {
    ScopedEnv unset("ORT_DISABLE_TELEMETRY", std::nullopt);
    std::string home = make_temp_dir("onnx-home");
    run_onnx_model(home);
    EXPECT_EQ(telemetry_files(home), std::vector<std::string>{})
        << "ONNX Runtime wrote files (telemetry) under the server's HOME / TMPDIR";
    fs::remove_all(home);
}

#endif  // INSITU_HAVE_ONNX
