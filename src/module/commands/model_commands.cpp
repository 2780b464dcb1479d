// AI.MODELSTORE, AI.MODELSET, AI.MODELGET, AI.MODELDEL, AI.MODELEXECUTE, AI.MODELRUN,
// AI._MODELSCAN.
#include "module/commands/model_commands.h"

#include <memory>
#include <string>

#include "engine/errors.h"
#include "engine/model_args.h"
#include "engine/run_queue.h"
#include "module/commands/args.h"
#include "module/commands/execution.h"
#include "module/commands/key_access.h"
#include "module/commands/stored_object.h"
#include "module/module_config.h"
#include "module/types/model_type.h"

namespace insitu::module {
namespace {

int store(RedisModuleCtx* ctx, RedisModuleString** argv, int argc, bool legacy) {
    if (argc < (legacy ? 4 : 6)) return RedisModule_WrongArity(ctx);
    auto args = arg_views(argv, argc);
    std::unique_ptr<ModelValue> value;
    try {
        auto a = legacy ? engine::parse_modelset(args) : engine::parse_modelstore(args);
        std::string joined;
        std::string_view blob;
        if (a.blob_chunks.size() == 1) {
            blob = a.blob_chunks[0];
        } else {
            for (auto c : a.blob_chunks) joined += c;
            blob = joined;
        }
        const insitu_backend_api* api = nullptr;
        try {
            api = engine::backends().get_or_load(a.def.backend, config().backends_path);
        } catch (const engine::BackendLoadError& e) {
            RedisModule_Log(ctx, "warning", "insitu: %s", e.what());
            return RedisModule_ReplyWithError(ctx, (std::string("ERR ") + e.what()).c_str());
        }
        auto model = engine::Model::create(api, a.def, blob, engine::backends().settings);
        value = std::make_unique<ModelValue>(ModelValue{model, std::string(blob)});
        engine::run_queues().ensure(model->queue());
    } catch (const engine::CommandError& e) {
        return RedisModule_ReplyWithError(ctx, e.what());
    }
    return set_stored_object(ctx, argv[1], std::move(value), open_model_key, model_type());
}

void reply_names(RedisModuleCtx* ctx, const std::vector<std::string>& names) {
    RedisModule_ReplyWithArray(ctx, static_cast<long>(names.size()));
    for (const auto& n : names) RedisModule_ReplyWithStringBuffer(ctx, n.data(), n.size());
}

// MODEL_CHUNK_SIZE or less: one bulk string; more: an array of chunks (no trailing empty one).
void reply_blob(RedisModuleCtx* ctx, const std::string& blob) {
    auto chunk = static_cast<std::size_t>(config().model_chunk_size);
    if (blob.size() <= chunk) {
        RedisModule_ReplyWithStringBuffer(ctx, blob.data(), blob.size());
        return;
    }
    std::size_t n = (blob.size() + chunk - 1) / chunk;
    RedisModule_ReplyWithArray(ctx, static_cast<long>(n));
    for (std::size_t i = 0; i < n; ++i)
        RedisModule_ReplyWithStringBuffer(ctx, blob.data() + i * chunk,
                                          std::min(chunk, blob.size() - i * chunk));
}

int run(RedisModuleCtx* ctx, RedisModuleString** argv, int argc, bool legacy) {
    auto args = arg_views(argv, argc);
    auto keys = legacy ? engine::modelrun_keys(args) : engine::modelexecute_keys(args);
    if (RedisModule_IsKeysPositionRequest(ctx)) {
        report_keys(ctx, argv, keys);
        return REDISMODULE_OK;
    }
    if (argc < (legacy ? 6 : 8)) return RedisModule_WrongArity(ctx);
    if (refuse_if_cannot_block(ctx)) return REDISMODULE_OK;
    if (!check_unreported_keys(ctx, argv, keys)) return REDISMODULE_OK;
    ModelValue* mv = nullptr;
    RedisModuleKey* key = open_model_key(ctx, argv[1], /*write=*/false, &mv);
    if (!key) return REDISMODULE_OK;
    engine::ModelPtr model = mv->model;
    RedisModule_CloseKey(key);
    engine::RunArgs r;
    try {
        r = legacy ? engine::parse_modelrun(args, model->n_inputs(), model->n_outputs())
                   : engine::parse_modelexecute(args, model->n_inputs(), model->n_outputs());
    } catch (const engine::CommandError& e) {
        return RedisModule_ReplyWithError(ctx, e.what());
    }
    engine::JobOp op;
    op.kind = legacy ? engine::DagOpKind::modelrun : engine::DagOpKind::modelexecute;
    op.model = model;
    for (auto in : r.inputs) op.inputs.emplace_back(in);
    for (auto out : r.outputs) op.outputs.emplace_back(out);
    return run_single_op(ctx, std::move(op), r.timeout_ms);
}

}  // namespace

int modelstore_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    return store(ctx, argv, argc, false);
}

int modelset_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    return store(ctx, argv, argc, true);
}

int modelget_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    if (argc < 2 || argc > 4) return RedisModule_WrongArity(ctx);
    engine::ModelGetArgs g;
    try {
        g = engine::parse_modelget(arg_views(argv, argc));
    } catch (const engine::CommandError& e) {
        return RedisModule_ReplyWithError(ctx, e.what());
    }
    ModelValue* mv = nullptr;
    RedisModuleKey* key = open_model_key(ctx, argv[1], /*write=*/false, &mv);
    if (!key) return REDISMODULE_OK;
    // Replies are written while the key is open, so the stored bytes are not copied.
    const std::string& blob = mv->blob;
    const auto& d = mv->model->def();
    if (!g.meta) {
        reply_blob(ctx, blob);
        RedisModule_CloseKey(key);
        return REDISMODULE_OK;
    }
    RedisModule_ReplyWithArray(ctx, g.blob ? 18 : 16);
    RedisModule_ReplyWithCString(ctx, "backend");
    RedisModule_ReplyWithCString(ctx, engine::backend_name(d.backend));
    RedisModule_ReplyWithCString(ctx, "device");
    RedisModule_ReplyWithStringBuffer(ctx, d.device.data(), d.device.size());
    RedisModule_ReplyWithCString(ctx, "tag");
    RedisModule_ReplyWithStringBuffer(ctx, d.tag.data(), d.tag.size());
    RedisModule_ReplyWithCString(ctx, "batchsize");
    RedisModule_ReplyWithLongLong(ctx, d.batch.batchsize);
    RedisModule_ReplyWithCString(ctx, "minbatchsize");
    RedisModule_ReplyWithLongLong(ctx, d.batch.minbatchsize);
    RedisModule_ReplyWithCString(ctx, "inputs");
    reply_names(ctx, d.inputs);
    RedisModule_ReplyWithCString(ctx, "outputs");
    reply_names(ctx, d.outputs);
    RedisModule_ReplyWithCString(ctx, "minbatchtimeout");
    RedisModule_ReplyWithLongLong(ctx, d.batch.minbatchtimeout);
    if (g.blob) {
        RedisModule_ReplyWithCString(ctx, "blob");
        reply_blob(ctx, blob);
    }
    RedisModule_CloseKey(key);
    return REDISMODULE_OK;
}

int modeldel_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    return delete_stored_object<ModelValue>(ctx, argv, argc, open_model_key,
                                            "ERR model key is empty");
}

int modelexecute_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    return run(ctx, argv, argc, false);
}

int modelrun_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    return run(ctx, argv, argc, true);
}

int modelscan_command(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
    (void)argv;
    return reply_stored_objects(ctx, argc, /*models=*/true);
}

}  // namespace insitu::module
