// AI.DAGEXECUTE(_RO) and the legacy AI.DAGRUN(_RO): LOAD / PERSIST / ROUTING / TIMEOUT, DAG-local
// tensors, TENSORSET / TENSORGET / MODELEXECUTE / SCRIPTEXECUTE (MODELRUN / SCRIPTRUN) ops.
#include "module/commands/dag_commands.h"

#include <memory>
#include <string>

#include "engine/dag_args.h"
#include "engine/errors.h"
#include "engine/model_args.h"
#include "engine/script_args.h"
#include "engine/tensor_args.h"
#include "module/commands/args.h"
#include "module/commands/execution.h"
#include "module/commands/key_access.h"
#include "module/module_config.h"
#include "module/redis_blob.h"
#include "module/types/model_type.h"

namespace insitu::module {
namespace {

std::vector<std::string> strings(const std::vector<std::string_view>& v) {
    return {v.begin(), v.end()};
}

RedisModuleString* make(RedisModuleCtx* ctx, std::string_view s) {
    return RedisModule_CreateString(ctx, s.data(), s.size());
}

// Looks up the model (or script) of an op; false after replying an error.
bool find_model(RedisModuleCtx* ctx, std::string_view name, engine::ModelPtr& out) {
    RedisModuleString* s = make(ctx, name);
    ModelValue* mv = nullptr;
    RedisModuleKey* key = open_model_key(ctx, s, /*write=*/false, &mv);
    RedisModule_FreeString(ctx, s);
    if (!key) return false;
    out = mv->model;
    RedisModule_CloseKey(key);
    return true;
}

bool find_script(RedisModuleCtx* ctx, std::string_view name, engine::ScriptPtr& out) {
    RedisModuleString* s = make(ctx, name);
    ScriptValue* sv = nullptr;
    RedisModuleKey* key = open_script_key(ctx, s, /*write=*/false, &sv);
    RedisModule_FreeString(ctx, s);
    if (!key) return false;
    out = sv->script;
    RedisModule_CloseKey(key);
    return true;
}

[[noreturn]] void fail(const char* m) {
    throw engine::CommandError(m);
}

int dag(RedisModuleCtx* ctx, RedisModuleString** argv, int argc, engine::DagFlavor flavor) {
    auto args = arg_views(argv, argc);
    auto keys = engine::dag_keys(args);
    if (RedisModule_IsKeysPositionRequest(ctx)) {
        report_keys(ctx, argv, keys);
        return REDISMODULE_OK;
    }
    if (refuse_if_cannot_block(ctx)) return REDISMODULE_OK;
    if (!check_unreported_keys(ctx, argv, keys)) return REDISMODULE_OK;
    auto pending = std::make_unique<PendingRun>();
    pending->dag = true;
    engine::Job& job = pending->job;
    std::vector<engine::DagOpNames> names;
    try {
        engine::DagArgs d = engine::parse_dag(args, flavor);
        job.ops.reserve(d.ops.size());
        names.reserve(d.ops.size());
        for (auto k : d.load) {
            RedisModuleString* s = make(ctx, k);
            bool ok = load_input(ctx, s, job, std::string(k));
            RedisModule_FreeString(ctx, s);
            if (!ok) return REDISMODULE_OK;
        }
        for (const auto& span : d.ops) {
            // The op's arguments without its command name; args index i is argv index i + 1.
            auto op_args =
                std::span<const std::string_view>(args).subspan(span.first + 1, span.count - 1);
            std::size_t argv_base = span.first + 2;
            engine::JobOp op;
            op.kind = span.kind;
            engine::DagOpNames n;
            switch (span.kind) {
                case engine::DagOpKind::tensorset: {
                    if (op_args.size() < 2)
                        fail("ERR wrong number of arguments for 'AI.TENSORSET' command");
                    auto a = engine::parse_tensorset(op_args, config().tensor_limits);
                    if (a.source == engine::TensorSetArgs::Source::shm)
                        fail("ERR SHM is not supported inside a DAG (use BLOB)");
                    engine::Tensor t;
                    t.dtype = a.dtype;
                    t.dims = a.dims;
                    if (a.source == engine::TensorSetArgs::Source::blob) {
                        engine::validate_blob(a, op_args[a.data_index]);
                        t.blob = std::make_shared<RedisStringBlob>(
                            ctx, argv[argv_base + a.data_index], /*retain=*/true);
                    } else {
                        t.blob = engine::build_blob(a, op_args);
                    }
                    op.outputs = {std::string(op_args[0])};
                    job.set_tensor(op.outputs[0], std::move(t));
                    break;
                }
                case engine::DagOpKind::tensorget:
                    if (op_args.empty() || op_args.size() > 3)
                        fail("ERR wrong number of arguments for 'AI.TENSORGET' command");
                    op.get_format = engine::parse_tensorget(op_args);
                    op.inputs = {std::string(op_args[0])};
                    break;
                case engine::DagOpKind::modelexecute:
                case engine::DagOpKind::modelrun: {
                    bool legacy = span.kind == engine::DagOpKind::modelrun;
                    if (op_args.empty())
                        fail(legacy ? "ERR wrong number of arguments for 'AI.MODELRUN' command"
                                    : "ERR wrong number of arguments for 'AI.MODELEXECUTE' "
                                      "command");
                    if (!find_model(ctx, op_args[0], op.model)) return REDISMODULE_OK;
                    auto r = legacy ? engine::parse_modelrun(op_args, op.model->n_inputs(),
                                                             op.model->n_outputs())
                                    : engine::parse_modelexecute(op_args, op.model->n_inputs(),
                                                                 op.model->n_outputs());
                    if (r.timeout_ms > 0) fail("ERR TIMEOUT not allowed within a DAG command");
                    op.inputs = strings(r.inputs);
                    op.outputs = strings(r.outputs);
                    break;
                }
                case engine::DagOpKind::scriptexecute:
                case engine::DagOpKind::scriptrun: {
                    bool legacy = span.kind == engine::DagOpKind::scriptrun;
                    if (op_args.empty())
                        fail("ERR wrong number of arguments for 'AI.SCRIPTEXECUTE' command");
                    if (!find_script(ctx, op_args[0], op.script)) return REDISMODULE_OK;
                    auto r = legacy ? engine::parse_scriptrun(op_args)
                                    : engine::parse_scriptexecute(op_args, true);
                    if (r.timeout_ms > 0) fail("ERR TIMEOUT not allowed within a DAG command");
                    op.function = std::string(r.function);
                    op.inputs = strings(r.inputs);
                    op.outputs = strings(r.outputs);
                    op.keys = strings(r.keys);
                    op.args = strings(r.args);
                    op.variadic_from = r.variadic_from;
                    break;
                }
            }
            n.inputs.assign(op.inputs.begin(), op.inputs.end());
            n.outputs.assign(op.outputs.begin(), op.outputs.end());
            job.ops.push_back(std::move(op));
            names.push_back(std::move(n));
        }
        engine::validate_dag_names(d, names);
        pending->persist = strings(d.persist);
        job.timeout_ms = d.timeout_ms;
    } catch (const engine::CommandError& e) {
        return RedisModule_ReplyWithError(ctx, e.what());
    }
    return block_and_run(ctx, std::move(pending));
}

}  // namespace

int dagexecute_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    return dag(ctx, argv, argc, {false, false});
}
int dagexecute_ro_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    return dag(ctx, argv, argc, {false, true});
}
int dagrun_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    return dag(ctx, argv, argc, {true, false});
}
int dagrun_ro_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    return dag(ctx, argv, argc, {true, true});
}

}  // namespace insitu::module
