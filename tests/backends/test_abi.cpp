// ABI negotiation and symbol hygiene, for every plugin that was built.
#include "backend_test_util.h"

#include <dlfcn.h>

#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

namespace insitu::test {
namespace {

struct BuiltPlugin {
    const char* name;
    const char* path;
};

// Readable test names in ctest output instead of gtest's byte dump.
void PrintTo(const BuiltPlugin& p, std::ostream* os) {
    *os << p.name;
}

std::vector<BuiltPlugin> built_plugins() {
    std::vector<BuiltPlugin> v;
#ifdef INSITU_BACKEND_TORCH_PATH
    v.push_back({"TORCH", INSITU_BACKEND_TORCH_PATH});
#endif
#ifdef INSITU_BACKEND_ONNX_PATH
    v.push_back({"ONNX", INSITU_BACKEND_ONNX_PATH});
#endif
#ifdef INSITU_BACKEND_TFLITE_PATH
    v.push_back({"TFLITE", INSITU_BACKEND_TFLITE_PATH});
#endif
#ifdef INSITU_BACKEND_TF_PATH
    v.push_back({"TF", INSITU_BACKEND_TF_PATH});
#endif
    return v;
}

class AbiTest : public ::testing::TestWithParam<BuiltPlugin> {};

TEST_P(AbiTest, NegotiatesVersionOne) {
    const Plugin& p = load_plugin(GetParam().path);
    ASSERT_NE(p.get_api, nullptr) << "plugin does not export " INSITU_BACKEND_ENTRY;
    ASSERT_NE(p.api, nullptr);
    EXPECT_EQ(p.api->abi_version, INSITU_BACKEND_ABI_VERSION);
    EXPECT_STREQ(p.api->name, GetParam().name);
    ASSERT_NE(p.api->framework_version, nullptr);
    EXPECT_GT(std::string(p.api->framework_version()).size(), 0u);
    for (auto* fn : {(void*)p.api->init, (void*)p.api->model_create, (void*)p.api->model_run,
                     (void*)p.api->model_serialize, (void*)p.api->model_free,
                     (void*)p.api->model_num_inputs, (void*)p.api->model_num_outputs})
        EXPECT_NE(fn, nullptr);
    // Scripts are TorchScript: only the TORCH plugin offers them.
    bool scripts = std::string(GetParam().name) == "TORCH";
    EXPECT_EQ(p.api->script_create != nullptr, scripts);
    EXPECT_EQ(p.api->script_run != nullptr, scripts);
}

TEST_P(AbiTest, RejectsOtherVersions) {
    const Plugin& p = load_plugin(GetParam().path);
    ASSERT_NE(p.get_api, nullptr);
    EXPECT_EQ(p.get_api(0), nullptr);
    EXPECT_EQ(p.get_api(INSITU_BACKEND_ABI_VERSION + 1), nullptr);
    EXPECT_EQ(p.get_api(0xFFFFFFFFu), nullptr);
}

TEST_P(AbiTest, InitAcceptsNullHostAndRepeats) {
    const Plugin& p = load_plugin(GetParam().path);
    ASSERT_NE(p.api, nullptr);
    insitu_error err{};
    EXPECT_EQ(p.api->init(nullptr, 1, 1, &err), 0) << err.message;
    EXPECT_EQ(p.api->init(nullptr, 2, 2, &err), 0) << err.message;  // a second call must not fail
}

TEST_P(AbiTest, ExportsOnlyTheEntryPoint) {
    std::string cmd = std::string("nm -D --defined-only '") + GetParam().path + "' 2>/dev/null";
    FILE* f = popen(cmd.c_str(), "r");
    ASSERT_NE(f, nullptr);
    char line[4096];
    std::vector<std::string> symbols;
    while (fgets(line, sizeof line, f)) {
        std::string s(line);
        auto sp = s.rfind(' ');
        std::string name = s.substr(sp + 1);
        if (!name.empty() && name.back() == '\n') name.pop_back();
        symbols.push_back(name);
    }
    int rc = pclose(f);
    if (rc != 0 || symbols.empty()) GTEST_SKIP() << "nm not available";
    EXPECT_EQ(symbols, std::vector<std::string>{INSITU_BACKEND_ENTRY});
}

INSTANTIATE_TEST_SUITE_P(Built, AbiTest, ::testing::ValuesIn(built_plugins()),
                         [](const auto& info) { return std::string(info.param.name); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(AbiTest);

}  // namespace
}  // namespace insitu::test
