// Grammar of the execution commands (MODELSTORE/SET/GET/EXECUTE/RUN, SCRIPT*, DAG*, INFO,
// CONFIG): accepted forms and the exact RedisAI error texts, in-process.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/dag_args.h"
#include "engine/errors.h"
#include "engine/info_config_args.h"
#include "engine/model_args.h"
#include "engine/script_args.h"

using namespace insitu::engine;

namespace {

struct Args {
    std::vector<std::string> store;
    std::vector<std::string_view> views;
    Args(std::initializer_list<const char*> a) {
        for (auto* s : a) store.emplace_back(s);
        for (auto& s : store) views.emplace_back(s);
    }
    std::span<const std::string_view> span() const { return views; }
};

template <typename F>
std::string error_of(F f) {
    try {
        f();
    } catch (const CommandError& e) {
        return e.what();
    }
    return "<no error>";
}

}  // namespace

TEST(ModelStoreArgs, FullFormParses) {
    Args a{"m",     "tf",
           "gpu:1", "TAG",
           "v1",    "BATCHSIZE",
           "8",     "MINBATCHSIZE",
           "2",     "MINBATCHTIMEOUT",
           "50",    "INPUTS",
           "2",     "a",
           "b",     "OUTPUTS",
           "1",     "c",
           "BLOB",  "x",
           "y"};
    auto r = parse_modelstore(a.span());
    EXPECT_EQ(r.def.backend, Backend::TF);
    EXPECT_EQ(r.def.device, "gpu:1");
    EXPECT_EQ(r.def.tag, "v1");
    EXPECT_EQ(r.def.batch.batchsize, 8);
    EXPECT_EQ(r.def.batch.minbatchsize, 2);
    EXPECT_EQ(r.def.batch.minbatchtimeout, 50);
    EXPECT_EQ(r.def.inputs, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(r.def.outputs, (std::vector<std::string>{"c"}));
    ASSERT_EQ(r.blob_chunks.size(), 2u);
    EXPECT_EQ(r.blob_chunks[1], "y");
}

TEST(ModelStoreArgs, ErrorsMatchRedisAI) {
    auto e = [](Args a) { return error_of([&] { parse_modelstore(a.span()); }); };
    EXPECT_EQ(e({"m", "CAFFE", "CPU", "BLOB", "x"}), "ERR unsupported backend");
    EXPECT_EQ(e({"m", "TORCH", "TPU", "BLOB", "x"}), "ERR Invalid DEVICE");
    EXPECT_EQ(e({"m", "TORCH", "GPU:123456", "BLOB", "x"}), "ERR Invalid DEVICE");
    EXPECT_EQ(e({"m", "TORCH", "CPU", "MINBATCHSIZE", "2", "BLOB", "x"}),
              "ERR MINBATCHSIZE specified without BATCHSIZE");
    EXPECT_EQ(e({"m", "TORCH", "CPU", "BATCHSIZE", "2", "MINBATCHTIMEOUT", "2", "BLOB", "x"}),
              "ERR MINBATCHTIMEOUT specified without MINBATCHSIZE");
    EXPECT_EQ(e({"m", "TORCH", "CPU", "BATCHSIZE", "x", "BLOB", "x"}),
              "ERR Invalid argument for BATCHSIZE");
    EXPECT_EQ(e({"m", "TORCH", "CPU", "BATCHSIZE", "2", "MINBATCHSIZE", "-1", "BLOB", "x"}),
              "ERR Invalid argument for MINBATCHSIZE");
    EXPECT_EQ(e({"m", "TORCH", "CPU", "INPUTS", "1", "a", "BLOB", "x"}),
              "ERR INPUTS argument should not be specified for this backend");
    EXPECT_EQ(e({"m", "TF", "CPU", "OUTPUTS", "1", "a", "BLOB", "x"}),
              "ERR INPUTS not specified for TF");
    EXPECT_EQ(e({"m", "TF", "CPU", "INPUTS", "1", "a", "BLOB", "x"}),
              "ERR OUTPUTS not specified for TF");
    EXPECT_EQ(e({"m", "TORCH", "CPU", "TAG", "t", "BLOB"}),
              "ERR Insufficient arguments, missing model BLOB");
    EXPECT_EQ(e({"m", "TORCH", "CPU", "TAG", "t", "BLOBS", "x"}),
              "ERR Invalid argument, expected BLOB");
    EXPECT_EQ(e({"m", "TFLITE", "CPU", "BATCHSIZE", "2", "BLOB", "x"}),
              "ERR Auto-batching not supported by the TFLITE backend");
}

TEST(ModelSetArgs, LegacyGrammar) {
    Args a{"m", "TF", "CPU", "INPUTS", "a", "b", "OUTPUTS", "c", "BLOB", "x"};
    auto r = parse_modelset(a.span());
    EXPECT_EQ(r.def.inputs.size(), 2u);
    EXPECT_EQ(r.def.outputs.size(), 1u);
    Args t{"m", "TORCH", "CPU", "BLOB", "x"};
    EXPECT_TRUE(parse_modelset(t.span()).def.inputs.empty());
    Args bad{"m", "TF", "CPU", "BLOB", "x"};
    EXPECT_EQ(error_of([&] { parse_modelset(bad.span()); }),
              "ERR Insufficient arguments, INPUTS and OUTPUTS not specified");
}

TEST(ModelExecuteArgs, ParsesAndChecksCounts) {
    Args a{"m", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "c", "TIMEOUT", "100"};
    auto r = parse_modelexecute(a.span(), 2, 1);
    EXPECT_EQ(r.inputs.size(), 2u);
    EXPECT_EQ(r.outputs[0], "c");
    EXPECT_EQ(r.timeout_ms, 100);
    auto e = [](Args x, int ni = -1, int no = -1) {
        return error_of([&] { parse_modelexecute(x.span(), ni, no); });
    };
    EXPECT_EQ(e({"m", "INPUTZ", "1", "a", "OUTPUTS", "1", "c"}), "ERR INPUTS not specified");
    EXPECT_EQ(e({"m", "INPUTS", "0", "a", "OUTPUTS", "1", "c"}),
              "ERR Input count must be a positive integer");
    EXPECT_EQ(e({"m", "INPUTS", "1", "a", "OUTPUTS", "1", "c"}, 2, 1),
              "Number of keys given as INPUTS here does not match model definition");
    EXPECT_EQ(e({"m", "INPUTS", "1", "a", "OUTPUTS", "1", "c"}, 1, 2),
              "Number of keys given as OUTPUTS here does not match model definition");
    EXPECT_EQ(e({"m", "INPUTS", "1", "a", "OUTPUTS", "1", "c", "TIMEOUT", "0"}),
              "ERR Invalid value for TIMEOUT");
    EXPECT_EQ(e({"m", "INPUTS", "1", "a", "OUTPUTS", "1", "c", "EXTRA"}),
              "Invalid argument: EXTRA");
    EXPECT_EQ(e({"m", "INPUTS", "1", "a", "OUTPUTZ", "1", "c"}), "ERR OUTPUTS not specified");
}

TEST(ModelRunArgs, LegacyGrammarAndKeyPositions) {
    Args a{"m", "TIMEOUT", "5", "INPUTS", "a", "b", "OUTPUTS", "c"};
    auto r = parse_modelrun(a.span(), 2, 1);
    EXPECT_EQ(r.timeout_ms, 5);
    EXPECT_EQ(r.inputs.size(), 2u);
    EXPECT_EQ(modelrun_key_positions(a.span()), (std::vector<std::size_t>{4, 5, 7}));
    Args x{"m", "INPUTS", "2", "a", "b", "OUTPUTS", "1", "c"};
    EXPECT_EQ(modelexecute_key_positions(x.span()), (std::vector<std::size_t>{3, 4, 7}));
    // With roles, the model first (ACL key patterns apply to it).
    using R = KeyRole;
    EXPECT_EQ(modelexecute_keys(x.span()),
              (std::vector<KeyRef>{{0, R::object}, {3, R::input}, {4, R::input}, {7, R::output}}));
    EXPECT_EQ(modelrun_keys(a.span()),
              (std::vector<KeyRef>{{0, R::object}, {4, R::input}, {5, R::input}, {7, R::output}}));
}

TEST(ModelGetArgs, Defaults) {
    Args a{"m"};
    auto g = parse_modelget(a.span());
    EXPECT_TRUE(g.meta && g.blob);
    Args b{"m", "META"};
    g = parse_modelget(b.span());
    EXPECT_TRUE(g.meta && !g.blob);
}

TEST(ScriptArgs, StoreAndSet) {
    Args a{"s", "CPU", "TAG", "t", "ENTRY_POINTS", "2", "f", "g", "SOURCE", "def f(...)"};
    auto r = parse_scriptstore(a.span());
    EXPECT_EQ(r.def.entry_points, (std::vector<std::string>{"f", "g"}));
    EXPECT_EQ(r.def.tag, "t");
    Args b{"s", "CPU", "SOURCE", "x"};
    EXPECT_EQ(error_of([&] { parse_scriptstore(b.span()); }),
              "ERR Insufficient arguments, missing script entry points");
    Args c{"s", "CPU", "ENTRY_POINTS", "1", "f"};
    EXPECT_EQ(error_of([&] { parse_scriptstore(c.span()); }),
              "ERR Insufficient arguments, missing script SOURCE");
    EXPECT_EQ(parse_scriptset(b.span()).def.source, "x");
}

TEST(ScriptArgs, ExecuteScopes) {
    Args a{"s",    "f", "KEYS", "1",       "k", "INPUTS", "2",       "a", "b",
           "ARGS", "1", "3",    "OUTPUTS", "1", "o",      "TIMEOUT", "9"};
    auto r = parse_scriptexecute(a.span(), false);
    EXPECT_EQ(r.function, "f");
    EXPECT_EQ(r.keys.size(), 1u);
    EXPECT_EQ(r.inputs.size(), 2u);
    EXPECT_EQ(r.args[0], "3");
    EXPECT_EQ(r.timeout_ms, 9);
    EXPECT_EQ(scriptexecute_key_positions(a.span()), (std::vector<std::size_t>{4, 7, 8, 14}));
    // ARGS values are not keys; KEYS are read and written by the script.
    EXPECT_EQ(scriptexecute_keys(a.span()), (std::vector<KeyRef>{{0, KeyRole::object},
                                                                 {4, KeyRole::keys},
                                                                 {7, KeyRole::input},
                                                                 {8, KeyRole::input},
                                                                 {14, KeyRole::output}}));
    auto e = [](Args x, bool dag = false) {
        return error_of([&] { parse_scriptexecute(x.span(), dag); });
    };
    EXPECT_EQ(e({"s", "f", "OUTPUTS", "1", "o"}),
              "ERR KEYS or INPUTS scope must be provided first for AI.SCRIPTEXECUTE command");
    EXPECT_EQ(e({"s", "f", "INPUTS", "1", "a", "INPUTS", "1", "b"}),
              "ERR Already Encountered INPUTS scope in AI.SCRIPTEXECUTE command");
    EXPECT_EQ(e({"s", "INPUTS", "1", "a"}), "ERR function name not specified");
    EXPECT_NO_THROW(parse_scriptexecute(Args{"s", "f", "OUTPUTS", "1", "o"}.span(), true));
}

TEST(ScriptArgs, RunWithVariadic) {
    Args a{"s", "f", "INPUTS", "a", "$", "b", "c", "OUTPUTS", "o"};
    auto r = parse_scriptrun(a.span());
    EXPECT_EQ(r.inputs.size(), 3u);
    EXPECT_EQ(r.variadic_from, 1);
    EXPECT_EQ(r.outputs.size(), 1u);
    EXPECT_EQ(scriptrun_key_positions(a.span()), (std::vector<std::size_t>{3, 5, 6, 8}));
    EXPECT_EQ(scriptrun_keys(a.span()), (std::vector<KeyRef>{{0, KeyRole::object},
                                                             {3, KeyRole::input},
                                                             {5, KeyRole::input},
                                                             {6, KeyRole::input},
                                                             {8, KeyRole::output}}));
    Args bad{"s", "f", "$", "INPUTS", "a"};
    EXPECT_EQ(error_of([&] { parse_scriptrun(bad.span()); }),
              "ERR Encountered a variable size list of tensors outside of input section");
}

TEST(DagArgs, PrefixAndOps) {
    Args a{"LOAD",
           "1",
           "x",
           "PERSIST",
           "1",
           "y",
           "TIMEOUT",
           "50",
           "|>",
           "AI.MODELEXECUTE",
           "m",
           "INPUTS",
           "1",
           "x",
           "OUTPUTS",
           "1",
           "y",
           "|>",
           "AI.TENSORGET",
           "y",
           "VALUES"};
    auto d = parse_dag(a.span(), {});
    EXPECT_EQ(d.load.size(), 1u);
    EXPECT_EQ(d.persist[0], "y");
    EXPECT_EQ(d.timeout_ms, 50);
    ASSERT_EQ(d.ops.size(), 2u);
    EXPECT_EQ(d.ops[0].kind, DagOpKind::modelexecute);
    EXPECT_EQ(d.ops[0].count, 8u);
    EXPECT_EQ(d.ops[1].kind, DagOpKind::tensorget);
    EXPECT_EQ(dag_key_positions(a.span()), (std::vector<std::size_t>{2, 5}));
    // The ops' model is a key; their tensor names are DAG-local.
    EXPECT_EQ(
        dag_keys(a.span()),
        (std::vector<KeyRef>{{2, KeyRole::input}, {5, KeyRole::output}, {10, KeyRole::object}}));
    Args routed{"ROUTING", "r", "|>", "AI.SCRIPTEXECUTE", "s",  "f",           "INPUTS",
                "1",       "t", "|>", "AI.MODELRUN",      "|>", "AI.MODELRUN", "m"};
    EXPECT_EQ(
        dag_keys(routed.span()),
        (std::vector<KeyRef>{{1, KeyRole::routing}, {4, KeyRole::object}, {13, KeyRole::object}}));
}

TEST(DagArgs, ErrorsMatchRedisAI) {
    auto e = [](Args x, DagFlavor f = {}) { return error_of([&] { parse_dag(x.span(), f); }); };
    EXPECT_EQ(e({"|>", "AI.TENSORSET", "a", "FLOAT", "1"}),
              "ERR AI.DAGEXECUTE and AI.DAGEXECUTE_RO commands must contain at least one out of "
              "ROUTING, LOAD, PERSIST keywords");
    EXPECT_EQ(e({"ROUTING", "a", "PERSIST", "1", "a", "BAD_ARG"}),
              "ERR Invalid DAG command. Unexpected argument:  BAD_ARG");
    EXPECT_EQ(e({"PERSIST", "3", "a", "b", "c", "ROUTING"}), "ERR Missing ROUTING value");
    EXPECT_EQ(e({"ROUTING", "a", "LOAD", "1", "a", "|>"}),
              "ERR Invalid DAG command. Unexpected argument:  |>");
    EXPECT_EQ(e({"ROUTING", "a", "LOAD", "2", "a"}),
              "ERR number of keys to LOAD into DAG does not match the number of given arguments");
    EXPECT_EQ(e({"ROUTING", "a", "LOAD", "x", "a"}),
              "ERR invalid or negative value found in number of keys to LOAD");
    EXPECT_EQ(e({"ROUTING", "a", "|>", "AI.NOCOMMAND", "a"}), "Unsupported command within DAG");
    EXPECT_EQ(e({"ROUTING", "a", "|>", "AI.MODELRUN", "m", "INPUTS", "a"}),
              "Deprecated AI.MODELRUN cannot be used in AI.DAGEXECUTE command");
    EXPECT_EQ(e({"PERSIST", "1", "a", "|>", "AI.TENSORSET", "a", "FLOAT", "1"}, {false, true}),
              "ERR PERSIST cannot be specified in a read-only DAG");
    EXPECT_EQ(
        e({"ROUTING", "a", "|>", "AI.SCRIPTEXECUTE", "s", "f", "INPUTS", "1", "a"}, {false, true}),
        "ERR AI.SCRIPTEXECUTE command cannot be specified in a read-only DAG");
    EXPECT_EQ(e({"ROUTING", "a", "LOAD", "1", "a", "x"}),
              "ERR Invalid DAG command. Unexpected argument:  x");
    EXPECT_EQ(e({"PERSIST", "2", "a", "a", "|>", "AI.TENSORSET", "a", "FLOAT", "1"}),
              "ERR PERSIST keys must be unique");
    // Legacy DAGRUN: no "at least one of" rule, MODELRUN allowed.
    EXPECT_NO_THROW(parse_dag(Args{"|>", "AI.MODELRUN", "m", "INPUTS", "a"}.span(), {true, false}));
}

TEST(DagArgs, NameValidation) {
    Args a{"LOAD", "1", "x", "PERSIST", "1", "z", "|>", "AI.TENSORGET", "x"};
    auto d = parse_dag(a.span(), {});
    EXPECT_EQ(error_of([&] {
                  validate_dag_names(d, {{{"x"}, {"y"}}});
              }),
              "ERR PERSIST key cannot be found in DAG");
    EXPECT_EQ(error_of([&] {
                  validate_dag_names(d, {{{"q"}, {"z"}}});
              }),
              "ERR INPUT key cannot be found in DAG");
    EXPECT_NO_THROW(validate_dag_names(d, {{{"x"}, {"y"}}, {{"y"}, {"z"}}}));
}

TEST(InfoConfigArgs, Grammar) {
    EXPECT_TRUE(parse_info(Args{"k", "resetstat"}.span()).reset);
    EXPECT_EQ(error_of([&] { parse_info(Args{"k", "x"}.span()); }), "ERR unsupported subcommand");
    auto c = parse_config(Args{"LOADBACKEND", "torch", "p.so"}.span());
    EXPECT_EQ(c.kind, ConfigArgs::Kind::load_backend);
    EXPECT_EQ(c.backend, Backend::TORCH);
    EXPECT_EQ(error_of([&] { parse_config(Args{"BACKENDSPATH"}.span()); }),
              "ERR BACKENDSPATH: missing path argument");
    EXPECT_EQ(error_of([&] {
                  parse_config(Args{"MODEL_CHUNK_SIZE", "0"}.span());
              }),
              "ERR MODEL_CHUNK_SIZE: invalid chunk size");
    EXPECT_EQ(error_of([&] {
                  parse_config(Args{"LOADBACKEND", "X", "p"}.span());
              }),
              "ERR unsupported backend");
    EXPECT_EQ(error_of([&] { parse_config(Args{"FOO"}.span()); }), "ERR unsupported subcommand");
}
