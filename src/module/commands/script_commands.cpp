// AI.SCRIPTSTORE, AI.SCRIPTSET, AI.SCRIPTGET, AI.SCRIPTDEL, AI.SCRIPTEXECUTE, AI.SCRIPTRUN,
// AI._SCRIPTSCAN.
#include "module/commands/script_commands.h"

#include <memory>
#include <string>

#include "engine/errors.h"
#include "engine/run_queue.h"
#include "engine/script_args.h"
#include "module/commands/args.h"
#include "module/commands/execution.h"
#include "module/commands/key_access.h"
#include "module/commands/stored_object.h"
#include "module/module_config.h"
#include "module/types/model_type.h"

namespace insitu::module {
namespace {

int store(RedisModuleCtx* ctx, RedisModuleString** argv, int argc, bool legacy) {
    if (argc < (legacy ? 5 : 8)) return RedisModule_WrongArity(ctx);
    auto args = arg_views(argv, argc);
    std::unique_ptr<ScriptValue> value;
    try {
        auto a = legacy ? engine::parse_scriptset(args) : engine::parse_scriptstore(args);
        const insitu_backend_api* api = nullptr;
        try {
            api = engine::backends().get_or_load(engine::Backend::TORCH, config().backends_path);
        } catch (const engine::BackendLoadError& e) {
            RedisModule_Log(ctx, "warning", "insitu: %s", e.what());
            return RedisModule_ReplyWithError(ctx, (std::string("ERR ") + e.what()).c_str());
        }
        value = std::make_unique<ScriptValue>(ScriptValue{engine::Script::create(api, a.def)});
        engine::run_queues().ensure(value->script->queue());
    } catch (const engine::CommandError& e) {
        return RedisModule_ReplyWithError(ctx, e.what());
    }
    return set_stored_object(ctx, argv[1], std::move(value), open_script_key, script_type());
}

std::vector<std::string> strings(const std::vector<std::string_view>& v) {
    return {v.begin(), v.end()};
}

int run(RedisModuleCtx* ctx, RedisModuleString** argv, int argc, bool legacy) {
    auto args = arg_views(argv, argc);
    auto keys = legacy ? engine::scriptrun_keys(args) : engine::scriptexecute_keys(args);
    if (RedisModule_IsKeysPositionRequest(ctx)) {
        report_keys(ctx, argv, keys);
        return REDISMODULE_OK;
    }
    if (argc < (legacy ? 4 : 3)) return RedisModule_WrongArity(ctx);
    if (refuse_if_cannot_block(ctx)) return REDISMODULE_OK;
    if (!check_unreported_keys(ctx, argv, keys)) return REDISMODULE_OK;
    ScriptValue* sv = nullptr;
    RedisModuleKey* key = open_script_key(ctx, argv[1], /*write=*/false, &sv);
    if (!key) return REDISMODULE_OK;
    engine::ScriptPtr script = sv->script;
    RedisModule_CloseKey(key);
    engine::ScriptRunArgs r;
    try {
        r = legacy ? engine::parse_scriptrun(args) : engine::parse_scriptexecute(args, false);
    } catch (const engine::CommandError& e) {
        return RedisModule_ReplyWithError(ctx, e.what());
    }
    engine::JobOp op;
    op.kind = legacy ? engine::DagOpKind::scriptrun : engine::DagOpKind::scriptexecute;
    op.script = script;
    op.function = std::string(r.function);
    op.inputs = strings(r.inputs);
    op.outputs = strings(r.outputs);
    op.keys = strings(r.keys);
    op.args = strings(r.args);
    op.variadic_from = r.variadic_from;
    return run_single_op(ctx, std::move(op), r.timeout_ms);
}

}  // namespace

int scriptstore_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    return store(ctx, argv, argc, false);
}

int scriptset_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    return store(ctx, argv, argc, true);
}

int scriptget_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    if (argc < 2 || argc > 4) return RedisModule_WrongArity(ctx);
    engine::ScriptGetArgs g;
    try {
        g = engine::parse_scriptget(arg_views(argv, argc));
    } catch (const engine::CommandError& e) {
        return RedisModule_ReplyWithError(ctx, e.what());
    }
    ScriptValue* sv = nullptr;
    RedisModuleKey* key = open_script_key(ctx, argv[1], /*write=*/false, &sv);
    if (!key) return REDISMODULE_OK;
    const auto& d = sv->script->def();
    if (!g.meta) {
        RedisModule_ReplyWithStringBuffer(ctx, d.source.data(), d.source.size());
    } else {
        RedisModule_ReplyWithArray(ctx, g.source ? 8 : 6);
        RedisModule_ReplyWithCString(ctx, "device");
        RedisModule_ReplyWithStringBuffer(ctx, d.device.data(), d.device.size());
        RedisModule_ReplyWithCString(ctx, "tag");
        RedisModule_ReplyWithStringBuffer(ctx, d.tag.data(), d.tag.size());
        RedisModule_ReplyWithCString(ctx, "Entry Points");
        RedisModule_ReplyWithArray(ctx, static_cast<long>(d.entry_points.size()));
        for (const auto& e : d.entry_points)
            RedisModule_ReplyWithStringBuffer(ctx, e.data(), e.size());
        if (g.source) {
            RedisModule_ReplyWithCString(ctx, "source");
            RedisModule_ReplyWithStringBuffer(ctx, d.source.data(), d.source.size());
        }
    }
    RedisModule_CloseKey(key);
    return REDISMODULE_OK;
}

int scriptdel_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    return delete_stored_object<ScriptValue>(ctx, argv, argc, open_script_key,
                                             "ERR script key is empty");
}

int scriptexecute_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    return run(ctx, argv, argc, false);
}

int scriptrun_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    return run(ctx, argv, argc, true);
}

int scriptscan_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    (void)argv;
    return reply_stored_objects(ctx, argc, /*models=*/false);
}

}  // namespace insitu::module
